/**
 * What the `npm run` scripts that read a file share: the same refusal of a bad command line (the
 * usage, or the missing file, in Vietnamese and English, exit code 2) and the database they work
 * on (DATABASE_URL, migrated first, as the server opens it).
 */
import fs from "node:fs";
import { parseEnv } from "#app/env.server.ts";
import { openDb } from "#db/client.server.ts";

/** Exit 2 saying how to call the script. */
export function exitWithUsage(usage: string): never {
  console.error(`Cách dùng / usage: ${usage}`);
  process.exit(2);
}

/** The file named on the command line, or exit 2 saying how to call the script / that it is not there. */
export function inputFileOrExit(file: string | undefined, usage: string): string {
  if (!file) exitWithUsage(usage);
  if (!fs.existsSync(file)) {
    console.error(`Không tìm thấy tệp / file not found: ${file}`);
    process.exit(2);
  }
  return file;
}

export const openEnvDb = () => openDb(parseEnv().DATABASE_URL, { migrate: true });
