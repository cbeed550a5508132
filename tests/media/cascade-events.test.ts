// Room-wide events across media nodes (ADR 0016): two media servers of one session, each with its
// own mediasoup worker, socket.io on @socket.io/redis-streams-adapter over a real redis-server,
// sharing one SQLite file. A chat message sent on either node reaches every member on both nodes
// exactly once and is stored once; a presenter on one node moderates a message sent on the other.
// Exactly once without a timed wait: messages go A, B, A; a duplicate of one would be emitted
// before the next message on the same stream, so by the time everyone has the last, any
// duplicate has arrived too. The presenter's audience panel on node a counts node b's viewers and
// a cell room's check-ins there.
import { describe, expect, it } from "vitest";
import type { Socket as ClientSocket } from "socket.io-client";
import { and, eq } from "drizzle-orm";
import type { Member } from "#app/org/members.server.ts";
import { first } from "#db/first.ts";
import { attendanceEvents, liveChatMessages } from "#db/schema/index.ts";
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
  // A cell room's screen (its secretary's) in cell a2, and two members it checks in.
  const secretary = await makeMember(db, t.a2, { password: false });
  const c1 = await makeMember(db, t.a2, { password: false });
  const c2 = await makeMember(db, t.a2, { password: false });
  return { t, presenter, v1, v2, v3, session, secretary, c1, c2 };
}

const cluster = useInProcessMediaNodes({
  world,
  env: { MEDIA_IO_ADAPTER: "redis-streams" },
  nodes: { a: { id: "node-a" }, b: { id: "node-b" } },
});

type Member_ = { s: ClientSocket; joined: any; chat: any[]; updates: any[]; audience: any[]; polls: any[]; states: string[] };

async function join(server: MediaServer, member: Member, role: "viewer" | "presenter" | "cell-room" = "viewer"): Promise<Member_> {
  const s = cluster.open(server, tokenFor(member, cluster.w.session.id, role));
  await connected(s);
  const m: Member_ = { s, joined: undefined, chat: [], updates: [], audience: [], polls: [], states: [] };
  s.on("sessionStarted", () => m.states.push("started"));
  s.on("sessionEnded", () => m.states.push("ended"));
  s.on("poll", (x) => m.polls.push(x));
  s.on("chat", (x) => m.chat.push(x));
  s.on("audience", (x) => m.audience.push(x));
  s.on("chatUpdate", (x) => m.updates.push(x));
  m.joined = await request(s, "join", {});
  expect(m.joined.error).toBeUndefined();
  return m;
}

