// Mutation testing of the rules modules (docs/mutation-testing.md). Run by hand, never in CI:
//   npm run mutate                                   # every module below (long: see the doc)
//   npm run mutate -- --mutate app/org/units.server.ts   # one module (several: one comma-separated --mutate)
//   MUTATE_TESTS=tests/integration/units.test.ts,... npm run mutate -- --mutate …   # and only these tests
// Reports go to bench/.tmp/mutation/ (HTML and JSON); incremental results to bench/.tmp/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.stryker.config.ts" },
  // The rules: grading and attempts, roll-ups and reports, sessions and scope, attendance, the tree.
  mutate: [
    "app/quizzes/*.ts",
    "app/reports/*.ts",
    "!app/reports/*.tsx",
    "app/auth/*.ts",
    "live-protocol/attendance.ts",
    "app/live/attendance.server.ts",
    "app/org/units.server.ts",
  ],
  coverageAnalysis: "perTest",
  // Two shared cores: one test process at a time.
  concurrency: 1,
  incremental: true,
  incrementalFile: "bench/.tmp/stryker-incremental.json",
  tempDirName: "bench/.tmp/stryker",
  ignorePatterns: ["build", "data", "tests/.tmp", "bench/.tmp", ".cache"],
  timeoutMS: 20_000,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "bench/.tmp/mutation/mutation.html" },
  jsonReporter: { fileName: "bench/.tmp/mutation/mutation.json" },
  thresholds: { high: 90, low: 80, break: null },
};
