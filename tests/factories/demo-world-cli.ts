/**
 * Seeds the demo world into a migrated database (a file: or postgres:// URL), in a process of its own: the seed is one long
 * synchronous run (tens of seconds on a busy machine), which would starve a test worker's event
 * loop. Usage: tsx tests/factories/demo-world-cli.ts <database URL> <data dir> <now ISO> <password hash>
 * Prints the outcome as JSON (with the time it took).
 */
import { closeDb, openDb } from "#db/client.server.ts";
import { seedDemoWorld } from "../../scripts/seed/world.ts";

const [url, dataDir, now, passwordHash] = process.argv.slice(2);
const db = await openDb(url, { migrate: true });
const started = performance.now();
const world = await seedDemoWorld(db, { passwordHash, dataDir, now: new Date(now) });
const ms = Math.round(performance.now() - started);
await closeDb(db);
console.log(JSON.stringify({ ms, pastSession: world.pastSession, accounts: world.accounts, history: { actions: world.history.actions, snapshots: world.history.snapshots } }));
