import type { viCertificates } from "./vi-certificates.ts";

/** English strings of the certificates pages; exactly the keys of vi-certificates.ts. */
export const enCertificates: Record<keyof typeof viCertificates, string> = {
  "nav.certificates": "Certificates",
};