describe("chat across media nodes (socket.io redis-streams adapter)", () => {
  let presenter: Member_;
  let v1: Member_;
  let v2: Member_;
  const sent: string[] = [];

  it("a message sent on either node reaches every member on both nodes exactly once, stored once", async () => {
    const { db, w, nodes: { a, b } } = cluster;
    presenter = await join(a, w.presenter, "presenter");
    v1 = await join(a, w.v1);
    v2 = await join(b, w.v2);
    const everyone = [presenter, v1, v2];
    const say = async (who: Member_, text: string) => {
      const r = await request(who.s, "chatSend", { text, question: false });
      expect(r.ok).toBe(true);
      sent.push(r.id);
      await waitFor(() => everyone.every((m) => m.chat.some((x) => x.id === r.id)), `everyone has "${text}"`, 20_000);
    };
    await say(v1, "hello from node a");
    await say(v2, "hello from node b");
    await say(presenter, "last word from node a");

    for (const m of everyone) expect(m.chat.map((x) => x.id)).toEqual(sent);
    expect(v2.chat[0]).toMatchObject({ text: "hello from node a", memberId: w.v1.id, hidden: false });
    const rows = await db.select({ id: liveChatMessages.id }).from(liveChatMessages).where(eq(liveChatMessages.sessionId, w.session.id));
    expect(rows.map((r) => r.id).sort()).toEqual([...sent].sort());
  });

  it("a member joining the other node sees the history, and a presenter moderates a message sent on the other node", async () => {
    const { db, w, nodes: { b } } = cluster;
    const v3 = await join(b, w.v3);
    expect(v3.joined.chat.map((x: { id: string }) => x.id)).toEqual(sent);

    // The message v2 sent on node b, hidden by the presenter on node a.
    const fromB = sent[1];
    const r = await request(presenter.s, "chatModerate", { messageId: fromB, action: "hide" });
    expect(r.ok).toBe(true);
    for (const m of [v1, v2, v3]) {
      await waitFor(() => m.updates.some((u) => u.id === fromB), "the hide reaches every viewer", 20_000);
    }
    // Viewers get only the stub, on both nodes; the stored row is hidden once.
    for (const m of [v1, v2, v3]) expect(m.updates.filter((u) => u.id === fromB)).toEqual([{ id: fromB, hidden: true }]);
    const row = await first(db.select({ hidden: liveChatMessages.hidden }).from(liveChatMessages).where(eq(liveChatMessages.id, fromB)));
    expect(row?.hidden).toBe(true);
    // Node b's own log follows: a member joining there now gets the message hidden.
    expect(b.registry.peek(w.session.id)!.chat.get(fromB)?.hidden).toBe(true);
  });

  it("a message acknowledged while Redis does not answer reaches the other node once Redis is back, once", async () => {
    const { redis } = cluster;
    let id: string;
    redis.pause();
    try {
      const r = await request(v1.s, "chatSend", { text: "said during a Redis blip", question: false });
      // Acknowledged (stored, shown on node a) without waiting for Redis.
      expect(r.ok).toBe(true);
      id = r.id;
      await waitFor(() => presenter.chat.some((x) => x.id === id), "node a's members have it", 20_000);
      // Node b cannot have it: the only way there is the frozen Redis.
      expect(v2.chat.some((x) => x.id === id)).toBe(false);
    } finally {
      redis.resume();
    }
    await waitFor(() => v2.chat.some((x) => x.id === id), "node b's member has it once Redis is back", 30_000);
    // A last message from node b: once everyone has it, any duplicate of the first has arrived too.
    const last = await request(v2.s, "chatSend", { text: "after the blip", question: false });
    await waitFor(() => [presenter, v1, v2].every((m) => m.chat.some((x) => x.id === last.id)), "everyone has the last message", 20_000);
    for (const m of [presenter, v1, v2]) expect(m.chat.filter((x) => x.id === id).length).toBe(1);
  });

  it("a cell room's check-ins on node b show on the presenter's audience panel on node a, with node b's viewers", async () => {
    const { w, nodes: { b } } = cluster;
    const room = await join(b, w.secretary, "cell-room");
    const r = await request(room.s, "checkin", { memberIds: [w.c1.id, w.c2.id] });
    expect(r.checkedIn.sort()).toEqual([w.c1.id, w.c2.id].sort());
    const seen = await waitFor(() => presenter.audience.find((x) => x.cellRooms === 1 && x.checkedIn === 2), "the presenter's panel shows node b's cell room", 20_000);
    // v1 on node a; v2 and v3 on node b; c1 and c2 checked in on node b.
    expect(seen).toMatchObject({ people: 5, viewers: 3, cellRooms: 1, checkedIn: 2 });
    const byUnit = Object.fromEntries(seen.byUnit.map((u: { unitId: number }) => [u.unitId, u]));
    expect(byUnit[w.t.a1.id]).toMatchObject({ viewers: 2, cellRooms: 0, checkedIn: 0 });
    expect(byUnit[w.t.a2.id]).toMatchObject({ viewers: 1, cellRooms: 1, checkedIn: 2 });
    // The cell room leaves node b: the panel on node a follows.
    room.s.close();
    await waitFor(() => presenter.audience.at(-1)?.cellRooms === 0, "the presenter's panel drops the cell room", 20_000);
    expect(presenter.audience.at(-1)).toMatchObject({ people: 3, viewers: 3, checkedIn: 0 });
  });

  it("an attendance poll started on node a reaches viewers on node b, who answer it there, once", async () => {
    const { db, w } = cluster;
    const started = await request(presenter.s, "startPoll", { question: "Đồng chí có đang theo dõi không?", seconds: 60 });
    expect(started.pollId).toBeTruthy();
    for (const m of [v1, v2]) await waitFor(() => m.polls.some((p) => p.pollId === started.pollId), "every viewer gets the poll", 20_000);
    expect(v2.polls.find((p) => p.pollId === started.pollId)).toEqual({ pollId: started.pollId, question: "Đồng chí có đang theo dõi không?", closesAt: started.closesAt });
    // Answered on node b, into the shared ledger, once.
    expect(await request(v2.s, "pollAnswer", { pollId: started.pollId, answer: "yes" })).toEqual({ ok: true, recorded: true });
    expect(await request(v2.s, "pollAnswer", { pollId: started.pollId, answer: "yes" })).toEqual({ ok: true, recorded: false });
    const rows = await db
      .select()
      .from(attendanceEvents)
      .where(and(eq(attendanceEvents.sessionId, w.session.id), eq(attendanceEvents.kind, "poll-answer")));
    expect(rows.map((r) => r.memberId)).toEqual([w.v2.id]);
    expect(rows[0].nodeId).toMatch(/^node-b\//);
  });

  it("a presenter starting and ending the session on node a tells members on node b, once each", async () => {
    expect((await request(presenter.s, "startSession", {})).state).toBe("live");
    await waitFor(() => v2.states.includes("started"), "node b's viewer hears the start", 20_000);
    expect((await request(presenter.s, "endSession", {})).state).toBe("ended");
    for (const m of [v1, v2]) await waitFor(() => m.states.includes("ended"), "every viewer hears the end", 20_000);
    for (const m of [v1, v2]) expect(m.states).toEqual(["started", "ended"]);
  });
});
