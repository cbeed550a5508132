/**
 * Loads mediasoup with the right worker binary. mediasoup reads MEDIASOUP_WORKER_BIN once, when
 * its module is first evaluated, so the variable is set here and the module imported only after.
 * The binary comes from the configuration, else from scripts/mediasoup-worker.mjs (cached build).
 */
import fs from "node:fs";
import { ensureMediasoupWorker } from "../../scripts/mediasoup-worker.mjs";

export type Mediasoup = typeof import("mediasoup");

let loading: Promise<{ mediasoup: Mediasoup; workerBin: string }> | undefined;

export async function loadMediasoup(workerBin?: string, log: (m: string) => void = () => {}) {
  return (loading ??= (async () => {
    let bin = workerBin;
    if (bin && !fs.existsSync(bin)) throw new Error(`MEDIASOUP_WORKER_BIN=${bin} không tồn tại / does not exist`);
    bin ??= (await ensureMediasoupWorker({ log })) as string;
    process.env.MEDIASOUP_WORKER_BIN = bin;
    const mediasoup = (await import("mediasoup")) as Mediasoup;
    return { mediasoup, workerBin: bin };
  })());
}
