/**
 * Several media nodes of one cluster for a whole test file (ADR 0016), as every cascade test sets
 * them up: a fresh database, the file's data built on it, one redis-server, a client on it with
 * the nodes' registry as the nodes write it, and the nodes themselves, either as their own
 * processes (`useMediaNodes`: what a test can SIGKILL) or in this process
 * (`useInProcessMediaNodes`: what a test can look inside). Optionally the live-client fixture
 * page, Chromium, and a network namespace so that a node sits at the other end of a veth.
 *
 * Everything is stopped after the last test, nodes before Redis and Redis before the database.
 * The file's own beforeAll runs after this one (start an app server on the nodes there) and its
 * afterAll before this one (vitest runs after-hooks in reverse).
 */
import { afterAll, beforeAll } from "vitest";
import type { Browser } from "playwright-core";
import type { Socket as ClientSocket } from "socket.io-client";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { ensureMediasoupWorker } from "../../scripts/mediasoup-worker.mjs";
import { NodeRegistry, redisClient, type RedisClient } from "../../media-server/src/cluster/registry.ts";
import { silentLogger } from "../../media-server/src/log.ts";
import type { MediaServer } from "../../media-server/src/server.ts";
import { launchBrowser } from "./browser.ts";
import { serveLiveClientPage, type LiveClientPages } from "./live-client-page.ts";
import { connect, ORIGIN, startMediaTestServer } from "./media.ts";
import { CLUSTER_SECRET, startMediaNode, stopMediaNode, type MediaNode, type MediaNodeOptions } from "./media-node.ts";
import { createNetNs, netnsUnavailable, type NetNs } from "./netns.ts";
import { startRedis, type TestRedis } from "./redis.ts";

export type MediaNodes<W, N extends Record<string, unknown>> = {
  /** All set before the file's own hooks and tests run. */
  db: TestDb;
  /** What `world` built. */
  w: W;
  redis: TestRedis;
  /** A client on the cluster's Redis, and the registry read through it (NodeRegistry.liveNodes…). */
  client: RedisClient;
  registry: NodeRegistry;
  /** The nodes by the names the file gave them. */
  nodes: N;
  /** Only with `pages: true` (or `browser: true`). */
  pages: LiveClientPages;
  /** Only with `browser: true`. */
  browser: Browser;
  /** With `netns: true`, where this machine allows namespaces (root); else undefined. */
  ns: NetNs | undefined;
  /** Every socket opened through `open`, closed after the last test. */
  sockets: ClientSocket[];
  /** A socket.io client to a node on loopback, as a browser on ORIGIN opens it, closed with the suite. */
  open(node: { url: string } | { port: number }, token: string | undefined): ClientSocket;
};

type Common<W> = {
  world?: (db: TestDb) => Promise<W> | W;
  /** Settings every node gets (a node's own `env` wins). */
  env?: Record<string, string>;
};

/**
 * One node process: its id (MEDIA_NODE_ID) and how it differs from the defaults (loopback, no
 * namespace, the fixture page's origin or else ORIGIN, the suite's `env`).
 */
export type NodeSpec = { id: string } & Partial<Pick<MediaNodeOptions, "appOrigins" | "host" | "netns" | "env">>;

type Setup<W, N extends Record<string, unknown>> = {
  opts: Common<W> & { netns?: boolean; pages?: boolean; browser?: boolean };
  /** Puts each node into `nodes` as soon as it is up, so a failed start still stops the others. */
  start(suite: MediaNodes<W, N>, nodes: N): Promise<void>;
  stop(node: N[keyof N]): Promise<void>;
};

function useCluster<W, N extends Record<string, unknown>>({ opts, start, stop }: Setup<W, N>): MediaNodes<W, N> {
  const suite = {
    sockets: [] as ClientSocket[],
    open(node: { url: string } | { port: number }, token: string | undefined) {
      const s = connect("port" in node ? node : { port: Number(new URL(node.url).port) }, token);
      suite.sockets.push(s);
      return s;
    },
  } as MediaNodes<W, N>;
  beforeAll(async () => {
    suite.db = await testDb();
    suite.w = (await opts.world?.(suite.db)) as W;
    if (opts.netns && !netnsUnavailable()) suite.ns = createNetNs();
    // A node in the namespace reaches Redis over the veth, so Redis listens on the host's end.
    suite.redis = await startRedis(suite.ns ? { tcp: { host: suite.ns.hostIp } } : {});
    suite.client = redisClient(suite.redis.url, silentLogger);
    await suite.client.connect();
    suite.registry = new NodeRegistry({ client: suite.client, log: silentLogger });
    if (opts.pages || opts.browser) suite.pages = await serveLiveClientPage();
    suite.nodes = {} as N;
    await start(suite, suite.nodes);
    if (opts.browser) suite.browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    for (const s of suite.sockets) s.close();
    await suite.browser?.close();
    for (const n of Object.values(suite.nodes ?? {})) await stop(n as N[keyof N]);
    await suite.pages?.close();
    await suite.client?.quit().catch(() => {});
    await suite.redis?.stop();
    suite.ns?.destroy();
    if (suite.db) await dropDb(suite.db);
  });
  return suite;
}

/**
 * Media nodes as their own processes (tests/harness/media-node.ts), started at once. `nodes`
 * names them and says how each differs; it runs once the database, Redis, the page server and
 * the namespace exist, so a spec can name `s.pages.origin` or `s.ns`.
 */
export function useMediaNodes<W = undefined, K extends string = string>(
  opts: Common<W> & { netns?: boolean; pages?: boolean; browser?: boolean; nodes: (s: MediaNodes<W, Record<K, MediaNode>>) => Record<K, NodeSpec> },
): MediaNodes<W, Record<K, MediaNode>> {
  return useCluster<W, Record<K, MediaNode>>({
    opts,
    async start(s, nodes) {
      const workerBin = await ensureMediasoupWorker({ log: () => {} });
      const specs = Object.entries(opts.nodes(s)) as [K, NodeSpec][];
      const started = await Promise.allSettled(
        specs.map(async ([name, spec]) => {
          nodes[name] = await startMediaNode({
            id: spec.id,
            dbFile: s.db.file,
            redisUrl: s.redis.url,
            workerBin,
            appOrigins: spec.appOrigins ?? s.pages?.origin ?? ORIGIN,
            host: spec.host,
            netns: spec.netns,
            env: { ...opts.env, ...spec.env },
          });
        }),
      );
      for (const r of started) if (r.status === "rejected") throw r.reason;
    },
    stop: stopMediaNode,
  });
}

/**
 * Media nodes in this process (startMediaTestServer with the cluster settings: the secret, a node
 * id, an internal listener on a free port, REDIS_URL), started one after another; `nodes` names
 * them and gives each its id and own settings.
 */
export function useInProcessMediaNodes<W = undefined, K extends string = string>(
  opts: Common<W> & { nodes: Record<K, { id: string; env?: Record<string, string> }> },
): MediaNodes<W, Record<K, MediaServer>> {
  return useCluster<W, Record<K, MediaServer>>({
    opts,
    async start(s, nodes) {
      for (const [name, spec] of Object.entries(opts.nodes) as [K, { id: string; env?: Record<string, string> }][]) {
        nodes[name] = await startMediaTestServer(s.db, {
          MEDIA_CLUSTER_SECRET: CLUSTER_SECRET,
          MEDIA_NODE_ID: spec.id,
          MEDIA_INTERNAL_PORT: "0",
          REDIS_URL: s.redis.url,
          ...opts.env,
          ...spec.env,
        });
      }
    },
    stop: (n) => n.close(),
  });
}
