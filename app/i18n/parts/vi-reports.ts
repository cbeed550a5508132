/** Vietnamese strings of the reports pages (merged into vi.ts). */
export const viReports = {
  "nav.reports": "Báo cáo",
} as const;
