/**
 * signin: cost of one successful sign-in (member lookup, throttle check, argon2id verify, session
 * insert) against a bare `verifyPassword` and a SHA-256 of the same password, all interleaved in
 * one process; then 10 sign-ins started at once (argon2 runs on the libuv thread pool).
 */
import { createHash } from "node:crypto";
import os from "node:os";
import { closeDb, openDb, writeTx } from "#db/client.server.ts";
import { eq } from "drizzle-orm";
import { members } from "#db/schema/index.ts";
import { ARGON2_OPTIONS, hashPassword, verifyPassword } from "#app/auth/password.server.ts";
import { signIn, signInRulesFromEnv } from "#app/auth/sign-in.server.ts";
import { createUnit } from "#app/org/units.server.ts";
import { insertMember } from "#app/org/members.server.ts";
import {
  fmtMs,
  fmtRatio,
  heading,
  interleave,
  microSamples,
  removeDbFiles,
  stats,
  table,
  timeAsync,
  tmpDbPath,
  type BenchResult,
} from "./lib.ts";

export const title = "signin — one successful signIn vs bare argon2 verify vs SHA-256";

const PASSWORD = "Mật-khẩu-Bench@2026";
const ROUNDS = 30;
const PARALLEL = 10;
const PARALLEL_BATCHES = 8;

