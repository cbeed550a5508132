import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { client, startTestServer } from "#tests/factories/http.ts";
import { vi } from "#app/i18n/vi.ts";
import { en } from "#app/i18n/en.ts";

/**
 * Only the active locale's catalog reaches the browser: no client bundle holds either catalog,
 * and a page's HTML (its loader data) holds its own language's messages and not the other's.
 */
let db: ReturnType<typeof testDb>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  db = testDb();
  srv = await startTestServer(db);
});
afterAll(async () => {
  await srv?.close();
  dropDb(db);
});

const texts = (c: Record<string, unknown>) => Object.values(c).flatMap((v) => (typeof v === "string" ? [v] : [(v as { one: string }).one, (v as { other: string }).other]));
/** Long messages found in one catalog only: a page that holds one of them holds that catalog's text. */
// (Without characters the page's script escapes in its own ways: quotes, <, >, &, backslashes.)
const plain = (s: string) => s.length > 40 && !/["<>&\\]/.test(s);
const viOnly = texts(vi).filter((s) => plain(s) && !texts(en).includes(s));
const enOnly = texts(en).filter((s) => plain(s) && !texts(vi).includes(s));

test("no client bundle carries a catalog", () => {
  expect(viOnly.length).toBeGreaterThan(100);
  expect(enOnly.length).toBeGreaterThan(100);
  const dir = path.resolve(import.meta.dirname, "../../build/client/assets");
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".js"))) {
    const js = fs.readFileSync(path.join(dir, f), "utf8");
    expect(enOnly.filter((s) => js.includes(s)), f).toEqual([]);
    expect(viOnly.filter((s) => js.includes(s)), f).toEqual([]);
  }
});

test("a Vietnamese page ships the Vietnamese messages only, an English page the English ones only", async () => {
  for (const [lang, own, other] of [
    ["vi", viOnly, enOnly],
    ["en", enOnly, viOnly],
  ] as const) {
    const res = await client(srv.origin).request("/login", { headers: { "accept-language": lang } });
    expect(res.status).toBe(200);
    const html = (await res.text()).replaceAll("\u0000", "");
    const has = (s: string) => html.includes(s);
    // The whole active catalog is there (messages the login page itself does not show, too)...
    expect(own.filter((s) => !has(s)), lang).toEqual([]);
    // ...and nothing of the other one.
    expect(other.filter(has), lang).toEqual([]);
  }
});
