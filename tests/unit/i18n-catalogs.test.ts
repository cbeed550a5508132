import { describe, expect, test } from "vitest";
import { bilingual, isMessageKey, translate } from "#app/i18n/catalog.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { vi } from "#app/i18n/vi.ts";
import { en } from "#app/i18n/en.ts";

const names = (t: unknown): string[] => {
  const texts = typeof t === "string" ? [t] : [(t as { one: string }).one, (t as { other: string }).other];
  const out = new Set<string>(typeof t === "string" ? [] : [(t as { plural: string }).plural]);
  for (const s of texts) for (const m of s.matchAll(/\{(\w+)\}/g)) out.add(m[1]);
  return [...out].sort();
};

describe("typed parameters", () => {
  // These lines are checked by `npm run typecheck` (tsc includes tests/): each directive fails the
  // type check if the call below it stops being an error.
  test("a wrong, missing or extra parameter does not type-check", () => {
    // @ts-expect-error the template names {count}, not {wrong}
    translate("vi", "units.memberCount", { wrong: 1 });
    // @ts-expect-error {count} is required
    translate("vi", "units.memberCount");
    // @ts-expect-error "nav.home" takes no parameters
    translate("vi", "nav.home", { count: 1 });
    // @ts-expect-error no such key
    translate("vi", "nav.nope");
    // @ts-expect-error a domain error's parameters are checked where it is made
    new DomainError("course.error.readLonger", { minutes: 3 }, 409);
    expect(translate("vi", "units.memberCount", { count: 3 })).toBe("3 thành viên");
    expect(new DomainError("course.error.readLonger", { seconds: 3 }, 409).params).toEqual({ seconds: 3 });
  });

  test("Vietnamese and English templates name the same parameters for every key", () => {
    const differ = Object.keys(vi).filter((k) => names(vi[k as keyof typeof vi]).join() !== names(en[k as keyof typeof en]).join());
    expect(differ).toEqual([]);
  });
});

describe("plurals", () => {
  test("English counts take their form from Intl.PluralRules; Vietnamese has one form", () => {
    expect(translate("en", "units.memberCount", { count: 1 })).toBe("1 member");
    expect(translate("en", "units.memberCount", { count: 2 })).toBe("2 members");
    expect(translate("en", "units.memberCount", { count: 0 })).toBe("0 members");
    expect(translate("en", "reports.missing.count", { count: 1, course: "A", day: "d" })).toBe("1 person has not completed “A” (d).");
    expect(translate("en", "reports.missing.count", { count: 4, course: "A", day: "d" })).toBe("4 people have not completed “A” (d).");
    expect(translate("vi", "units.memberCount", { count: 1 })).toBe("1 thành viên");
    expect(bilingual("units.memberCount", { count: 1 })).toBe("1 thành viên / 1 member");
  });

  test("every English plural has distinct forms and is keyed by a parameter of the template", () => {
    const plurals = Object.entries(en).filter(([, v]) => typeof v !== "string") as [string, { plural: string; one: string; other: string }][];
    expect(plurals.length).toBeGreaterThan(10);
    for (const [k, p] of plurals) {
      expect(p.one, k).not.toBe(p.other);
      expect(names(vi[k as keyof typeof vi]), k).toContain(p.plural);
    }
  });
});

test("a message object (a DomainError) is said in either language", () => {
  const e = new DomainError("course.error.readLonger", { seconds: 12 }, 409);
  expect(translate("vi", e)).toContain("12");
  expect(translate("en", e)).toContain("12");
  expect(isMessageKey("nav.home")).toBe(true);
  expect(isMessageKey("toString")).toBe(false);
});