export async function run(): Promise<BenchResult> {
  console.log(heading(title));
  const file = tmpDbPath("signin", "db");
  const db = await openDb(`file:${file}`, { migrate: true });
  try {
    const rules = signInRulesFromEnv({ LOGIN_MAX_FAILURES: 5, LOGIN_LOCK_MINUTES: 15, IP_MAX_FAILURES: 30, IP_SLOW_SECONDS: 5 });
    const now = new Date();
    const unit = await createUnit(db, { code: "BENCH", name: "Chi bộ Bench", parentId: null }, now);
    // PARALLEL members, each with its own hash (own salt), as real accounts have
    const hashes = await Promise.all(Array.from({ length: PARALLEL }, () => hashPassword(PASSWORD)));
    const codes = await writeTx(db, async (tx) => {
      const codes: string[] = [];
      for (const [i, h] of hashes.entries()) {
        const code = `BENCH${String(i + 1).padStart(2, "0")}`;
        const m = await insertMember(tx, { code, fullName: `Nguyễn Văn Bench ${i + 1}`, unitId: unit.id }, null, now, { audit: false });
        await tx.update(members).set({ passwordHash: h }).where(eq(members.id, m.id));
        codes.push(code);
      }
      return codes;
    });
    const stored = hashes[0];
    let k = 0;
    const input = () => ({ identifier: codes[k++ % codes.length], password: PASSWORD, ip: "203.0.113.7", userAgent: "bench" });

    const check = await signIn(db, input(), rules);
    if (!check.ok) throw new Error(`bench setup: sign-in failed (${check.reason})`);

    // --- sequential, interleaved: subject and argon2 baseline alternate every round
    const samples = await interleave(
      [
        {
          name: "signIn",
          fn: async () => {
            const r = await signIn(db, input(), rules);
            if (!r.ok) throw new Error("sign-in failed during bench");
          },
        },
        {
          name: "verifyPassword",
          fn: async () => {
            if (!(await verifyPassword(stored, PASSWORD))) throw new Error("verify failed during bench");
          },
        },
      ],
      { rounds: ROUNDS, warmup: 3, budgetMs: 25_000 },
    );
    const sSign = stats(samples.get("signIn")!);
    const sVerify = stats(samples.get("verifyPassword")!);
    const sha = stats(microSamples(() => createHash("sha256").update(PASSWORD.normalize("NFC")).digest(), { batches: 15, batchMs: 30 }));

    console.log(`  argon2id m=${ARGON2_OPTIONS.memoryCost} KiB, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism}; ${sSign.n} interleaved rounds`);
    console.log(
      table(
        ["operation", "n", "p50", "p95", "min", "max", "signIn ÷ this (p50)"],
        [
          ["signIn (success)", sSign.n, fmtMs(sSign.p50), fmtMs(sSign.p95), fmtMs(sSign.min), fmtMs(sSign.max), "1.00×"],
          ["verifyPassword (argon2id)", sVerify.n, fmtMs(sVerify.p50), fmtMs(sVerify.p95), fmtMs(sVerify.min), fmtMs(sVerify.max), fmtRatio(sSign.p50, sVerify.p50)],
          ["SHA-256(password)", `${sha.n}×batch`, fmtMs(sha.p50), fmtMs(sha.p95), fmtMs(sha.min), fmtMs(sha.max), fmtRatio(sSign.p50, sha.p50)],
        ],
      ),
    );
    const argonShare = sVerify.p50 / sSign.p50;
    const rest = sSign.p50 - sVerify.p50;
    console.log(
      `  signIn / verify = ${fmtRatio(sSign.p50, sVerify.p50)} → argon2 is ${(argonShare * 100).toFixed(0)}% of a sign-in; ` +
        `the rest (lookup, throttle, session insert) ≈ ${fmtMs(Math.max(0, rest))}.` +
        ` argon2 verify / SHA-256 = ${fmtRatio(sVerify.p50, sha.p50)}.`,
    );

    // --- concurrency: PARALLEL sign-ins started together, vs PARALLEL bare verifies together
    const batchSign: number[] = [];
    const batchVerify: number[] = [];
    for (let b = 0; b < PARALLEL_BATCHES; b++) {
      const order = b % 2 === 0 ? ["sign", "verify"] : ["verify", "sign"];
      for (const o of order) {
        if (o === "sign") {
          const t = await timeAsync(() => Promise.all(Array.from({ length: PARALLEL }, () => signIn(db, input(), rules))));
          if (!t.value.every((r) => r.ok)) throw new Error("parallel sign-in failed");
          batchSign.push(t.ms);
        } else {
          const t = await timeAsync(() => Promise.all(Array.from({ length: PARALLEL }, () => verifyPassword(stored, PASSWORD))));
          batchVerify.push(t.ms);
        }
      }
    }
    const pSign = stats(batchSign);
    const pVerify = stats(batchVerify);
    const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const cores = os.availableParallelism();
    const serial = PARALLEL * sSign.p50;
    console.log(
      `\n  ${PARALLEL} at once (Promise.all), ${PARALLEL_BATCHES} batches; libuv pool ${pool} threads${process.env.UV_THREADPOOL_SIZE ? "" : " (default)"}, ${cores} CPUs`,
    );
    console.log(
      table(
        ["batch of 10", "n", "p50 total", "max total", "per sign-in", "vs 10× sequential", "effective parallelism"],
        [
          [`${PARALLEL}× signIn`, pSign.n, fmtMs(pSign.p50), fmtMs(pSign.max), fmtMs(pSign.p50 / PARALLEL), fmtRatio(pSign.p50, serial), `${(serial / pSign.p50).toFixed(2)}`],
          [`${PARALLEL}× verifyPassword`, pVerify.n, fmtMs(pVerify.p50), fmtMs(pVerify.max), fmtMs(pVerify.p50 / PARALLEL), fmtRatio(pVerify.p50, PARALLEL * sVerify.p50), `${((PARALLEL * sVerify.p50) / pVerify.p50).toFixed(2)}`],
        ],
      ),
    );
    console.log(
      `  the last of ${PARALLEL} simultaneous sign-ins waits ≈ ${fmtMs(pSign.p50)}; ` +
        `throughput ≈ ${((PARALLEL / pSign.p50) * 1000).toFixed(0)} sign-ins/s on this machine.`,
    );

    return {
      name: "signin",
      summary: [
        `signin: signIn p50 ${fmtMs(sSign.p50)} / p95 ${fmtMs(sSign.p95)} (n=${sSign.n}); bare argon2id verify p50 ${fmtMs(sVerify.p50)} (signIn/verify ${fmtRatio(sSign.p50, sVerify.p50)}, argon2 ≈ ${(argonShare * 100).toFixed(0)}% of a sign-in); SHA-256 ${fmtMs(sha.p50)} (verify/SHA ${fmtRatio(sVerify.p50, sha.p50)})`,
        `signin: ${PARALLEL} in parallel ${fmtMs(pSign.p50)} total p50 (${fmtRatio(pSign.p50, serial)} of 10× sequential, effective parallelism ${(serial / pSign.p50).toFixed(2)} with ${pool} pool threads / ${cores} CPUs; ≈ ${((PARALLEL / pSign.p50) * 1000).toFixed(0)} sign-ins/s)`,
      ],
    };
  } finally {
    await closeDb(db);
    removeDbFiles(file);
  }
}

