/**
 * The whole demo a newcomer meets after the first `npm start`: the organisation, its courses, six
 * weeks of study ending last night (with a daily completion snapshot each night), a past live
 * session with its attendance, and a session starting now, in two write transactions (the
 * organisation with its courses, then everything that happened since).
 *
 * Deterministic: the rows are a function of `now` (see clock.ts), except the secrets that must
 * never be predictable: activation codes and certificate verification codes.
 */
import { writeTx, type Db } from "#db/client.server.ts";
import { endOfVnDay, addDays } from "#app/common/vietnam-time.ts";
import { allUnits } from "#app/org/units.server.ts";
import { getCourseBySlug, publishedSnapshot } from "#app/courses/courses.server.ts";
import { seedDemo, type DemoAccounts } from "./demo.ts";
import { seedDemoCourses } from "./courses.ts";
import { seedDemoLiveSession } from "./upcoming-session.ts";
import { demoCalendar } from "./clock.ts";
import { activateStudents, planOf, seedStudyHistory, type HistoryOutcome } from "./history.ts";
import { seedPastSession, type PastSession } from "./past-session.ts";
import { renderDemoRecording } from "./past-recording.ts";

export type DemoWorld = { accounts: DemoAccounts; history: HistoryOutcome; pastSession: PastSession | null };

export async function seedDemoWorld(db: Db, opts: { passwordHash: string; dataDir: string; now?: Date; contentDir?: string }): Promise<DemoWorld> {
  const cal = demoCalendar(opts.now ?? new Date());
  // First the organisation and its courses, committed: the published versions are then read once
  // into the version cache (it keeps nothing read inside a transaction), so replaying thousands of
  // steps does not parse each course's snapshot again at every step.
  const { accounts, slugs } = await writeTx(db, async (tx) => {
    const accounts = await seedDemo(tx, opts.passwordHash, cal.now, cal.foundedAt);
    const slugs = await seedDemoCourses(tx, opts.dataDir, {
      contentDir: opts.contentDir,
      now: cal.foundedAt,
      // "Due 30/11" means all of 30/11 in Vietnam, as the assignment form sets it.
      dueOf: (slug) => endOfVnDay(addDays(cal.today, planOf(slug).dueInDays)),
    });
    return { accounts, slugs };
  });
  for (const slug of slugs) {
    const course = await getCourseBySlug(db, slug);
    if (course) await publishedSnapshot(db, course);
  }
  // Rendered before the transaction, which may await the database only.
  const recording = renderDemoRecording(opts.dataDir);
  try {
    return await writeTx(db, async (tx) => {
      const parents = new Set((await allUnits(tx)).map((u) => u.parentId));
      const cells = (await allUnits(tx))
        .filter((u) => !parents.has(u.id))
        .map((u) => ({ id: u.id, code: u.code }));
      const history = await seedStudyHistory(tx, cal, cells, slugs);
      await activateStudents(tx, history.activeMemberIds, opts.passwordHash);
      const pastSession = await seedPastSession(tx, cal, recording);
      await seedDemoLiveSession(tx, cal.now);
      return { accounts, history, pastSession };
    });
  } catch (e) {
    console.error(
      "Không tạo được lịch sử minh họa; xóa tệp cơ sở dữ liệu rồi chạy lại để tạo lại từ đầu. / The demo history could not be created; delete the database file and start again to seed from scratch.",
    );
    throw e;
  }
}
