import path from "node:path";
import { parseEnv } from "#app/env.server.ts";
import { closeDb, openDb } from "#db/client.server.ts";
import { importPackage, loadPackage, packageDirs } from "#app/courses/package.server.ts";

/** npm run content:import -- [PATH]: a package folder, or a folder of packages (default content/). */
const target = path.resolve(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "content");
const env = parseEnv();
const db = await openDb(env.DATABASE_URL, { migrate: true });
const dirs = packageDirs(target);
if (dirs.length === 0) {
  console.error(`Không tìm thấy gói khóa học / no course package under ${target}`);
  process.exit(2);
}
let failed = 0;
for (const [i, dir] of dirs.entries()) {
  const loaded = loadPackage(dir);
  const tag = `[${i + 1}/${dirs.length}] ${path.basename(dir)}`;
  if (!loaded.ok) {
    failed++;
    console.error(`✗ ${tag}: gói không hợp lệ / invalid package`);
    for (const p of loaded.problems) console.error(`    ${path.relative(process.cwd(), p.file)}: ${p.message}`);
    continue;
  }
  const r = await importPackage(db, env.DATA_DIR, loaded.pkg, null);
  const what = r.created ? "mới / new" : r.newVersion ? "cập nhật / updated" : "không đổi / unchanged";
  console.log(`✓ ${tag}: ${what}, phiên bản / version ${r.version}`);
}
await closeDb(db);
process.exit(failed ? 1 : 0);
