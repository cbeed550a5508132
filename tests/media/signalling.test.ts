// The media server in-process (real mediasoup worker, real SQLite file) driven by socket.io-client:
// who may connect, what malformed payloads get, and one timeline per member.
import { describe, expect, it } from "vitest";
import { writeTx } from "#db/client.server.ts";
import { and, eq } from "drizzle-orm";
import type { Socket as ClientSocket } from "socket.io-client";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { attendanceEvents, attendanceLastSeen, members } from "#db/schema/index.ts";
import { schemas } from "#live/wire.ts";
import { makeSession } from "#tests/factories/live.ts";
import { connected, request, JOIN_TOKEN_SECRET, testConfig, tokenFor, waitFor } from "#tests/harness/media.ts";
import { useMediaSuite } from "#tests/harness/media-suite.ts";

async function world(db: TestDb) {
  const t = await makeTree(db);
  const presenter = await makeMember(db, t.root, { password: false });
  const viewer = await makeMember(db, t.a1, { password: false });
  const viewer2 = await makeMember(db, t.a2, { password: false });
  const outsider = await makeMember(db, t.b1, { password: false });
  const session = await makeSession(db, { inviteUnits: [t.a], presenters: [presenter] });
  const other = await makeSession(db, { inviteUnits: [t.b] });
  const ended = await makeSession(db, { inviteUnits: [t.a], state: "ended" });
  return { t, presenter, viewer, viewer2, outsider, session, other, ended };
}

const live = useMediaSuite({ world });

describe("who may connect", () => {
  it("accepts an invited member with a valid token from the app's origin", async () => {
    const s = await connected(live.open(tokenFor(live.w.viewer, live.w.session.id)));
    const joined = await request(s, "join", {});
    expect(joined.error).toBeUndefined();
    expect(joined.role).toBe("viewer");
    expect(joined.routerRtpCapabilities.codecs.map((c: { mimeType: string }) => c.mimeType.toLowerCase())).toEqual(
      expect.arrayContaining(["audio/opus", "video/vp8"]),
    );
    expect(Array.isArray(joined.iceServers)).toBe(true);
    await request(s, "leave");
    s.close();
  });

  const refusals: [string, () => ClientSocket, string][] = [
    ["a token for another session", () => live.open(tokenFor(live.w.viewer, live.w.other.id)), "not-invited"],
    ["an expired token", () => live.open(tokenFor(live.w.viewer, live.w.session.id, "viewer", { now: Date.now() - 3_600_000, ttlMs: 60_000 })), "expired-token"],
    ["a token signed with another secret", () => live.open(tokenFor(live.w.viewer, live.w.session.id, "viewer", { secret: JOIN_TOKEN_SECRET + "-not" })), "invalid-token"],
    ["a tampered token (another member's id)", () => {
      const [p, sig] = tokenFor(live.w.viewer, live.w.session.id).split(".");
      const payload = JSON.parse(Buffer.from(p, "base64url").toString());
      return live.open(`${Buffer.from(JSON.stringify({ ...payload, memberId: live.w.viewer2.id })).toString("base64url")}.${sig}`);
    }, "invalid-token"],
    ["no token", () => live.open(undefined), "invalid-token"],
    ["a wrong Origin", () => live.open(tokenFor(live.w.viewer, live.w.session.id), { origin: "https://evil.example" }), "forbidden-origin"],
    ["no Origin", () => live.open(tokenFor(live.w.viewer, live.w.session.id), { origin: null }), "forbidden-origin"],
    ["a member not invited", () => live.open(tokenFor(live.w.outsider, live.w.session.id)), "not-invited"],
    ["a viewer claiming the presenter role", () => live.open(tokenFor(live.w.viewer, live.w.session.id, "presenter")), "not-presenter"],
    ["a session that has ended", () => live.open(tokenFor(live.w.viewer, live.w.ended.id)), "session-ended"],
  ];
  for (const [what, make, code] of refusals) {
    it(`refuses ${what}`, async () => {
      const err = await connected(make()).then(
        () => undefined,
        (e: Error & { data?: unknown }) => e,
      );
      expect(err?.message).toBe(code);
      // The code alone: the browser words it in the reader's language (app/i18n).
      expect(err?.data).toEqual({ code });
    });
  }

  it("checks again on reconnection: a member disabled meanwhile cannot come back", async () => {
    const m = await makeMember(live.db, live.w.t.a1, { password: false });
    const token = tokenFor(m, live.w.session.id);
    const s1 = await connected(live.open(token));
    s1.close();
    await writeTx(live.db, async (tx) => tx.update(members).set({ disabledAt: new Date() }).where(eq(members.id, m.id)));
    await expect(connected(live.open(token))).rejects.toThrow("member-inactive");
  });
});

