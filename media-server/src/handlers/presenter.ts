import { first } from "#db/first.ts";
/** The presenter's controls: start and end the broadcast (the session's actual times), recording, and polls. */
import { and, eq, inArray } from "drizzle-orm";
import { writeTx } from "#db/client.server.ts";
import { liveSessions } from "#db/schema/index.ts";
import { ClientError } from "../errors.ts";
import type { Connection } from "./connection.ts";
import type { On } from "./on.ts";

export function presenterHandlers(on: On, conn: Connection) {
  const { deps, identity, sessionId } = conn;

  on("startSession", async () => {
    const { room } = conn.currentAs("presenter");
    const now = new Date();
    await writeTx(deps.db, async (tx) =>
      await tx
        .update(liveSessions)
        .set({ state: "live", actualStartAt: now, updatedAt: now })
        .where(and(eq(liveSessions.id, sessionId), eq(liveSessions.state, "scheduled"))),
    );
    const s = await first(deps.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)));
    const startedAt = s?.actualStartAt?.getTime() ?? now.getTime();
    for (const p of room.peers.values()) p.notify("sessionStarted", { startedAt });
    deps.crossNode?.sessionState(sessionId, { state: "live", at: startedAt });
    return { state: s?.state, startedAt: s?.actualStartAt?.getTime() };
  });

  // The same calls a trainer's control request makes (media-server/src/control.ts).
  on("startRecording", async () => {
    const { room } = conn.currentAs("presenter");
    return await deps.recordings.start(room, identity.memberId);
  });

  on("stopRecording", async () => {
    const { room } = conn.currentAs("presenter");
    return await deps.recordings.stop(room);
  });

  on("endSession", async () => {
    const { room } = conn.currentAs("presenter");
    const now = new Date();
    await writeTx(deps.db, async (tx) =>
      await tx
        .update(liveSessions)
        .set({ state: "ended", actualEndAt: now, updatedAt: now })
        .where(and(eq(liveSessions.id, sessionId), inArray(liveSessions.state, ["scheduled", "live"]))),
    );
    for (const p of room.peers.values()) p.notify("sessionEnded", { endedAt: now.getTime() });
    deps.crossNode?.sessionState(sessionId, { state: "ended", at: now.getTime() });
    // The session is over: so is its recording (joined into one file now).
    await deps.recordings.of(room).stop();
    return { state: "ended" as const, endedAt: now.getTime() };
  });

  on("startPoll", ({ question, seconds }) => {
    const { peer, room } = conn.currentAs("presenter");
    const poll = room.polls.open(question, seconds);
    const { pollId, closesAt } = poll;
    for (const p of room.peers.values()) if (p !== peer) p.notify("poll", { pollId, question, closesAt });
    // Several nodes: members on the others get it too, and answer it there (the ledger is shared).
    deps.crossNode?.poll(sessionId, poll);
    return { pollId, closesAt };
  });

  on("pollAnswer", async ({ pollId, answer }) => {
    const { peer, room } = conn.current();
    const poll = room.polls.answerable(pollId);
    if (!poll) throw new ClientError("not-found");
    // One answer per member per poll: the event id makes a second answer (or a retry) a no-op.
    const recorded = await deps.ledger.append({
      eventId: `poll:${pollId}:${identity.memberId}`,
      sessionId,
      memberId: identity.memberId,
      kind: "poll-answer",
      via: "individual",
      connectionId: peer.connectionId,
      at: Date.now(),
      detail: { pollId, question: poll.question, answer },
    });
    return { ok: true, recorded };
  });
}
