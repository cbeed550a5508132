/** The benchmarks `bench/run.ts` knows, loaded lazily so one bench does not pay for the others. */
import type { BenchModule } from "./lib.ts";

export const BENCHES: Record<string, () => Promise<BenchModule>> = {
  signin: () => import("./signin.ts"),
  search: () => import("./search.ts"),
  import: () => import("./import.ts"),
  quiz: () => import("./quiz.ts"),
  rollup: () => import("./rollup.ts"),
  "media-fanout": () => import("./media-fanout.ts"),
  "media-join-storm": () => import("./media-join-storm.ts"),
  "media-ingest": () => import("./media-ingest.ts"),
  "media-pipe-cost": () => import("./media-pipe-cost.ts"),
  "media-cascade-10k": () => import("./media-cascade-10k.ts"),
  "attendance-report": () => import("./attendance-report.ts"),
  pages: () => import("./pages.ts"),
  processes: () => import("./processes.ts"),
  "reflection-similarity": () => import("./reflection-similarity.ts"),
};
/** Benches run only when named (too heavy for a plain `bench/run.ts`). */
export const ON_REQUEST = new Set(["media-cascade-10k"]);