describe("malformed payloads", () => {
  const junk: unknown[] = [
    null,
    42,
    "join",
    [],
    [1, 2, 3],
    true,
    { __proto__: { polluted: true } },
    { transportId: 5 },
    { transportId: "x".repeat(100) },
    { direction: "sideways" },
    { enabled: "yes" },
    { consumerId: "nope", spatialLayer: 99 },
    { memberIds: Array.from({ length: 600 }, (_, i) => i + 1) },
    { memberIds: [-1] },
    { rtpCapabilities: { codecs: "all" } },
    { rtpCapabilities: { codecs: Array.from({ length: 100 }, () => ({ mimeType: "video/VP8", clockRate: 90000 })) } },
    { transportId: "t", dtlsParameters: { fingerprints: [] } },
    { transportId: "t", kind: "video", rtpParameters: { codecs: [] }, source: "camera" },
    { big: "x".repeat(100_000) },
    { extra: 1, audioOnly: true },
    Buffer.from([1, 2, 3]),
  ];

  /**
   * What the server must answer for `payload`, as it receives it (socket.io sends JSON, so an
   * object's prototype is gone; null means {}): "payload-too-large" over the size limit,
   * "invalid-payload" when the event's schema refuses it, undefined when the payload is valid.
   */
  function expectedRefusal(event: keyof typeof schemas, payload: unknown): "payload-too-large" | "invalid-payload" | undefined {
    const received = payload == null ? {} : Buffer.isBuffer(payload) ? payload : JSON.parse(JSON.stringify(payload));
    if (Buffer.byteLength(JSON.stringify(received)) > testConfig(live.db).maxEventBytes) return "payload-too-large";
    return schemas[event].safeParse(received).success ? undefined : "invalid-payload";
  }

  it("answers every handler's junk with an error ack and stays alive", async () => {
    const s = await connected(live.open(tokenFor(live.w.viewer2, live.w.session.id)));
    let checked = 0;
    for (const event of Object.keys(schemas)) {
      for (const payload of junk) {
        const reply = await request(s, event, payload);
        const label = `${event} ${JSON.stringify(payload)?.slice(0, 60)}`;
        const expected = expectedRefusal(event as keyof typeof schemas, payload);
        if (expected) {
          // Junk is refused for what it is, never with "internal" (a handler that ran on it).
          expect(reply?.error, label).toBe(expected);
          expect(reply, label).not.toHaveProperty("message");
          checked++;
        } else if (reply && typeof reply === "object" && "error" in reply) {
          // Some junk happens to be valid for some events (e.g. {} for leave): a state refusal
          // (not-joined, forbidden…) is fine, a crash is not.
          expect(reply.error, label).not.toBe("internal");
          expect(reply.error, label).not.toBe("invalid-payload");
        }
      }
      // Two arguments before the ack.
      const two = await s.timeout(10_000).emitWithAck(event, {}, {});
      expect(two.error).toBe("invalid-payload");
      // Rate limit: let the bucket refill a little between events.
      await new Promise((r) => setTimeout(r, 800));
    }
    expect(checked).toBeGreaterThan(Object.keys(schemas).length * (junk.length - 3));
    const unknown = await request(s, "connectTransportX", {});
    expect(unknown.error).toBe("invalid-payload");
    const big = await request(s, "join", { audioOnly: true, pad: "x".repeat(200_000) });
    expect(big.error).toBe("payload-too-large");
    // Still alive, and still serving: a proper join works on the same socket.
    expect(s.connected).toBe(true);
    const joined = await request(s, "join", {});
    expect(joined.error).toBeUndefined();
    const res = await fetch(`${live.server.url}/healthz`).then((r) => r.json());
    expect(res.ok).toBe(true);
    s.close();
  }, 120_000);

  it("refuses media actions before join and presenter actions to a viewer", async () => {
    const s = await connected(live.open(tokenFor(live.w.viewer, live.w.session.id)));
    expect((await request(s, "createTransport", { direction: "recv" })).error).toBe("not-joined");
    await request(s, "join", {});
    expect((await request(s, "createTransport", { direction: "send" })).error).toBe("forbidden");
    expect((await request(s, "startSession", {})).error).toBe("forbidden");
    expect((await request(s, "checkin", { memberIds: [live.w.viewer.id] })).error).toBe("forbidden");
    expect((await request(s, "resumeConsumer", { consumerId: "c".repeat(36) })).error).toBe("not-found");
    const recv = await request(s, "createTransport", { direction: "recv" });
    expect(recv.error).toBeUndefined();
    const protocols = new Set(recv.iceCandidates.map((c: { protocol: string }) => c.protocol));
    expect(protocols).toEqual(new Set(["udp", "tcp"]));
    const restarted = await request(s, "restartIce", { transportId: recv.id });
    expect(restarted.iceParameters.usernameFragment).not.toBe(recv.iceParameters.usernameFragment);
    expect((await request(s, "restartIce", { transportId: "someone-elses" })).error).toBe("not-found");
    s.close();
  });
});

