import type { Db } from "#db/client.server.ts";
import type { Env } from "./env.server.ts";

/** What the HTTP server hands every loader and action: no module reaches for globals instead. */
export type AppContext = {
  db: Db;
  env: Env;
  /** The client's address as the server saw it (after TRUST_PROXY). */
  clientIp: string | null;
  /** Whether the request reached us over HTTPS (directly or via a trusted proxy). */
  secure: boolean;
};

declare module "@remix-run/node" {
  interface AppLoadContext extends AppContext {}
}
