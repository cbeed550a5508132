import { expect, test } from "vitest";
import { dateFormatter } from "#app/i18n/format.ts";

test("dateFormatter keeps one formatter per locale and options, and different options still format differently", () => {
  const d = new Date("2026-03-02T01:00:00Z");
  expect(dateFormatter("vi")).toBe(dateFormatter("vi"));
  expect(dateFormatter("vi", { dateStyle: "short" })).toBe(dateFormatter("vi", { dateStyle: "short" }));
  expect(dateFormatter("vi")).not.toBe(dateFormatter("en"));
  expect(dateFormatter("vi", { dateStyle: "short" }).format(d)).not.toBe(dateFormatter("vi", { dateStyle: "full" }).format(d));
  expect(dateFormatter("en", { dateStyle: "short" }).format(d)).toBe("02/03/2026");
});
