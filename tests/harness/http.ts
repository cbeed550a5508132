import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createHttpApp, listen } from "#app/http/server.ts";
import { closePlacementClients } from "#app/live/placement.server.ts";
import { parseEnv, type Env } from "#app/env.server.ts";
import type { Db } from "#db/client.server.ts";
import { PASSWORD } from "#tests/factories/org.ts";
import { JOIN_TOKEN_SECRET, startMediaTestServer } from "./media.ts";

const root = path.resolve(import.meta.dirname, "..", "..");

/**
 * The real HTTP server on the real production build, on a free loopback port, with the same
 * WebSocket proxy to the media server (MEDIA_INTERNAL_URL) as `npm start`.
 */
export async function startTestServer(db: Db, overrides: Partial<Env> = {}, opts: { host?: string } = {}) {
  const host = opts.host ?? "127.0.0.1";
  const env = { ...parseEnv({ NODE_ENV: "production", SEED_DEMO: "false" }), ...overrides };
  const buildDir = path.join(root, "build");
  const build = await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href);
  const app = createHttpApp({ db, env, build, buildDir });
  const server: Server = await listen(app, host, 0, env);
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  // Closing also drops idle keep-alive connections (fetch keeps them), which would otherwise hold
  // the server open until they time out.
  // The app's placement Redis clients (REDIS_URL) close with it, or they reconnect and log after
  // the test's Redis has stopped.
  const close = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
    await closePlacementClients();
  };
  return { origin, server, env, close };
}

/**
 * The app and the media server as `npm start` runs them: the media server on loopback accepting
 * only the app's internal origin, the app proxying /socket.io/ to it and signing join tokens with
 * the same secret. The media server runs in this process (its mediasoup worker is a child).
 * `host` (an IPv4 address of this machine) is where the app listens and the media server's RTC
 * ports are, for browsers that cannot reach loopback (another network namespace).
 */
export async function startLiveTestServers(
  db: Db & { file: string },
  opts: { mediaEnv?: Record<string, string>; appEnv?: Partial<Env>; host?: string } = {},
) {
  const { INTERNAL_ORIGIN } = await import("#app/http/media-proxy.ts");
  const media = await startMediaTestServer(db, { APP_ORIGINS: INTERNAL_ORIGIN, RTC_LISTEN_IP: opts.host ?? "127.0.0.1", ...opts.mediaEnv });
  const app = await startTestServer(db, { JOIN_TOKEN_SECRET, MEDIA_INTERNAL_URL: media.url, ...opts.appEnv }, { host: opts.host });
  return {
    ...app,
    media,
    close: async () => {
      await app.close();
      await media.close();
    },
  };
}

/** A cookie-keeping client that sends what a browser sends with a same-origin form post. */
export function client(origin: string) {
  let cookie = "";
  const request = async (p: string, init: RequestInit & { form?: Record<string, string> } = {}) => {
    const headers = new Headers(init.headers);
    if (cookie) headers.set("cookie", cookie);
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form);
      headers.set("content-type", "application/x-www-form-urlencoded");
    }
    const method = init.method ?? (init.form ? "POST" : "GET");
    if (method !== "GET" && !headers.has("origin")) headers.set("origin", origin);
    const res = await fetch(origin + p, { ...init, method, headers, body, redirect: "manual" });
    const set = res.headers.get("set-cookie");
    if (set) {
      const [pair] = set.split(";");
      const [name, value] = pair.split("=");
      const jar = new Map(cookie ? cookie.split("; ").map((c) => c.split("=") as [string, string]) : []);
      if (value === "" || /Max-Age=0/.test(set)) jar.delete(name);
      else jar.set(name, value);
      cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    }
    return res;
  };
  return {
    request,
    get cookie() {
      return cookie;
    },
    async signIn(code: string, password = PASSWORD) {
      const res = await request("/login", { form: { identifier: code, password, redirectTo: "/" } });
      if (res.status !== 302 && res.status !== 204) throw new Error(`sign-in failed: ${res.status}`);
      return res;
    },
  };
}

/** A client already signed in as `code` (the tests' shared password unless given). */
export async function signedInClient(origin: string, code: string, password?: string) {
  const c = client(origin);
  await c.signIn(code, password);
  return c;
}
