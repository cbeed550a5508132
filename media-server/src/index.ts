/**
 * The media server process: `node --import tsx media-server/src/index.ts`.
 * Parses the configuration (a clear bilingual error and exit code 1 when it is wrong), starts the
 * server, and stops it gracefully on SIGINT/SIGTERM (open attendance intervals are closed with a
 * server-stop event, sockets and workers closed).
 */
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startMediaServer } from "./server.ts";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  const server = await startMediaServer(config, { log });
  log.info(`Máy chủ truyền hình sẵn sàng / media server ready at ${server.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await server.close();
    process.exit(0);
  };
  // Started by `npm start` with an IPC channel: the app process is gone (killed, crashed) when the
  // channel closes, and a media server without its app would hold the port against the next one.
  if (process.send) process.on("disconnect", () => void stop("parent-exit"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("unhandledRejection", (e) => log.error("unhandled rejection", { error: e }));
}

main().catch((e) => {
  console.error(`Máy chủ truyền hình không khởi động được / the media server failed to start: ${(e as Error)?.stack ?? e}`);
  process.exit(1);
});
