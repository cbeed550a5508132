/**
 * Runs one benchmark in its own process (started by bench/run.ts with --expose-gc) so that memory
 * figures are not polluted by an earlier bench, and reports the result over the IPC channel.
 */
import { BENCHES } from "./benches.ts";

const name = process.argv[2];
const load = BENCHES[name];
if (!load) {
  console.error(`unknown bench "${name}"`);
  process.exit(2);
}
let code = 0;
try {
  const mod = await load();
  const result = await mod.run();
  if (process.send) await new Promise<void>((resolve) => process.send!({ type: "result", result }, undefined, {}, () => resolve()));
  else console.log(result.summary.join("\n"));
} catch (e) {
  console.error(e);
  code = 1;
}
// the bench closed its SQLite handles and sampler; exit without waiting on anything stray
process.exit(code);
