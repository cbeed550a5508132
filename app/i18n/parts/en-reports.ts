import type { viReports } from "./vi-reports.ts";

/** English strings of the reports pages; exactly the keys of vi-reports.ts. */
export const enReports: Record<keyof typeof viReports, string> = {
  "nav.reports": "Reports",
};
