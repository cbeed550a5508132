// Attendance across media nodes (ADR 0016), all real: two media-server processes sharing one
// SQLite file and one redis-server, viewers on both. Node b is killed with SIGKILL while a viewer
// is on it: the survivor (node a) closes that viewer's connection at node b's last heartbeat for
// it, once, and leaves node a's own viewer open; the viewer, back on node a within the reconnect
// window, keeps one interval.
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { attendanceEvents, attendanceLastSeen } from "#db/schema/index.ts";
import { mergeIntervals } from "#live/attendance.ts";
import { ledgerRows, toLedgerEvent } from "#live/ledger.server.ts";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeLiveSession } from "#tests/factories/live.ts";
import { connected, request, tokenFor, waitFor } from "#tests/harness/media.ts";
import type { MediaNode } from "#tests/harness/media-node.ts";
import { useMediaNodes } from "#tests/harness/media-nodes.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";

const RECONNECT_WINDOW_MS = 60_000;

async function world(db: TestDb) {
  const t = await makeTree(db);
  const presenter = await makeMember(db, t.root, { password: false });
  const onB = await makeMember(db, t.a1, { password: false });
  const onA = await makeMember(db, t.a1, { password: false });
  const start = Date.now() - 60_000;
  const session = await makeLiveSession(db, start, { inviteUnits: [t.a], presenters: [presenter] });
  return { onA, onB, session };
}

const cluster = useMediaNodes({
  world,
  // Ledger ticks every second, so a connection's last heartbeat is recent when its node dies.
  env: { HEARTBEAT_SECONDS: "1", RECONNECT_WINDOW_SECONDS: String(RECONNECT_WINDOW_MS / 1000) },
  nodes: () => ({ a: { id: "node-a" }, b: { id: "node-b" } }),
});

async function join(node: MediaNode, member: Awaited<ReturnType<typeof makeMember>>) {
  const s = cluster.open(node, tokenFor(member, cluster.w.session.id));
  await connected(s);
  const joined = await request(s, "join", {});
  expect(joined.error).toBeUndefined();
  return s;
}

const events = async (memberId: number) =>
  cluster.db
    .select()
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.sessionId, cluster.w.session.id), eq(attendanceEvents.memberId, memberId)));
const lastSeen = async (memberId: number) =>
  cluster.db
    .select()
    .from(attendanceLastSeen)
    .where(and(eq(attendanceLastSeen.sessionId, cluster.w.session.id), eq(attendanceLastSeen.memberId, memberId)));

describe("attendance across media nodes", () => {
  it("each node records itself on the ledger; a survivor closes a dead node's open connection at its last heartbeat, once", async () => {
    const { db, w, client, registry: nodes, nodes: { a, b } } = cluster;
    const recordOf = async (id: string) => (await nodes.liveNodes()).find((n) => n.id === id)!;
    const [ra, rb] = [await recordOf("node-a"), await recordOf("node-b")];
    expect(ra.instance).toMatch(/^node-a\//);
    expect(rb.instance).toMatch(/^node-b\//);

    await join(a, w.onA);
    const first = await join(b, w.onB);
    // Each node's events and heartbeats name its instance.
    const connB = await waitFor(async () => (await events(w.onB.id)).find((e) => e.kind === "socket-connect"), "node b's socket-connect");
    expect(connB.nodeId).toBe(rb.instance);
    expect((await events(w.onA.id)).find((e) => e.kind === "socket-connect")?.nodeId).toBe(ra.instance);
    await waitFor(async () => (await lastSeen(w.onB.id)).some((r) => r.connectionId === connB.connectionId && r.nodeId === rb.instance), "a heartbeat from node b");

    b.child.kill("SIGKILL");
    first.close();
    // The viewer is placed again (on node a) at once, well within the reconnect window.
    await join(a, w.onB);

    const closing = await waitFor(
      async () => (await events(w.onB.id)).find((e) => e.connectionId === connB.connectionId && e.kind === "server-stop"),
      "node a closes the dead node's connection",
      60_000,
    ).catch((e) => {
      throw new Error(`${e.message}\nnode a:\n${a.output().slice(-3000)}`);
    });
    // At the dead node's last heartbeat for that connection (nothing could write it since).
    const beat = (await lastSeen(w.onB.id)).find((r) => r.connectionId === connB.connectionId)!;
    expect(beat.nodeId).toBe(rb.instance);
    expect(closing.at.getTime()).toBe(beat.at.getTime());
    expect(closing.at.getTime()).toBeGreaterThanOrEqual(connB.at.getTime());
    expect(closing.nodeId).toBe(rb.instance);
    expect(closing.detail).toEqual({ reason: "node-dead", by: ra.instance });
    expect(await client.get(`hocso:reap:${rb.instance}`)).toBe("done");

    // Exactly once: one closing event, and doing it again closes nothing.
    expect((await events(w.onB.id)).filter((e) => e.connectionId === connB.connectionId && e.kind === "server-stop")).toHaveLength(1);
    expect(await new AttendanceLedger(db).closeOpenIntervals({ instance: rb.instance }, "node-dead")).toEqual({ closed: 0 });

    // Node a's own viewer is untouched: no closing event.
    const aEvents = await events(w.onA.id);
    expect(aEvents.filter((e) => e.kind === "server-stop" || e.kind === "socket-disconnect")).toEqual([]);

    // The viewer who came back on node a: two connections, one interval.
    const rows = (await ledgerRows(db, w.session.id, [w.onB.id])).map(toLedgerEvent);
    const conns = new Set((await events(w.onB.id)).filter((e) => e.kind === "socket-connect").map((e) => `${e.connectionId}@${e.nodeId}`));
    expect(conns.size).toBe(2);
    expect([...conns].some((c) => c.endsWith(`@${ra.instance}`))).toBe(true);
    const m = mergeIntervals(rows, { reconnectWindowMs: RECONNECT_WINDOW_MS, sessionStart: w.session.scheduledStartAt.getTime(), sessionEnd: Date.now() + 60_000 });
    expect(m.individual).toHaveLength(1);
    // The reconnection is still open (on node a, alive).
    expect(m.open.map((k) => k.nodeId)).toEqual([ra.instance]);
  }, 180_000);
});
