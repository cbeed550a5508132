// The app's side of placing a cell room and a QR phone on media nodes (ADR 0016), over HTTP on the
// production build with REDIS_URL and a real redis-server holding node records as the nodes write
// them. A committee's two cell rooms (cells A1 and A2 of unit A) get tokens for the same node,
// though the other node is then less loaded; the phone's check-in page mints a token for the node
// its QR names while that node is live, and for no node when it is dead or the parameter is not a
// node id (the page still works: the relay's default).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeTx } from "#db/client.server.ts";
import { scopeGrants } from "#db/schema/index.ts";
import { verifyJoinToken } from "#live/join-token.server.ts";
import { keys, redisTime } from "#live/node-registry.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { nodeStats } from "#tests/factories/node-stats.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";
import { redisUnavailable, startRedis, type TestRedis } from "#tests/harness/redis.ts";
import { NodeRegistry, redisClient, type RedisClient } from "../../media-server/src/cluster/registry.ts";
import { silentLogger } from "../../media-server/src/log.ts";

const why = redisUnavailable();
let db: Awaited<ReturnType<typeof testDb>>;
let redis: TestRedis;
let rc: RedisClient;
let nodes: NodeRegistry;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let sessionId: number;
let cells: { a1: number; a2: number; committee: number };

const payload = (token: string | undefined) => {
  const v = verifyJoinToken(token, JOIN_TOKEN_SECRET);
  if (!v.ok) throw new Error(`not a valid token: ${v.reason}`);
  return v.payload;
};
const tokenIn = (html: string) => [...html.matchAll(/[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{43}/g)].map((m) => m[0]).find((t) => verifyJoinToken(t, JOIN_TOKEN_SECRET).ok);

beforeAll(async () => {
  if (why) return;
  db = await testDb();
  const t = await makeTree(db);
  for (const [code, cell] of [["LNP-SEC1", t.a1], ["LNP-SEC2", t.a2]] as const) {
    const s = await makeMember(db, cell, { code });
    await writeTx(db, async (tx) => tx.insert(scopeGrants).values({ memberId: s.id, unitId: cell.id, kind: "secretary", createdAt: new Date() }));
  }
  await makeMember(db, t.a1, { code: "LNP-QR" });
  cells = { a1: t.a1.id, a2: t.a2.id, committee: t.a.id };
  const start = Date.now() - 60_000;
  sessionId = (await makeSession(db, { inviteUnits: [t.a], start, actualStart: start, state: "live" })).id;
  redis = await startRedis();
  rc = redisClient(redis.url, silentLogger);
  await rc.connect();
  nodes = new NodeRegistry({ client: rc, log: silentLogger });
  srv = await startTestServer(db, { JOIN_TOKEN_SECRET, REDIS_URL: redis.url });
}, 600_000);

afterAll(async () => {
  await srv?.close();
  await rc?.quit().catch(() => {});
  await redis?.stop();
  if (db) await dropDb(db);
});

describe.skipIf(!!why)("placing cell rooms and QR phones from the app", () => {
  test("a committee's cell rooms get tokens for one node, though the other is then less loaded", async () => {
    await nodes.write(nodeStats("node-p"));
    await nodes.write(nodeStats("node-q"));
    const tokenNode = async (code: string, cell: number) => {
      const c = client(srv.origin);
      await c.signIn(code);
      const res = await c.request(`/api/live/${sessionId}/token?mode=cell-room&cell=${cell}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { token: string; node: string };
      expect(payload(body.token)).toMatchObject({ role: "cell-room", unitId: cell, node: body.node });
      return body.node;
    };
    // Equal nodes: the first id. Its reservation makes node-q the less loaded one now, yet the
    // committee's second cell room follows the first.
    expect(await tokenNode("LNP-SEC1", cells.a1)).toBe("node-p");
    expect(await tokenNode("LNP-SEC2", cells.a2)).toBe("node-p");
    // Recorded under the committee, unit A.
    expect(await rc.get(keys().group(sessionId, cells.committee))).toBe("node-p");
  });

  test("the phone's check-in token names the QR's node while it is live, and no node otherwise", async () => {
    await nodes.write(nodeStats("node-q"));
    await nodes.write(nodeStats("node-gone"));
    await rc.hSet(keys().node("node-gone"), "at", String((await redisTime(rc)) - 6_000));
    const m = client(srv.origin);
    await m.signIn("LNP-QR");
    const code = "AbCdEfGhIjKlMnOp";
    const nodeFor = async (q: string) => {
      const res = await m.request(`/live/${sessionId}/check-in?code=${code}${q}`);
      expect(res.status).toBe(200);
      const p = payload(tokenIn(await res.text()));
      expect(p.role).toBe("check-in");
      return p.node;
    };
    expect(await nodeFor("&node=node-q")).toBe("node-q");
    expect(await nodeFor("&node=node-gone")).toBeUndefined();
    expect(await nodeFor("&node=" + encodeURIComponent("node q/../x"))).toBeUndefined();
    expect(await nodeFor("")).toBeUndefined();
  });
});
