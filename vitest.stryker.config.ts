import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

/**
 * Vitest for mutation runs (stryker.config.mjs, `npm run mutate`): only the tests that call the
 * rules modules in-process. The HTTP and browser tests run the production build in build/, which
 * a mutant in app/ never reaches, and the media tests need the real worker; so no build step
 * (no global setup) and none of those files. Not used by `npm test`.
 */
/**
 * A run over one module may name its tests (comma-separated) in MUTATE_TESTS: every test runs for
 * each mutant that module-level code or a beforeAll reaches ("static" mutants), so fewer files
 * make such a run several times faster.
 */
const only = process.env.MUTATE_TESTS?.split(",").map((f) => f.trim()).filter(Boolean);

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: only?.length ? only : [
      // quizzes: grading, GIFT, attempts, minimum grade
      "tests/unit/quiz-grading.test.ts",
      "tests/unit/quiz-gift.test.ts",
      "tests/unit/quiz-gift-moodle.test.ts",
      "tests/integration/min-grade.test.ts",
      "tests/integration/quiz-boundaries.test.ts",
      // video credit (app/courses, mutated by hand for now)
      "tests/integration/video-watch.test.ts",
      // auth: sessions, sign-in, throttling, permissions
      "tests/integration/sessions.test.ts",
      "tests/integration/scope-prefix.test.ts",
      // the unit tree
      "tests/integration/units.test.ts",
      "tests/integration/export-search.test.ts",
      // attendance: the pure rule and the report from ledger events
      "tests/media/attendance-merge.test.ts",
      "tests/media/ledger.test.ts",
      "tests/integration/attendance-boundaries.test.ts",
      // reports: roll-up, missing lists, records, snapshots
      "tests/integration/report-completion.test.ts",
      "tests/integration/report-completion-reference.test.ts",
      "tests/integration/report-transfer-instant.test.ts",
      "tests/integration/reports-snapshots.test.ts",
    ],
    // The 100,000-member roll-up takes minutes per run; it guards performance-shaped rules that the
    // hand-built and 1,500-member reference tests also pin down, so mutation runs leave it out.
    testNamePattern: /^(?!.*generated organisation: 100,000 members)/,
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
  },
});
