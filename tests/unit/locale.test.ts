import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { localeOf, localeOfNodeHeaders } from "#app/i18n/locale.server.ts";

/**
 * One locale rule for Remix (a web Request) and for the express middlewares that answer before
 * Remix (body limits, CSRF), which hold only node's header object.
 */
describe("the reader's locale", () => {
  const cases: [string, { cookie?: string; "accept-language"?: string }, "vi" | "en"][] = [
    ["nothing sent: the configured default", {}, "en"],
    ["Accept-Language alone", { "accept-language": "vi-VN,vi;q=0.9,en;q=0.5" }, "vi"],
    ["the first language we have wins", { "accept-language": "fr-FR, en-GB;q=0.8, vi;q=0.5" }, "en"],
    ["the cookie beats Accept-Language", { cookie: "a=1; hocso_lang=vi; b=2", "accept-language": "en" }, "vi"],
    ["an unknown cookie value is ignored", { cookie: "hocso_lang=de", "accept-language": "vi" }, "vi"],
    ["a malformed cookie value is ignored", { cookie: "hocso_lang=%E0%A4%A", "accept-language": "vi" }, "vi"],
  ];
  for (const [what, headers, expected] of cases) {
    test(what, () => {
      expect(localeOfNodeHeaders(headers, "en")).toBe(expected);
      expect(localeOf(new Request("http://x/", { headers }), "en")).toBe(expected);
    });
  }

  test("node headers and a web Request always agree", () => {
    const header = fc.oneof(fc.constant(undefined), fc.string(), fc.constantFrom("vi", "en", "en-US,vi;q=0.5", "hocso_lang=en", "x=1; hocso_lang=vi"));
    fc.assert(
      fc.property(header, header, fc.constantFrom("vi" as const, "en" as const), (cookie, accept, fallback) => {
        const headers: Record<string, string> = {};
        // A web Request refuses header values node would never have parsed (control characters).
        const clean = (v: string) => v.replace(/[^\x20-\x7e]/g, "").trim();
        if (cookie !== undefined) headers.cookie = clean(cookie);
        if (accept !== undefined) headers["accept-language"] = clean(accept);
        expect(localeOfNodeHeaders(headers, fallback)).toBe(localeOf(new Request("http://x/", { headers }), fallback));
      }),
      { numRuns: 500 },
    );
  });
});
