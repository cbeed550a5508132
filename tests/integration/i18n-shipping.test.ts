import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { vi } from "#app/i18n/vi.ts";
import { en } from "#app/i18n/en.ts";

/**
 * Only the active locale's catalog reaches the browser: each catalog is a client chunk of its own
 * (entry.client.tsx loads the page's one before hydrating), and no page's HTML carries a catalog.
 * tests/e2e/i18n-locale-chunks.test.ts checks what a real browser downloads.
 */

const texts = (c: Record<string, unknown>) => Object.values(c).flatMap((v) => (typeof v === "string" ? [v] : [(v as { one: string }).one, (v as { other: string }).other]));
/** Long messages found in one catalog only (without characters a bundler or a page escapes). */
const plain = (s: string) => s.length > 40 && !/["<>&\\]/.test(s);
const viOnly = texts(vi).filter((s) => plain(s) && !texts(en).includes(s));
const enOnly = texts(en).filter((s) => plain(s) && !texts(vi).includes(s));

const srv = useAppServer();

test("each catalog is one client chunk of its own, and no other client file holds any of it", () => {
  expect(viOnly.length).toBeGreaterThan(100);
  expect(enOnly.length).toBeGreaterThan(100);
  const dir = path.resolve(import.meta.dirname, "../../build/client/assets");
  const holding = (list: string[]) =>
    fs
      .readdirSync(dir)
      .filter((n) => n.endsWith(".js"))
      .filter((f) => {
        const js = fs.readFileSync(path.join(dir, f), "utf8");
        return list.some((s) => js.includes(s));
      });
  const viFiles = holding(viOnly);
  const enFiles = holding(enOnly);
  expect(viFiles).toEqual([expect.stringMatching(/^vi-[\w-]+\.js$/)]);
  expect(enFiles).toEqual([expect.stringMatching(/^en-[\w-]+\.js$/)]);
  // The whole catalog is in its chunk.
  const viChunk = fs.readFileSync(path.join(dir, viFiles[0]), "utf8");
  expect(viOnly.filter((s) => !viChunk.includes(s))).toEqual([]);
});

test("a page's HTML carries no catalog: only what it shows, in its own language", async () => {
  for (const [lang, own, other] of [
    ["vi", viOnly, enOnly],
    ["en", enOnly, viOnly],
  ] as const) {
    const res = await client(srv.origin).request("/login", { headers: { "accept-language": lang } });
    expect(res.status).toBe(200);
    const html = (await res.text()).replaceAll("\u0000", "");
    expect(html).toContain(`<html lang="${lang}"`);
    expect(other.filter((s) => html.includes(s)), lang).toEqual([]);
    expect(own.filter((s) => html.includes(s)).length, lang).toBeLessThan(5);
  }
});
