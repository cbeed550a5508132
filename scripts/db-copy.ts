/**
 * npm run db:copy -- --to postgresql://… [--from FILE]
 * Copies the SQLite database (DATABASE_URL by default) into an empty PostgreSQL database, then
 * verifies every table by row count and checksum (db/copy-to-postgres.server.ts, ADR 0015).
 */
import fs from "node:fs";
import { z } from "zod";
import { parseEnv } from "#app/env.server.ts";
import { sqlitePathFromUrl } from "#db/client.server.ts";
import { copySqliteToPostgres, TargetNotEmptyError, type CopyProgress } from "#db/copy-to-postgres.server.ts";

const Args = z.object({
  to: z.string().regex(/^postgres(ql)?:\/\//, "--to phải là địa chỉ PostgreSQL / --to must be a postgres:// or postgresql:// URL"),
  from: z.string().min(1),
});

function argsOf(argv: string[]) {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  return Args.safeParse({ to: get("to"), from: get("from") ?? sqlitePathFromUrl(parseEnv().DATABASE_URL) });
}

const parsed = argsOf(process.argv.slice(2));
if (!parsed.success) {
  console.error(`Cách dùng / usage: npm run db:copy -- --to postgresql://user@host/db [--from data/hocso.db]\n  ${parsed.error.issues.map((i) => i.message).join("\n  ")}`);
  process.exit(2);
}
const { to, from } = parsed.data;
if (!fs.existsSync(from)) {
  console.error(`Không tìm thấy tệp SQLite / SQLite file not found: ${from}`);
  process.exit(2);
}

const bar = (p: CopyProgress) => {
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
  const filled = Math.round(pct / 5);
  const verb = p.phase === "copy" ? "chép / copy  " : "kiểm / verify";
  process.stderr.write(`\r${verb} ${p.table.padEnd(28)} [${"#".repeat(filled)}${".".repeat(20 - filled)}] ${String(pct).padStart(3)}% ${p.done}/${p.total}   `);
  if (p.done >= p.total) process.stderr.write("\n");
};

const started = Date.now();
try {
  const reports = await copySqliteToPostgres({ sqliteFile: from, postgresUrl: to, onProgress: bar });
  const bad = reports.filter((r) => !r.same);
  for (const r of reports) console.log(`${r.same ? "✓" : "✗"} ${r.table.padEnd(28)} ${String(r.rows).padStart(9)}  sha256 ${r.postgresSha256.slice(0, 16)}`);
  const rows = reports.reduce((n, r) => n + r.rows, 0);
  if (bad.length) {
    console.error(`✗ Bản chép khác bản gốc ở / the copy differs in: ${bad.map((r) => r.table).join(", ")}`);
    process.exit(1);
  }
  console.log(`✓ Đã chép và kiểm ${reports.length} bảng, ${rows} dòng / copied and verified ${reports.length} tables, ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  if (e instanceof TargetNotEmptyError) {
    console.error(`✗ ${e.message}`);
    process.exit(1);
  }
  throw e;
}
