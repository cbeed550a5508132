/**
 * A media node as its own process (ADR 0016), as `npm start` runs the media server, with the
 * cluster settings: what the cascade tests kill with SIGKILL. Everything it listens on (socket.io,
 * RTC, pipes, the internal listener) is on `host`, and it starts inside a network namespace when
 * given one.
 */
import type { ChildProcess } from "node:child_process";
import { freePort, JOIN_TOKEN_SECRET, waitFor } from "./media.ts";
import { spawnScript } from "./spawn-script.ts";
export const CLUSTER_SECRET = "cascade-test-cluster-secret-0123456789abcdef";

export type MediaNode = { id: string; host: string; child: ChildProcess; url: string; internalUrl: string; output: () => string };

export type MediaNodeOptions = {
  id: string;
  dbFile: string;
  redisUrl: string;
  workerBin: string;
  /** Origins the node's socket.io accepts (a test page server, or the app's internal origin). */
  appOrigins: string;
  host?: string;
  netns?: string;
  env?: Record<string, string>;
};

export async function startMediaNode(o: MediaNodeOptions): Promise<MediaNode> {
  const host = o.host ?? "127.0.0.1";
  const [port, internalPort] = [await freePort(), await freePort()];
  const { child, output } = spawnScript(
    "media-server/src/index.ts",
    {
      NODE_ENV: "test",
      MEDIA_HOST: host,
      MEDIA_PORT: String(port),
      RTC_LISTEN_IP: host,
      DATABASE_URL: `file:${o.dbFile}`,
      JOIN_TOKEN_SECRET,
      APP_ORIGINS: o.appOrigins,
      MEDIA_WORKERS: "1",
      MEDIASOUP_WORKER_BIN: o.workerBin,
      MEDIA_LOG_LEVEL: "info",
      MEDIA_CLUSTER_SECRET: CLUSTER_SECRET,
      MEDIA_NODE_ID: o.id,
      MEDIA_INTERNAL_HOST: host,
      MEDIA_INTERNAL_PORT: String(internalPort),
      MEDIA_CLUSTER_IP: host,
      REDIS_URL: o.redisUrl,
      ...o.env,
    },
    { netns: o.netns },
  );
  // Ready when the process says so (after its registry record is written).
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${o.id} exited (${code}):\n${output()}`))));
  exited.catch(() => {});
  await Promise.race([waitFor(() => /media server ready/.test(output()), `${o.id} ready`, 120_000), exited]);
  return { id: o.id, host, child, url: `http://${host}:${port}`, internalUrl: `http://${host}:${internalPort}`, output };
}

/** SIGTERM and wait (a clean stop), unless it is already gone. */
export async function stopMediaNode(n: MediaNode | undefined) {
  if (!n || n.child.exitCode !== null || n.child.signalCode !== null) return;
  const exited = new Promise((r) => n.child.once("exit", r));
  n.child.kill("SIGTERM");
  await exited;
}