describe("cell room", () => {
  it("checks in only invited members of its own cell, once per retry", async () => {
    const secretary = await makeMember(live.db, live.w.t.a2, { password: false });
    const present = await makeMember(live.db, live.w.t.a2, { password: false });
    const host = await connected(live.open(tokenFor(secretary, live.w.session.id, "cell-room")));
    expect((await request(host, "join", {})).error).toBeUndefined();
    const eventId = crypto.randomUUID();
    const payload = { memberIds: [present.id, live.w.viewer.id, live.w.outsider.id, present.id], eventId };
    const r = await request(host, "checkin", payload);
    expect(r.checkedIn).toEqual([present.id]);
    expect(r.refused.sort()).toEqual([live.w.viewer.id, live.w.outsider.id].sort());
    await request(host, "checkin", payload); // a retry of the same request
    const rows = await live.db.select().from(attendanceEvents).where(and(eq(attendanceEvents.memberId, present.id), eq(attendanceEvents.kind, "checkin")));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ via: "cell-room", cellRoomMemberId: secretary.id });
    expect((await request(host, "checkout", { memberIds: [present.id] })).checkedOut).toEqual([present.id]);
    host.close();
  });
});

describe("attendance poll", () => {
  it("asks every joined viewer and records one answer per member, idempotently", async () => {
    const presenter = await connected(live.open(tokenFor(live.w.presenter, live.w.session.id, "presenter")));
    const viewer = await connected(live.open(tokenFor(live.w.viewer, live.w.session.id)));
    expect((await request(presenter, "join", {})).error).toBeUndefined();
    expect((await request(viewer, "join", {})).error).toBeUndefined();
    const asked = new Promise<any>((resolve) => viewer.once("poll", resolve));
    const poll = await request(presenter, "startPoll", { question: "Đồng chí có đang theo dõi không?" });
    expect((await asked).pollId).toBe(poll.pollId);
    expect(await request(viewer, "pollAnswer", { pollId: poll.pollId, answer: "Có mặt" })).toEqual({ ok: true, recorded: true });
    expect(await request(viewer, "pollAnswer", { pollId: poll.pollId, answer: "Có mặt" })).toEqual({ ok: true, recorded: false });
    expect((await request(viewer, "startPoll", { question: "?" })).error).toBe("forbidden");
    expect((await request(viewer, "pollAnswer", { pollId: crypto.randomUUID(), answer: "x" })).error).toBe("not-found");
    const answers = await live.db
      .select()
      .from(attendanceEvents)
      .where(and(eq(attendanceEvents.memberId, live.w.viewer.id), eq(attendanceEvents.kind, "poll-answer")));
    expect(answers).toHaveLength(1);
    expect(answers[0].detail).toMatchObject({ pollId: poll.pollId, answer: "Có mặt" });
    presenter.close();
    viewer.close();
  });
});

