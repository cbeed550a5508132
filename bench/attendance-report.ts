import { one } from "#db/first.ts";
/**
 * The attendance report of a big session: N invited members (default 5,000), 80 % of them watching
 * for most of an hour, heartbeats every 15 s. Two ledgers of the same observations, on two files:
 * heartbeats appended as events (how the ledger was written before attendance_last_seen), and
 * heartbeats kept as one last-seen row per key (now). Reports sessionAttendance (the whole
 * session, what the attendance page and exports compute) and one member's attendance, interleaved,
 * and the size of each file. The first is the baseline: the ratio is now ÷ before.
 *
 * Run alone: `node --import tsx bench/attendance-report.ts [invited]`.
 */
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { bulkWriter, closeDb, openDb, writeTx, type Db } from "../db/client.server.ts";
import { liveSessionInvites, liveSessions, units } from "../db/schema/index.ts";
import { sessionAttendance } from "../app/live/attendance.server.ts";
import { fmtBytes, removeDbFiles, stats, tmpDbPath, type BenchResult } from "./lib.ts";

const MIN = 60_000;
const HEARTBEAT = 15_000;

async function build(db: Db, invited: number, heartbeatsAsEvents: boolean) {
  const t0 = Date.UTC(2030, 0, 1, 1, 0, 0);
  const c = bulkWriter(db);
  const now = new Date();
  const { u, s } = await writeTx(db, async (tx) => {
    const u = await one(tx.insert(units).values({ code: "U", name: "U", nameFolded: "u", path: "/1/", depth: 0, createdAt: now, updatedAt: now }).returning());
    const s = await one(
      tx
        .insert(liveSessions)
        .values({ title: "bench", scheduledStartAt: new Date(t0), plannedEndAt: new Date(t0 + 60 * MIN), actualStartAt: new Date(t0), actualEndAt: new Date(t0 + 60 * MIN), state: "ended", createdAt: now, updatedAt: now })
        .returning(),
    );
    await tx.insert(liveSessionInvites).values({ sessionId: s.id, unitId: u.id, createdAt: now });
    return { u, s };
  });
  const member = c.prepare("INSERT INTO members (code, full_name, full_name_folded, unit_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
  const event = c.prepare("INSERT INTO attendance_events (event_id, session_id, member_id, kind, via, connection_id, at, recorded_at) VALUES (?, ?, ?, ?, 'individual', ?, ?, ?)");
  const seen = c.prepare("INSERT INTO attendance_last_seen (session_id, member_id, key, via, connection_id, at) VALUES (?, ?, ?, 'individual', ?, ?)");
  let ids = 0;
  c.transaction(() => {
    for (let i = 0; i < invited; i++) {
      const m = Number(member.run(`M${i}`, `Member ${i}`, `member ${i}`, u.id, now.getTime(), now.getTime()).lastInsertRowid);
      if (i % 5 === 4) continue; // one in five never comes
      const conn = `c${i}`;
      const join = t0 + (i % 7) * MIN;
      const leave = t0 + (55 + (i % 5)) * MIN;
      const ev = (kind: string, at: number) => event.run(`e${ids++}`, s.id, m, kind, conn, at, at);
      ev("socket-connect", join);
      ev("transport-connected", join + 500);
      let last = join;
      for (let at = join + HEARTBEAT; at < leave; at += HEARTBEAT) {
        if (heartbeatsAsEvents) ev("heartbeat", at);
        last = at;
      }
      if (!heartbeatsAsEvents) seen.run(s.id, m, `conn:${conn}`, conn, last);
      ev("socket-disconnect", leave);
    }
  })();
  return { sessionId: s.id, someMember: (c.prepare("SELECT id FROM members ORDER BY id LIMIT 1 OFFSET 1").get() as { id: number }).id };
}

export const title = "attendance report of a 5,000-member session: heartbeat events vs last-seen rows";

export async function run(invited = 5000, rounds = 5): Promise<BenchResult> {
  const files = [tmpDbPath("attendance-report", "events"), tmpDbPath("attendance-report", "lastseen")];
  for (const f of files) removeDbFiles(f);
  const before = await openDb(`file:${files[0]}`, { migrate: true });
  const now = await openDb(`file:${files[1]}`, { migrate: true });
  try {
    const wb = await build(before, invited, true);
    const wn = await build(now, invited, false);
    for (const db of [before, now]) bulkWriter(db).pragma("wal_checkpoint(TRUNCATE)");
    const size = (f: string) => fs.statSync(f).size;
    const rw = { reconnectWindowMs: 60_000 };
    const t = { before: [] as number[], now: [] as number[], oneBefore: [] as number[], oneNow: [] as number[] };
    let check = [0, 0];
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      const a = (await sessionAttendance(before, wb.sessionId, rw))!;
      t.before.push(performance.now() - t0);
      t0 = performance.now();
      const b = (await sessionAttendance(now, wn.sessionId, rw))!;
      t.now.push(performance.now() - t0);
      check = [a.members.filter((m) => m.status === "present").length, b.members.filter((m) => m.status === "present").length];
      t0 = performance.now();
      await sessionAttendance(before, wb.sessionId, { ...rw, only: [wb.someMember] });
      t.oneBefore.push(performance.now() - t0);
      t0 = performance.now();
      await sessionAttendance(now, wn.sessionId, { ...rw, only: [wn.someMember] });
      t.oneNow.push(performance.now() - t0);
    }
    const [sb, sn, ob, on] = [stats(t.before), stats(t.now), stats(t.oneBefore), stats(t.oneNow)];
    const rows = (db: Db) => Number((db.$client.prepare("SELECT count(*) AS n FROM attendance_events").get() as { n: number }).n);
    console.log(`heartbeats as events: ${rows(before)} events, ${fmtBytes(size(files[0]))}; whole session p50 ${sb.p50.toFixed(0)} ms; one member p50 ${ob.p50.toFixed(1)} ms`);
    console.log(`last-seen rows:       ${rows(now)} events, ${fmtBytes(size(files[1]))}; whole session p50 ${sn.p50.toFixed(0)} ms; one member p50 ${on.p50.toFixed(1)} ms`);
    console.log(`members present (same in both): ${check[0]} / ${check[1]}`);
    return {
      name: "attendance-report",
      summary: [
        `attendance report, ${invited} invited, 80 % watching ~55 min, heartbeats every 15 s: whole session p50 ${sn.p50.toFixed(0)} ms now ` +
          `vs ${sb.p50.toFixed(0)} ms with heartbeats as ledger events (ratio ${(sn.p50 / sb.p50).toFixed(2)}); one member ${on.p50.toFixed(1)} ms vs ${ob.p50.toFixed(1)} ms; ` +
          `ledger ${rows(now)} vs ${rows(before)} events, file ${fmtBytes(size(files[1]))} vs ${fmtBytes(size(files[0]))}; present ${check[1]} = ${check[0]}`,
      ],
    };
  } finally {
    await closeDb(before);
    await closeDb(now);
    for (const f of files) removeDbFiles(f);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await run(process.argv[2] ? Number(process.argv[2]) : undefined);
  console.log(r.summary.join("\n"));
  process.exit(0);
}
