import net from "node:net";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { checkRequestOrigin } from "#app/auth/origin.server.ts";

/**
 * Browsers open the live-session socket (WebSocket only) on the app's own origin: one port, one
 * TLS certificate, no CORS. The app checks the Origin exactly as it does for forms, then relays
 * the upgrade to the media server, which listens on loopback and accepts only the internal origin
 * this proxy stamps on the request. The join token inside the socket is still verified there.
 */
export const INTERNAL_ORIGIN = "http://hocso-app.internal";

/** A media node id in the socket's URL (`?node=`), as the registry allows it. */
const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export type MediaProxyOptions = {
  /** The single media node (and the default when a socket names none). */
  target: string;
  publicOrigin: (req: IncomingMessage) => string;
  /**
   * Several media nodes (ADR 0016): where a live node's socket.io listens, by id; undefined when
   * that node is not live. The socket's URL names the node its join token was placed on, and the
   * node itself refuses a token placed elsewhere, so the URL only routes, it grants nothing.
   */
  nodeUrl?: (nodeId: string) => Promise<string | undefined>;
};

export function attachMediaProxy(server: Server, opts: MediaProxyOptions) {
  const fallback = new URL(opts.target);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!req.url?.startsWith("/socket.io/")) {
      socket.destroy();
      return;
    }
    const verdict = checkRequestOrigin("POST", { get: (n) => (req.headers[n.toLowerCase()] as string | undefined) ?? null }, opts.publicOrigin(req));
    if (!verdict.ok) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
      return;
    }
    const node = new URL(req.url, "http://relay.invalid").searchParams.get("node");
    if (!node || !opts.nodeUrl) return relay(req, socket, head, fallback);
    if (!NODE_ID.test(node)) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      return;
    }
    // A client that goes away while the node is looked up must not throw an unhandled 'error'.
    socket.on("error", () => socket.destroy());
    // The node is gone (or Redis is): the client places itself again with a fresh token.
    const unavailable = () => socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
    void opts.nodeUrl(node).then(
      (url) => (url ? relay(req, socket, head, new URL(url)) : unavailable()),
      () => unavailable(),
    );
  });
}

function relay(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL) {
  const upstream = net.connect(Number(target.port || 80), target.hostname, () => {
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      const lower = name.toLowerCase();
      if (lower === "origin" || lower === "x-forwarded-for") continue;
      headers.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    headers.push(`Origin: ${INTERNAL_ORIGIN}`);
    headers.push(`X-Forwarded-For: ${req.socket.remoteAddress ?? ""}`);
    upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`);
    if (head.length) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  const close = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on("error", close);
  socket.on("error", close);
}
