import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { safeRedirect } from "#app/http/safe-redirect.ts";

const base = "https://hocso.example.vn/login";
const origin = new URL(base).origin;

describe("safeRedirect", () => {
  test("keeps same-site paths with their query and hash", () => {
    expect(safeRedirect("/courses/so-hoa?tab=2#bai-3")).toBe("/courses/so-hoa?tab=2#bai-3");
    expect(safeRedirect("/live/5/check-in?code=abc")).toBe("/live/5/check-in?code=abc");
  });

  test.each([
    ["//evil.example"],
    ["https://evil.example/"],
    ["/\\evil.example"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    ["/\r\n/evil.example"],
    ["/\x00/evil.example"],
    ["/\x7f/evil.example"],
    ["/a\\b"],
    ["evil.example"],
    [""],
  ])("refuses %j", (to) => {
    expect(safeRedirect(to)).toBe("/");
  });

  test("the probe's redirectTo=/%09/evil.example, as the form decodes it, stays on the site", () => {
    const decoded = new URLSearchParams("redirectTo=/%09/evil.example").get("redirectTo");
    expect(safeRedirect(decoded)).toBe("/");
  });

  test("whatever it returns resolves to this site (any string, as a browser resolves Location)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("/", "//", "/\\", "/\t/", "\\\\")).chain((a) => fc.tuple(fc.constant(a), fc.string())), ([a, b]) => {
        const out = safeRedirect(a + b);
        expect(new URL(out, base).origin).toBe(origin);
      }),
      { numRuns: 5000 },
    );
  });
});
