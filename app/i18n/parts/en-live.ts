import type { viLive } from "./vi-live.ts";

/** English strings of live study sessions; must have exactly the keys of vi-live.ts. */
export const enLive: Record<keyof typeof viLive, string> = {
  "nav.live": "Live sessions",
};
