/** Live sessions as data: scheduled (or live, or ended) for units and members, with presenters. */
import { writeTx, type Db } from "#db/client.server.ts";
import { one } from "#db/first.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions } from "#db/schema/index.ts";
import type { Member } from "#app/org/members.server.ts";
import type { Unit } from "#app/org/units.server.ts";
import { makeMember, makeTree } from "./org.ts";

export type SessionOpts = {
  title?: string;
  start?: Date | number;
  end?: Date | number;
  actualStart?: Date | number;
  actualEnd?: Date | number;
  inviteUnits?: Unit[];
  inviteMembers?: Member[];
  presenters?: Member[];
  createdBy?: Member;
  state?: "scheduled" | "live" | "ended";
  presentMinPercent?: number;
  lateAfterMinutes?: number;
};

/**
 * A live session written straight to its tables (the scheduling form's rules are tested in
 * tests/integration/live-sessions.test.ts): invited units (their subtrees) and members, presenters,
 * and, for a session that has run, its actual start and end.
 */
export function makeSession(db: Db, opts: SessionOpts = {}) {
  const now = new Date();
  const start = new Date(opts.start ?? now);
  const date = (d: Date | number | undefined) => (d === undefined ? null : new Date(d));
  return writeTx(db, async (tx) => {
    const s = await one(
      tx
        .insert(liveSessions)
        .values({
          title: opts.title ?? "Học tập Nghị quyết",
          scheduledStartAt: start,
          plannedEndAt: date(opts.end) ?? new Date(start.getTime() + 60 * 60_000),
          actualStartAt: date(opts.actualStart),
          actualEndAt: date(opts.actualEnd),
          state: opts.state ?? "scheduled",
          presentMinPercent: opts.presentMinPercent ?? 80,
          lateAfterMinutes: opts.lateAfterMinutes ?? 10,
          createdBy: opts.createdBy?.id ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning(),
    );
    for (const u of opts.inviteUnits ?? []) await tx.insert(liveSessionInvites).values({ sessionId: s.id, unitId: u.id, createdAt: now });
    for (const m of opts.inviteMembers ?? []) await tx.insert(liveSessionInvites).values({ sessionId: s.id, memberId: m.id, createdAt: now });
    for (const m of opts.presenters ?? []) await tx.insert(liveSessionPresenters).values({ sessionId: s.id, memberId: m.id, createdAt: now });
    return s;
  });
}

/**
 * A session that ran as planned and has ended: started on time at `start` (ms) and ended on time
 * `minutes` (60) later, what the attendance and report tests compute over.
 */
export function makeEndedSession(db: Db, start: number, opts: Omit<SessionOpts, "start" | "end" | "actualStart" | "actualEnd" | "state"> & { minutes?: number } = {}) {
  const { minutes = 60, ...rest } = opts;
  const end = start + minutes * 60_000;
  return makeSession(db, { ...rest, start, end, actualStart: start, actualEnd: end, state: "ended" });
}

/** A session on air since `start` (ms): started then, not ended. */
export function makeLiveSession(db: Db, start: number, opts: Omit<SessionOpts, "start" | "actualStart" | "state"> = {}) {
  return makeSession(db, { ...opts, start, actualStart: start, state: "live" });
}

/**
 * A session on air, as the broadcast tests join it: a presenter at the root, a viewer in cell a1,
 * and a session for unit a's subtree that went live a minute ago.
 */
export async function makeLiveBroadcast(db: Db) {
  const t = await makeTree(db);
  const presenter = await makeMember(db, t.root, { password: false });
  const viewer = await makeMember(db, t.a1, { password: false });
  const start = Date.now() - 60_000;
  const session = await makeLiveSession(db, start, { inviteUnits: [t.a], presenters: [presenter] });
  return { t, presenter, viewer, start, session };
}
