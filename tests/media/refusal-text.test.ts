// Every refusal code the media server may send has words in both catalogs (the server sends codes only).
import { describe, expect, it } from "vitest";
import { translate } from "#app/i18n/catalog.ts";
import { refusalKey } from "#app/live/refusal-text.ts";
import { REFUSALS } from "#live/refusals.ts";

describe("refusal codes in words", () => {
  it("each code reads in Vietnamese and English, and full-for-video differs from full", () => {
    for (const code of REFUSALS) {
      const key = refusalKey(code);
      const vi = translate("vi", key);
      const en = translate("en", key);
      expect(vi, code).not.toBe(key);
      expect(en, code).not.toBe(key);
      expect(vi, code).not.toBe(en);
      expect(vi.normalize("NFC"), code).toBe(vi);
    }
    expect(translate("en", refusalKey("session-full", { audioOnly: true }))).toMatch(/audio only/);
    expect(translate("en", refusalKey("session-full", { audioOnly: false }))).toMatch(/try again/);
  });
});
