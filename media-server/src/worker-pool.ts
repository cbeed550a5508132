/**
 * One mediasoup worker per core (MEDIA_WORKERS). A worker that dies is replaced in the same slot;
 * the routers it held close (mediasoup emits 'workerclose' on each), and their rooms rebuild
 * themselves on a live worker (room.ts).
 *
 * Load is counted in consumer slots reserved by peers (see codecs.ts), per worker process: a
 * replacement starts at zero and the peers that rejoin reserve again.
 */
import { EventEmitter } from "node:events";
import type { types } from "mediasoup";
import type { Mediasoup } from "./mediasoup.ts";
import type { Logger } from "./log.ts";

export type PoolWorker = {
  /** Slot number in the pool (stable across replacements). */
  index: number;
  worker: types.Worker;
  pid: number;
  /** Consumer slots reserved on this worker by all rooms. */
  load: number;
  dead: boolean;
};

export type WorkerPoolOptions = {
  count: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel?: types.WorkerLogLevel;
  log: Logger;
};

type PoolEvents = {
  died: [{ index: number; pid: number; error: Error }];
  replaced: [PoolWorker];
};

export class WorkerPool extends EventEmitter<PoolEvents> {
  private readonly slots: (PoolWorker | undefined)[];
  private readonly spawning = new Map<number, Promise<PoolWorker>>();
  private closed = false;

  private constructor(
    private readonly mediasoup: Mediasoup,
    private readonly opts: WorkerPoolOptions,
  ) {
    super();
    this.slots = new Array(opts.count).fill(undefined);
  }

  static async create(mediasoup: Mediasoup, opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(mediasoup, opts);
    await Promise.all(pool.slots.map((_, i) => pool.spawn(i)));
    return pool;
  }

  /** Starts (or restarts) the worker of slot `index`; concurrent calls share one promise. */
  private spawn(index: number): Promise<PoolWorker> {
    const pending = this.spawning.get(index);
    if (pending) return pending;
    const p = (async () => {
      let attempt = 0;
      for (;;) {
        try {
          const worker = await this.mediasoup.createWorker({
            logLevel: this.opts.logLevel ?? "warn",
            rtcMinPort: this.opts.rtcMinPort,
            rtcMaxPort: this.opts.rtcMaxPort,
            appData: { index },
          });
          const pw: PoolWorker = { index, worker, pid: worker.pid, load: 0, dead: false };
          worker.on("died", (error) => this.onDied(pw, error));
          if (this.closed) {
            worker.close();
            throw new Error("pool closed");
          }
          this.slots[index] = pw;
          this.opts.log.info("worker started", { index, pid: worker.pid });
          return pw;
        } catch (e) {
          if (this.closed) throw e;
          attempt++;
          this.opts.log.error("worker failed to start", { index, attempt, error: e });
          if (attempt >= 5) throw e;
          await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
        }
      }
    })().finally(() => this.spawning.delete(index));
    this.spawning.set(index, p);
    return p;
  }

  private onDied(pw: PoolWorker, error: Error) {
    pw.dead = true;
    if (this.slots[pw.index] === pw) this.slots[pw.index] = undefined;
    this.opts.log.error("worker died; replacing it", { index: pw.index, pid: pw.pid, error });
    this.emit("died", { index: pw.index, pid: pw.pid, error });
    if (this.closed) return;
    this.spawn(pw.index).then(
      (fresh) => this.emit("replaced", fresh),
      (e) => this.opts.log.error("worker could not be replaced", { index: pw.index, error: e }),
    );
  }

  /** Live workers right now. */
  get workers(): PoolWorker[] {
    // worker.closed is already true while mediasoup closes the routers, before 'died' is emitted.
    return this.slots.filter((w): w is PoolWorker => !!w && !w.dead && !w.worker.closed);
  }

  get size() {
    return this.slots.length;
  }

  /** Waits until every slot has a live worker (after a death, its replacement). */
  async ready(): Promise<PoolWorker[]> {
    await Promise.all(this.slots.map((w, i) => (w && !w.dead && !w.worker.closed ? w : this.spawn(i))));
    return this.workers;
  }

  /**
   * The live worker with the lowest load, optionally only among those that can take `slots` more
   * within `budget`, and not in `exclude`. Waits for a replacement if no worker is alive.
   */
  async pick(opts: { slots?: number; budget?: number; exclude?: ReadonlySet<PoolWorker> } = {}): Promise<PoolWorker | undefined> {
    let live = this.workers;
    if (live.length === 0) live = await this.ready();
    const fits = live.filter(
      (w) => !opts.exclude?.has(w) && (opts.budget === undefined || w.load + (opts.slots ?? 0) <= opts.budget),
    );
    fits.sort((a, b) => a.load - b.load || a.index - b.index);
    return fits[0];
  }

  reserve(w: PoolWorker, slots: number) {
    w.load += slots;
  }

  release(w: PoolWorker, slots: number) {
    w.load = Math.max(0, w.load - slots);
  }

  close() {
    this.closed = true;
    for (const w of this.slots) w?.worker.close();
  }
}
