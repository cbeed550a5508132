import { parseEnv } from "#app/env.server.ts";
import { closeDb, openDb } from "#db/client.server.ts";

const env = parseEnv();
await closeDb(await openDb(env.DATABASE_URL, { migrate: true }));
console.log(`Đã áp dụng migration / migrations applied: ${env.DATABASE_URL}`);
