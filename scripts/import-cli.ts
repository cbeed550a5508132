import fs from "node:fs";
import { closeDb, type openDb } from "#db/client.server.ts";
import { bilingual } from "#app/i18n/catalog.ts";
import type { ImportReport } from "#app/org/import-common.server.ts";
import type { CsvError } from "#app/org/csv-file.server.ts";
import type { Scope } from "#app/auth/permissions.server.ts";
import { inputFileOrExit, openEnvDb } from "./cli.ts";

type Runner = (db: Awaited<ReturnType<typeof openDb>>, bytes: Uint8Array, scope: Scope, actor: number | null) => Promise<{ report: ImportReport } | { error: CsvError }>;

/**
 * The command-line face of the same preview/commit code the admin page uses. The CLI acts as an
 * administrator (whoever can run it on the server can read the database anyway).
 */
export async function runImportCli(kind: "units" | "members", preview: Runner, commit: Runner) {
  const args = process.argv.slice(2);
  const dryRun = args.includes("--dry-run");
  const file = inputFileOrExit(
    args.find((a) => !a.startsWith("--")),
    `npm run ${kind}:import -- FILE.csv [--dry-run]`,
  );
  const db = await openEnvDb();
  const bytes = new Uint8Array(fs.readFileSync(file));
  const started = Date.now();
  process.stderr.write(`${dryRun ? "Xem trước / previewing" : "Đang nhập / importing"} ${file} (${(bytes.length / 1024).toFixed(0)} KiB)…\n`);
  const result = await (dryRun ? preview : commit)(db, bytes, { all: true }, null);
  await closeDb(db);
  if ("error" in result) {
    console.error(`✗ ${result.error.vi}\n  ${result.error.en}`);
    process.exit(1);
  }
  const r = result.report;
  for (const x of r.rejected) console.log(`  dòng/line ${x.line}${x.code ? ` [${x.code}]` : ""}: ${bilingual(x)}`);
  for (const u of r.updated) {
    const changes = Object.entries(u.changes).map(([k, v]) => `${k}: ${String(v.from ?? "—")} → ${String(v.to ?? "—")}`);
    console.log(`  ~ dòng/line ${u.line} [${u.code}] ${changes.join("; ")}`);
  }
  console.log(
    `${dryRun ? "Xem trước (chưa ghi) / dry run (nothing written)" : "Đã ghi / committed"}: ` +
      `${r.totalRows} dòng/rows · ${r.created.length} mới/new · ${r.updated.length} cập nhật/updated · ` +
      `${r.unchanged} không đổi/unchanged · ${r.rejected.length} từ chối/rejected · ${r.encoding} · ${Date.now() - started} ms`,
  );
  process.exit(r.rejected.length > 0 ? 3 : 0);
}
