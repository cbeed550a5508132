import path from "node:path";
import { parseEnv } from "#app/env.server.ts";
import { closeDb, openDb } from "#db/client.server.ts";
import { exportPackage } from "#app/courses/package.server.ts";

/** npm run content:export -- SLUG [--out DIR]: writes DIR/SLUG/ (default: content/courses). */
const argv = process.argv.slice(2);
const slug = argv.find((a) => !a.startsWith("--"));
const outIdx = argv.indexOf("--out");
const out = path.resolve(outIdx >= 0 ? argv[outIdx + 1] : "content/courses");
if (!slug) {
  console.error("Cách dùng / usage: npm run content:export -- SLUG [--out DIR]");
  process.exit(2);
}
const env = parseEnv();
const db = await openDb(env.DATABASE_URL, { migrate: true });
try {
  const files = await exportPackage(db, env.DATA_DIR, slug, out);
  console.log(`✓ ${files.length} tệp / files → ${path.join(out, slug)}`);
} catch (e) {
  console.error(`✗ ${(e as Error).message}`);
  process.exit(1);
} finally {
  await closeDb(db);
}
