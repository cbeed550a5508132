import { one } from "#db/first.ts";
/**
 * Attendance ingest: events/s sustained by the ledger (one BEGIN IMMEDIATE transaction per event,
 * idempotent insert on the unique event id, drizzle) against raw better-sqlite3 inserts, each also
 * in its own transaction, into the same table, interleaved in the same run on two fresh files.
 * Also the heartbeat path: one transaction per tick moving 500 keys' last-seen times.
 *
 * Run alone: `node --import tsx bench/media-ingest.ts [seconds-per-round]`.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { bulkWriter, closeDb, openDb, writeTx, type Db } from "../db/client.server.ts";
import { liveSessions, members, units } from "../db/schema/index.ts";
import { AttendanceLedger, type Sighting } from "../media-server/src/attendance.ts";
import { removeDbFiles, tmpDbPath, type BenchResult } from "./lib.ts";

async function seed(db: Db) {
  const now = new Date();
  return writeTx(db, async (tx) => {
    const u = await one(tx.insert(units).values({ code: "U", name: "U", nameFolded: "u", path: "/1/", depth: 0, createdAt: now, updatedAt: now }).returning());
    const ms = [];
    for (let i = 0; i < 500; i++) {
      ms.push((await one(tx.insert(members).values({ code: `M${i}`, fullName: `M ${i}`, fullNameFolded: `m ${i}`, unitId: u.id, createdAt: now, updatedAt: now }).returning())).id);
    }
    const s = await one(tx.insert(liveSessions).values({ title: "bench", scheduledStartAt: now, plannedEndAt: now, createdAt: now, updatedAt: now }).returning());
    return { sessionId: s.id, memberIds: ms };
  });
}

export const title = "media attendance ingest: ledger appends vs raw inserts";

export async function run(seconds = 2, rounds = 3): Promise<BenchResult> {
  const files = [tmpDbPath("media-ingest", "ledger"), tmpDbPath("media-ingest", "raw")];
  for (const f of files) removeDbFiles(f);
  const dbL = await openDb(`file:${files[0]}`, { migrate: true });
  const dbR = await openDb(`file:${files[1]}`, { migrate: true });
  try {
    const wl = await seed(dbL);
    const wr = await seed(dbR);
    const ledger = new AttendanceLedger(dbL);
    const raw = bulkWriter(dbR).prepare(
      `INSERT INTO attendance_events (event_id, session_id, member_id, kind, via, connection_id, at, recorded_at)
       VALUES (?, ?, ?, 'heartbeat', 'individual', ?, ?, ?)`,
    );
    const rawTx = bulkWriter(dbR).transaction((id: string, sid: number, mid: number, at: number) => raw.run(id, sid, mid, "c", at, at));

    const rates = { ledger: [] as number[], raw: [] as number[], tick: [] as number[] };
    let i = 0;
    for (let r = 0; r < rounds; r++) {
      // ledger: one event per transaction
      let n = 0;
      let t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        await ledger.append({ sessionId: wl.sessionId, memberId: wl.memberIds[i++ % 500], kind: "heartbeat", via: "individual", connectionId: "c", at: Date.now() });
        n++;
      }
      rates.ledger.push(n / ((performance.now() - t0) / 1000));
      // raw: one event per transaction
      n = 0;
      t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        rawTx.immediate(randomUUID(), wr.sessionId, wr.memberIds[i++ % 500], Date.now());
        n++;
      }
      rates.raw.push(n / ((performance.now() - t0) / 1000));
      // heartbeat ticks: 500 keys' last-seen times in one transaction
      n = 0;
      t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        const at = Date.now();
        const batch: Sighting[] = wl.memberIds.map((m) => ({ sessionId: wl.sessionId, memberId: m, via: "individual", connectionId: "c", at }));
        n += await ledger.touch(batch);
      }
      rates.tick.push(n / ((performance.now() - t0) / 1000));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const L = med(rates.ledger);
    const R = med(rates.raw);
    const T = med(rates.tick);
    console.log(`ledger.append (1 tx/event): ${L.toFixed(0)} events/s; raw better-sqlite3 (1 tx/event): ${R.toFixed(0)} events/s; heartbeat ticks (500 keys/tx): ${T.toFixed(0)} keys/s`);
    return {
      name: "media-ingest",
      summary: [
        `media attendance ingest (WAL, synchronous=NORMAL): ledger.append ${L.toFixed(0)} events/s vs raw inserts ${R.toFixed(0)} events/s ` +
          `(ratio ${(L / R).toFixed(2)}; both one transaction per event); heartbeat ticks of 500 keys in one transaction ${T.toFixed(0)} keys/s`,
      ],
    };
  } finally {
    await closeDb(dbL);
    await closeDb(dbR);
    for (const f of files) removeDbFiles(f);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await run(process.argv[2] ? Number(process.argv[2]) : undefined);
  console.log(r.summary.join("\n"));
  process.exit(0);
}
