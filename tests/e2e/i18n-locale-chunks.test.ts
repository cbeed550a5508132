import { expect, test } from "vitest";

import { useAppServer } from "#tests/harness/app-suite.ts";
import { vi } from "#app/i18n/vi.ts";
import { en } from "#app/i18n/en.ts";

/**
 * What Chromium really downloads: a Vietnamese page fetches the Vietnamese catalog and never the
 * English one (and the other way round), hydrates without a mismatch, and the language switch
 * loads a new document with the other catalog.
 */

const texts = (c: Record<string, unknown>) => Object.values(c).flatMap((v) => (typeof v === "string" ? [v] : [(v as { one: string }).one, (v as { other: string }).other]));
const plain = (s: string) => s.length > 40 && !/["<>&\\]/.test(s);
const viOnly = texts(vi).filter((s) => plain(s) && !texts(en).includes(s));
const enOnly = texts(en).filter((s) => plain(s) && !texts(vi).includes(s));

async function visit(locale: string) {
  const context = await srv.browser.newContext({ locale });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const bodies: Promise<string>[] = [];
  const errors: string[] = [];
  page.on("response", (r) => bodies.push(r.text().catch(() => "")));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${srv.origin}/login`);
  // Hydrated: Remix's router is up.
  await page.waitForFunction(() => (window as unknown as { __remixRouter?: { state: { initialized: boolean } } }).__remixRouter?.state.initialized === true);
  return { context, page, errors, downloaded: async () => (await Promise.all(bodies)).join("\n") };
}

const srv = useAppServer({ browser: true });

test("a Vietnamese page downloads the Vietnamese catalog only; an English page the English one only", async () => {
  for (const [locale, own, other] of [
    ["vi-VN", viOnly, enOnly],
    ["en-GB", enOnly, viOnly],
  ] as const) {
    const v = await visit(locale);
    const all = await v.downloaded();
    expect(other.filter((s) => all.includes(s)), locale).toEqual([]);
    expect(own.filter((s) => !all.includes(s)), locale).toEqual([]);
    expect(v.errors, locale).toEqual([]);
    await v.context.close();
  }
});

test("the language switch loads a new document with the other catalog", async () => {
  const v = await visit("vi-VN");
  await v.page.getByRole("button", { name: "English" }).click();
  await v.page.waitForFunction(() => document.documentElement.lang === "en");
  await v.page.waitForFunction(() => (window as unknown as { __remixRouter?: { state: { initialized: boolean } } }).__remixRouter?.state.initialized === true);
  await expect.poll(() => v.page.getByRole("button", { name: "Tiếng Việt" }).count()).toBe(1);
  expect(await v.page.getByRole("button", { name: "Sign in" }).count()).toBe(1);
  expect(v.errors).toEqual([]);
  await v.context.close();
});
