import { asc, lte } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { liveSessions } from "#db/schema/index.ts";
import { isMemberInvited, sessionAttendance } from "#app/live/attendance.server.ts";

/**
 * The live sessions a member was invited to that had begun by `at`, with what the ledger says
 * of them: status (the latest correction wins, shown as such), minutes and how they attended.
 */
export async function memberSessions(db: Db, memberId: number, at: Date, reconnectWindowMs: number) {
  const started = await db.select().from(liveSessions).where(lte(liveSessions.scheduledStartAt, at)).orderBy(asc(liveSessions.scheduledStartAt));
  const invited = [];
  for (const s of started) if (await isMemberInvited(db, s.id, memberId)) invited.push(s);
  return Promise.all(
    invited.map(async (s) => {
      const rep = await sessionAttendance(db, s.id, { reconnectWindowMs, now: at.getTime() });
      const me = rep?.members.find((m) => m.memberId === memberId);
      return {
        sessionId: s.id,
        title: s.title,
        start: rep?.start ?? s.scheduledStartAt,
        status: me?.corrected?.status ?? me?.status ?? "absent",
        corrected: !!me?.corrected,
        minutes: me?.minutes ?? 0,
        percent: me?.percent ?? 0,
        via: me?.via ?? null,
      };
    }),
  );
}
