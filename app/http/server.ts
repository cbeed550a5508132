import express, { type Request as ExpressRequest } from "express";
import compression from "compression";
import crypto from "node:crypto";
import { ping } from "#db/dialect.server.ts";
import path from "node:path";
import type { Server } from "node:http";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import type { Db } from "#db/client.server.ts";
import type { Env } from "#app/env.server.ts";
import type { AppContext } from "#app/context.server.ts";
import { checkRequestOrigin } from "#app/auth/origin.server.ts";
import { localeOfNodeHeaders } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import { nodeUrlLookup } from "#app/live/placement.server.ts";
import { attachMediaProxy } from "./media-proxy.ts";
import { judgeBody } from "./body-limits.ts";

export type HttpAppOptions = {
  db: Db;
  env: Env;
  /** Production: the built server bundle. Development: omitted, Vite serves it. */
  build?: ServerBuild | (() => Promise<ServerBuild>);
  buildDir?: string;
  viteDevServer?: { middlewares: express.RequestHandler; ssrLoadModule(id: string): Promise<unknown> };
};

function expectedOrigin(req: ExpressRequest, env: Env): string {
  if (env.APP_ORIGIN) return env.APP_ORIGIN.replace(/\/$/, "");
  return `${req.protocol}://${req.get("host")}`;
}

/**
 * The one HTTP entry point: security headers, the CSRF origin check for every non-GET request,
 * static files, then Remix with the database and configuration in its load context.
 */
export function createHttpApp(opts: HttpAppOptions) {
  const { db, env } = opts;
  const app = express();
  app.disable("x-powered-by");
  if (env.TRUST_PROXY === true) app.set("trust proxy", 1);

  // First of all, before any middleware or route reads a byte of the body.
  app.use((req, res, next) => {
    const verdict = judgeBody(req.method, req.path, {
      contentLength: req.headers["content-length"],
      transferEncoding: req.headers["transfer-encoding"],
    });
    if (verdict.ok) return next();
    const locale = localeOfNodeHeaders(req.headers, env.DEFAULT_LOCALE);
    const size = verdict.limit >= 1 << 20 ? `${Math.floor(verdict.limit / (1 << 20))} MB` : `${Math.floor(verdict.limit / 1024)} KB`;
    // The unread body is not worth draining: close the connection once the answer is out.
    res.setHeader("Connection", "close");
    res
      .status(verdict.status)
      .type("text/plain; charset=utf-8")
      .send(verdict.status === 413 ? translate(locale, "error.bodyTooLarge", { size }) : translate(locale, "error.lengthRequired"));
  });
  app.use(compression());

  app.use((req, res, next) => {
    const nonce = crypto.randomBytes(16).toString("base64");
    res.locals.cspNonce = nonce;
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()");
    if (!opts.viteDevServer) {
      res.setHeader(
        "Content-Security-Policy",
        [
          "default-src 'self'",
          `script-src 'self' 'nonce-${nonce}'`,
          "style-src 'self' 'unsafe-inline'",
          "img-src 'self' data: blob:",
          "media-src 'self' blob:",
          "connect-src 'self' ws: wss:",
          "object-src 'none'",
          "base-uri 'self'",
          "form-action 'self'",
          "frame-ancestors 'none'",
        ].join("; "),
      );
    }
    next();
  });

  app.use((req, res, next) => {
    const verdict = checkRequestOrigin(
      req.method,
      { get: (name) => (req.headers[name.toLowerCase()] as string | undefined) ?? null },
      expectedOrigin(req, env),
    );
    if (verdict.ok) return next();
    const locale = localeOfNodeHeaders(req.headers, env.DEFAULT_LOCALE);
    res.status(403).type("text/plain; charset=utf-8").send(translate(locale, "error.csrf"));
  });

  app.get("/healthz", (_req, res, next) => {
    ping(db).then(() => res.json({ ok: true }), next);
  });

  if (opts.viteDevServer) {
    app.use(opts.viteDevServer.middlewares);
  } else {
    const clientDir = path.join(opts.buildDir ?? "build", "client");
    app.use("/assets", express.static(path.join(clientDir, "assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(clientDir, { maxAge: "1h" }));
  }

  const build =
    opts.build ??
    (() => opts.viteDevServer!.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>);

  app.all(
    "*",
    createRequestHandler({
      build,
      mode: env.NODE_ENV === "development" ? "development" : "production",
      getLoadContext: (req, res): AppContext & { cspNonce: string } => ({
        db,
        env,
        clientIp: req.ip ?? req.socket.remoteAddress ?? null,
        secure: req.secure,
        cspNonce: res.locals.cspNonce as string,
      }),
    }),
  );
  return app;
}

export function listen(app: express.Express, host: string, port: number, env?: Env): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.on("error", reject);
    if (env) {
      attachMediaProxy(server, {
        target: env.MEDIA_INTERNAL_URL,
        nodeUrl: env.REDIS_URL ? nodeUrlLookup(env.REDIS_URL) : undefined,
        publicOrigin: (req) => env.APP_ORIGIN?.replace(/\/$/, "") ?? `${env.TRUST_PROXY === true && req.headers["x-forwarded-proto"] ? String(req.headers["x-forwarded-proto"]).split(",")[0] : "http"}://${req.headers.host}`,
      });
    }
  });
}
