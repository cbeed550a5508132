import { parseEnv } from "#app/env.server.ts";
import { openDb } from "#db/client.server.ts";

const env = parseEnv();
openDb(env.DATABASE_URL, { migrate: true }).$client.close();
console.log(`Đã áp dụng migration / migrations applied: ${env.DATABASE_URL}`);
