/** Live sessions as data: scheduled (or live, or ended) for units and members, with presenters. */
import { writeTx, type Db } from "#db/client.server.ts";
import { one } from "#db/first.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions } from "#db/schema/index.ts";
import type { Member } from "#app/org/members.server.ts";
import type { Unit } from "#app/org/units.server.ts";

/**
 * A live session written straight to its tables (the scheduling form's rules are tested in
 * tests/integration/live-sessions.test.ts): invited units (their subtrees) and members, presenters,
 * and, for a session that has run, its actual start and end.
 */
export function makeSession(
  db: Db,
  opts: {
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
  } = {},
) {
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
