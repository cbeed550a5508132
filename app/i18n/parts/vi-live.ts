/** Vietnamese strings of live study sessions (merged into vi.ts). */
export const viLive = {
  "nav.live": "Sinh hoạt trực tuyến",
} as const;