describe("one timeline per member", () => {
  it("a second socket of the same member replaces the first", async () => {
    const m = await makeMember(live.db, live.w.t.a2, { password: false });
    const first = await connected(live.open(tokenFor(m, live.w.session.id)));
    const j1 = await request(first, "join", {});
    expect(j1.error).toBeUndefined();
    const replaced = new Promise((resolve) => first.once("replaced", resolve));
    const firstGone = new Promise((resolve) => first.once("disconnect", resolve));

    const second = await connected(live.open(tokenFor(m, live.w.session.id)));
    const j2 = await request(second, "join", {});
    expect(j2.error).toBeUndefined();
    await replaced;
    await firstGone;

    const room = live.server.registry.peek(live.w.session.id)!;
    const peer = room.peers.get(m.id)!;
    expect(peer.socket.id).toBe(second.id);
    expect([...room.peers.values()].filter((p) => p.memberId === m.id)).toHaveLength(1);
    // The second socket works.
    expect((await request(second, "createTransport", { direction: "recv" })).error).toBeUndefined();

    const events = await live.db
      .select()
      .from(attendanceEvents)
      .where(and(eq(attendanceEvents.sessionId, live.w.session.id), eq(attendanceEvents.memberId, m.id)));
    const kinds = events.map((e) => e.kind);
    expect(kinds.filter((k) => k === "socket-connect")).toHaveLength(2);
    expect(kinds).toContain("socket-disconnect");
    const conns = new Set(events.map((e) => e.connectionId));
    expect(conns.size).toBe(2);

    // Heartbeats go to the current connection only.
    await live.server.heartbeat();
    const beats = await live.db.select().from(attendanceLastSeen).where(eq(attendanceLastSeen.memberId, m.id));
    expect(beats.map((b) => b.connectionId)).toEqual([peer.connectionId]);
    // Heartbeats move one row per connection forward; the ledger gets none.
    await live.server.heartbeat();
    expect(await live.db.select().from(attendanceLastSeen).where(eq(attendanceLastSeen.memberId, m.id))).toHaveLength(1);
    expect(await live.db.select().from(attendanceEvents).where(and(eq(attendanceEvents.memberId, m.id), eq(attendanceEvents.kind, "heartbeat")))).toEqual([]);
    second.close();
    await waitFor(() => !live.server.registry.peek(live.w.session.id)?.peers.has(m.id), "peer removed");
  });

  it("two tabs joining at the same instant leave one peer and one reservation", async () => {
    const m = await makeMember(live.db, live.w.t.a2, { password: false });
    const loadBefore = live.server.pool.workers[0].load;
    const [a, b] = await Promise.all([connected(live.open(tokenFor(m, live.w.session.id))), connected(live.open(tokenFor(m, live.w.session.id)))]);
    // The tab that loses may be disconnected before its join is answered (its ack then rejects):
    // which one, and whether its reply comes first, depends on the engine's timing.
    const replies = await Promise.allSettled([request(a, "join", {}), request(b, "join", {})]);
    expect(replies.filter((r) => r.status === "fulfilled" && !r.value.error).length).toBeGreaterThanOrEqual(1);
    const room = live.server.registry.peek(live.w.session.id)!;
    await waitFor(() => !(a.connected && b.connected), "one tab disconnected");
    expect([...room.peers.values()].filter((p) => p.memberId === m.id)).toHaveLength(1);
    expect(live.server.pool.workers[0].load).toBe(loadBefore + 2);
    a.close();
    b.close();
    await waitFor(() => !room.peers.has(m.id), "peer removed");
    expect(live.server.pool.workers[0].load).toBe(loadBefore);
  });
});
