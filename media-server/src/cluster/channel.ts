/**
 * The node-to-node channel (ADR 0016): plain HTTP on each media server's internal listener,
 * POST + JSON only. Every request carries the cluster's shared secret (`authorization: Bearer`,
 * compared in constant time), every body is bounded and parsed with its zod schema (wire.ts), and
 * every reply is parsed by the caller too. Refusals are `{ error }` with a status; nothing a
 * request carries can throw out of the handler.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import type { Logger } from "../log.ts";
import type { ClusterCall, NodeRef } from "./wire.ts";

const MAX_BODY = 64 * 1024;
const CALL_TIMEOUT_MS = 10_000;

/** A refusal with an HTTP status (404: no such session/producer here; 409: not in that state). */
export class ChannelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
    this.name = "ChannelError";
  }
}

/** A call of the channel: its path, its body's schema and its reply's (cluster/wire.ts, #live/media-control). */
type Call = { path: string; body: z.ZodTypeAny; reply: z.ZodTypeAny };
type Handler<C extends Call> = (body: z.output<C["body"]>) => Promise<z.input<C["reply"]>> | z.input<C["reply"]>;
export type Route = { call: Call; handle: Handler<Call> };
export const route = <C extends Call>(call: C, handle: Handler<C>): Route => ({ call, handle: handle as unknown as Handler<Call> });

const digest = (s: string) => createHash("sha256").update(s).digest();

function authorized(header: string | undefined, secret: string) {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  // Digests first: equal lengths for timingSafeEqual, and no length leak.
  return !!m && timingSafeEqual(digest(m[1]), digest(secret));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ChannelError(413, "payload-too-large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export type ChannelServer = { port: number; close(): Promise<void> };

/**
 * The channel's request handler: authentication, routing, body bound, zod, refusals. Served on
 * the internal listener (serveChannel) and, for the app's control calls, under `/control/` on the
 * node's own listener (ADR 0014).
 */
export function channelHandler(opts: { secret: string; routes: Route[]; log: Logger }) {
  const byPath = new Map<string, Route>(opts.routes.map((r) => [r.call.path, r]));
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const send = (status: number, body: unknown) => {
      if (res.headersSent) return;
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    try {
      if (!authorized(req.headers.authorization, opts.secret)) throw new ChannelError(401, "unauthorized");
      const r = byPath.get(req.url ?? "");
      if (!r) throw new ChannelError(404, "no-such-call");
      if (req.method !== "POST") throw new ChannelError(405, "post-only");
      if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) throw new ChannelError(415, "json-only");
      let raw: unknown;
      try {
        raw = JSON.parse(await readBody(req));
      } catch (e) {
        if (e instanceof ChannelError) throw e;
        throw new ChannelError(400, "invalid-json");
      }
      const parsed = r.call.body.safeParse(raw);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`);
        return send(400, { error: "invalid-payload", issues });
      }
      send(200, await r.handle(parsed.data));
    } catch (e) {
      if (e instanceof ChannelError) send(e.status, { error: e.code });
      else {
        opts.log.error("cluster call failed", { path: req.url, error: e });
        send(500, { error: "internal" });
      }
    }
  };
}

export async function serveChannel(opts: { host: string; port: number; secret: string; routes: Route[]; log: Logger }): Promise<ChannelServer> {
  const server = http.createServer(channelHandler(opts));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Calls `call` on another node; resolves with its parsed reply, rejects with a ChannelError or a network error. */
export async function callNode<C extends ClusterCall>(
  target: NodeRef,
  call: C,
  body: z.input<C["body"]>,
  secret: string,
  opts: { timeoutMs?: number } = {},
): Promise<z.output<C["reply"]>> {
  const res = await fetch(new URL(call.path, target.url), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify(call.body.parse(body)),
    signal: AbortSignal.timeout(opts.timeoutMs ?? CALL_TIMEOUT_MS),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ChannelError(502, `bad-reply-from-${target.nodeId}`);
  }
  if (!res.ok) throw new ChannelError(res.status, (json as { error?: string })?.error ?? "refused");
  return call.reply.parse(json) as z.output<C["reply"]>;
}
