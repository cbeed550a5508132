import { one } from "#db/first.ts";
/**
 * Attendance ingest: events/s sustained by the ledger (one BEGIN IMMEDIATE transaction per event,
 * idempotent insert on the unique event id, drizzle) against raw better-sqlite3 inserts, each also
 * in its own transaction, into the same table, interleaved in the same run on two fresh files.
 * Also the heartbeat path: one transaction per tick moving 500 keys' last-seen times.
 *
 * The same on PostgreSQL 15 in the same run (bench/engines.ts: a throwaway cluster, Unix socket,
 * fsync off as the tests run it, in a child process of its own): the ledger through drizzle's
 * node-postgres driver against raw `pg` INSERTs, each its own transaction, on two fresh databases.
 *
 * Run alone: `node --import tsx bench/media-ingest.ts [seconds-per-round]`.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { bulkWriter, closeDb, openDb, writeTx, type Db } from "../db/client.server.ts";
import { liveSessions, members, units } from "../db/schema/index.ts";
import { AttendanceLedger, type Sighting } from "../media-server/src/attendance.ts";
import pg from "pg";
import { migratePostgres } from "../db/postgres-migrate.server.ts";
import { removeDbFiles, tmpDbPath, type BenchResult } from "./lib.ts";
import { halfInput, inPostgresHalf, onPostgres, startPostgres } from "./engines.ts";

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

type Rates = { ledger: number; raw: number; tick: number };
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The three loops, interleaved round by round; `rawOne` inserts one event in its own transaction. */
async function measure(
  ledger: AttendanceLedger,
  wl: { sessionId: number; memberIds: number[] },
  rawOne: (i: number) => unknown,
  seconds: number,
  rounds: number,
): Promise<Rates> {
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
      await rawOne(i++);
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
  return { ledger: med(rates.ledger), raw: med(rates.raw), tick: med(rates.tick) };
}

/** The PostgreSQL half: the ledger on one database, raw `pg` inserts on another. */
async function postgresHalf(input: { ledgerUrl: string; rawUrl: string; seconds: number; rounds: number }): Promise<Rates> {
  const dbL = await openDb(input.ledgerUrl);
  const dbR = await openDb(input.rawUrl);
  const client = new pg.Client({ connectionString: input.rawUrl });
  await client.connect();
  try {
    const wl = await seed(dbL);
    const wr = await seed(dbR);
    const insert = {
      name: "bench_raw_event",
      text: `INSERT INTO attendance_events (event_id, session_id, member_id, kind, via, connection_id, at, recorded_at)
             VALUES ($1, $2, $3, 'heartbeat', 'individual', $4, $5, $6)`,
    };
    const rawOne = (i: number) => {
      const at = Date.now();
      return client.query({ ...insert, values: [randomUUID(), wr.sessionId, wr.memberIds[i % 500], "c", at, at] });
    };
    return await measure(new AttendanceLedger(dbL), wl, rawOne, input.seconds, input.rounds);
  } finally {
    await client.end();
    await closeDb(dbL);
    await closeDb(dbR);
  }
}

export async function run(seconds = 2, rounds = 3): Promise<BenchResult> {
  if (inPostgresHalf()) return { name: "media-ingest", summary: [], data: await postgresHalf(halfInput()) };
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

    const lite = await measure(ledger, wl, (i) => rawTx.immediate(randomUUID(), wr.sessionId, wr.memberIds[i % 500], Date.now()), seconds, rounds);
    const server = await startPostgres();
    let pgr: Rates;
    try {
      const [ledgerUrl, rawUrl] = [await server.createDatabase("ingest_ledger"), await server.createDatabase("ingest_raw")];
      await migratePostgres(ledgerUrl);
      await migratePostgres(rawUrl);
      pgr = await onPostgres<Rates>("media-ingest", ledgerUrl, { ledgerUrl, rawUrl, seconds, rounds });
    } finally {
      await server.stop();
    }
    const line = (e: string, r: Rates) =>
      `${e}: ledger.append (1 tx/event) ${r.ledger.toFixed(0)} events/s; raw inserts (1 tx/event) ${r.raw.toFixed(0)} events/s; ratio ${(r.ledger / r.raw).toFixed(2)}; heartbeat ticks (500 keys/tx) ${r.tick.toFixed(0)} keys/s`;
    console.log(line("SQLite (WAL, synchronous=NORMAL, raw better-sqlite3)", lite));
    console.log(line("PostgreSQL 15 (fsync off, raw pg prepared INSERT)", pgr));
    const [L, R, T] = [lite.ledger, lite.raw, lite.tick];
    return {
      name: "media-ingest",
      summary: [
        `media attendance ingest (WAL, synchronous=NORMAL): ledger.append ${L.toFixed(0)} events/s vs raw inserts ${R.toFixed(0)} events/s ` +
          `(ratio ${(L / R).toFixed(2)}; both one transaction per event); heartbeat ticks of 500 keys in one transaction ${T.toFixed(0)} keys/s`,
        `media attendance ingest on PostgreSQL 15 (throwaway cluster, fsync off): ledger.append ${pgr.ledger.toFixed(0)} events/s vs raw pg inserts ${pgr.raw.toFixed(0)} events/s ` +
          `(ratio ${(pgr.ledger / pgr.raw).toFixed(2)}); heartbeat ticks ${pgr.tick.toFixed(0)} keys/s; PostgreSQL ÷ SQLite ledger ${(pgr.ledger / L).toFixed(2)}`,
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
