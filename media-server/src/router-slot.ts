import type { types } from "mediasoup";
import type { PoolWorker } from "./worker-pool.ts";

/** One router of a room on one worker (room.ts creates them; a peer remembers where it is placed). */
export type RouterSlot = {
  router: types.Router;
  worker: PoolWorker;
  main: boolean;
  /** Producers piped into this (extra) router, de-duplicated by storing the promise. */
  piped: Map<string, Promise<void>>;
  lost: boolean;
};
