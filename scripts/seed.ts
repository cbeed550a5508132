import { parseEnv } from "#app/env.server.ts";
import { closeDb } from "#db/client.server.ts";
import { prepareDb, printDemoAccounts } from "./prepare-db.ts";

const { db, seeded } = await prepareDb({ ...parseEnv(), SEED_DEMO: true });
if (seeded) printDemoAccounts(seeded);
else console.log("Cơ sở dữ liệu đã có dữ liệu; không tạo lại / The database already has data; nothing seeded.");
await closeDb(db);
