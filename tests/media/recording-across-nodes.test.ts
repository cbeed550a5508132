// Recording status across media nodes (ADR 0014's amendment, ADR 0016): two media servers of one
// session on socket.io's redis-streams adapter over a real redis-server, one SQLite file. Recording
// started on node a (the origin: its presenter asks, through the same Recordings.start a trainer's
// control call uses) reaches the viewers on both nodes once each; a member joining node b while it
// is on is told in the join reply; stopping reaches both nodes too.
import { describe, expect, it } from "vitest";
import type { Socket as ClientSocket } from "socket.io-client";
import type { Member } from "#app/org/members.server.ts";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { connected, request, tokenFor, waitFor } from "#tests/harness/media.ts";
import { useInProcessMediaNodes } from "#tests/harness/media-nodes.ts";
import type { MediaServer } from "../../media-server/src/server.ts";

async function world(db: TestDb) {
  const t = await makeTree(db);
  const presenter = await makeMember(db, t.root, { password: false });
  const v1 = await makeMember(db, t.a1, { password: false });
  const v2 = await makeMember(db, t.a1, { password: false });
  const v3 = await makeMember(db, t.a2, { password: false });
  const session = await makeSession(db, { inviteUnits: [t.a], presenters: [presenter] });
  return { t, presenter, v1, v2, v3, session };
}

const cluster = useInProcessMediaNodes({
  world,
  env: { MEDIA_IO_ADAPTER: "redis-streams" },
  nodes: { a: { id: "node-a" }, b: { id: "node-b" } },
});

type Joined = { s: ClientSocket; joined: any; recording: { active: boolean; since: number | null }[] };

async function join(server: MediaServer, member: Member, role: "viewer" | "presenter" = "viewer", sessionId = cluster.w.session.id): Promise<Joined> {
  const s = cluster.open(server, tokenFor(member, sessionId, role));
  await connected(s);
  const m: Joined = { s, joined: undefined, recording: [] };
  s.on("recording", (x) => m.recording.push(x));
  m.joined = await request(s, "join", {});
  expect(m.joined.error).toBeUndefined();
  return m;
}

describe("recording status across media nodes", () => {
  it("start on node a reaches viewers on both nodes once; a member joining node b is told; stop reaches both", async () => {
    const { w, nodes: { a, b } } = cluster;
    const presenter = await join(a, w.presenter, "presenter");
    const v1 = await join(a, w.v1);
    const v2 = await join(b, w.v2);
    expect(v2.joined.recording).toEqual({ active: false, since: null });

    const started = await request(presenter.s, "startRecording", {});
    expect(started).toMatchObject({ active: true });
    await waitFor(() => [presenter, v1, v2].every((m) => m.recording.length === 1), "everyone told recording started", 20_000);
    for (const m of [presenter, v1, v2]) expect(m.recording).toEqual([{ active: true, since: started.since }]);

    // Node b kept it for members joining there.
    const v3 = await join(b, w.v3);
    expect(v3.joined.recording).toEqual({ active: true, since: started.since });

    const stopped = await request(presenter.s, "stopRecording", {});
    expect(stopped).toEqual({ active: false, since: null });
    await waitFor(() => [presenter, v1, v2, v3].every((m) => m.recording.at(-1)?.active === false), "everyone told recording stopped", 20_000);
    // Once each: one start and one stop for those who were there, one stop for the latecomer.
    for (const m of [presenter, v1, v2]) expect(m.recording.map((r) => r.active)).toEqual([true, false]);
    expect(v3.recording.map((r) => r.active)).toEqual([false]);
    // And node b forgot it: a later join there hears "not recording".
    expect(b.recordings.of(b.registry.peek(w.session.id)!).status).toEqual({ active: false, since: null });
  }, 120_000);

  it("a room that opens on node b after recording started there learns it from the database", async () => {
    const { db, w, nodes: { a, b } } = cluster;
    const later = await makeSession(db, { inviteUnits: [w.t.a], presenters: [w.presenter] });
    const presenter = await join(a, w.presenter, "presenter", later.id);
    const started = await request(presenter.s, "startRecording", {});
    expect(started).toMatchObject({ active: true });
    expect(b.registry.peek(later.id)).toBeUndefined(); // node b has no room for it yet: it heard nothing

    const v = await join(b, w.v2, "viewer", later.id);
    // Told in the join reply, or just after it when the room's read of the row lands.
    await waitFor(() => v.joined.recording.active === true || v.recording.some((r) => r.active), "the late room's viewer told recording is on", 20_000);
    const told = v.joined.recording.active ? v.joined.recording : v.recording.find((r) => r.active);
    expect(told).toEqual({ active: true, since: started.since });

    await request(presenter.s, "stopRecording", {});
    await waitFor(() => v.recording.at(-1)?.active === false, "the late room's viewer told recording stopped", 20_000);
  }, 120_000);
});
