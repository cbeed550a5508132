/** Vietnamese strings of the certificates pages (merged into vi.ts). */
export const viCertificates = {
  "nav.certificates": "Chứng nhận",
} as const;
