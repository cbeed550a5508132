import { first } from "#db/first.ts";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import iconv from "iconv-lite";
import { and, eq } from "drizzle-orm";
import { dropDb, testDb } from "#tests/factories/db.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { importGiftFile } from "#app/quizzes/bank.server.ts";
import { decodeGiftBytes } from "#app/quizzes/gift-file.server.ts";
import { parseGift } from "#app/quizzes/gift.ts";
import { courseItems } from "#db/schema/index.ts";

/**
 * GIFT files as Windows tools save them (issue 10): UTF-16 from Notepad's "Unicode", Windows-1258
 * from older editors. They are decoded like the CSV importer decodes (same detection module), or
 * refused with a bilingual message; a U+FFFD never reaches the stored bank.
 */
const root = path.resolve(import.meta.dirname, "../..");
const GIFT = "::thu-do::Thủ đô của Việt Nam là thành phố nào?{=Hà Nội ~Huế ~Đà Nẵng}\n\n::dung-sai::Phở là món ăn của người Việt.{T#Sai rồi.#Đúng.}\n";

/** Windows-1258 writes most tones as combining marks after the base letter (what Word emits). */
function cp1258(s: string): Uint8Array {
  const TONES = /[\u0300\u0301\u0303\u0309\u0323]/g;
  let form = "";
  for (const ch of s.normalize("NFC")) {
    const nfd = ch.normalize("NFD");
    form += nfd.replace(TONES, "").normalize("NFC") + (nfd.match(TONES)?.join("") ?? "");
  }
  const bytes = iconv.encode(form, "windows1258");
  // Guard the fixture: an unencodable letter would come out as an extra '?'.
  if (bytes.filter((b) => b === 0x3f).length !== [...s].filter((c) => c === "?").length) throw new Error("not encodable in cp1258");
  return new Uint8Array(bytes);
}

const utf16le = (s: string, bom: boolean) => new Uint8Array([...(bom ? [0xff, 0xfe] : []), ...Buffer.from(s, "utf16le")]);
const utf16be = (s: string) => {
  const le = Buffer.from(s, "utf16le");
  const be = new Uint8Array([0xfe, 0xff, ...le]);
  for (let i = 2; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
  return be;
};

describe("decodeGiftBytes", () => {
  const expected = parseGift(GIFT).questions;

  it("the reference bank parses into two Vietnamese questions", () => {
    expect(expected.map((q) => q.text)).toEqual(["Thủ đô của Việt Nam là thành phố nào?", "Phở là món ăn của người Việt."]);
  });

  const encodings: [string, Uint8Array][] = [
    ["UTF-8", new Uint8Array(Buffer.from(GIFT, "utf8"))],
    ["UTF-8 with BOM", new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(GIFT, "utf8")])],
    ["UTF-16LE with BOM (Notepad's Unicode)", utf16le(GIFT, true)],
    ["UTF-16LE without BOM", utf16le(GIFT, false)],
    ["UTF-16BE with BOM", utf16be(GIFT)],
    ["Windows-1258", cp1258(GIFT)],
    ["UTF-8 in NFD (macOS)", new Uint8Array(Buffer.from(GIFT.normalize("NFD"), "utf8"))],
  ];
  for (const [name, bytes] of encodings) {
    it(`${name} gives the same questions, with no replacement character`, () => {
      const r = decodeGiftBytes(bytes);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.text).not.toMatch(/[\uFFFD\uFEFF]/);
      expect(parseGift(r.text).questions).toStrictEqual(expected);
    });
  }

  it("a Western European (Windows-1252) file is refused with a message, not guessed", () => {
    const r = decodeGiftBytes(new Uint8Array(iconv.encode("::q::Où est le café ?{=Paris ~Lyon}\n", "windows1252")));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toMatchObject({ line: 1, code: "encoding" });
    expect(r.problem.message.vi).toContain("UTF-8");
    expect(r.problem.message.en).toContain("UTF-8");
  });

  it("a binary file (a .docx is a ZIP) is refused as not text", () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...Array.from({ length: 400 }, (_, i) => (i * 37) % 256)]);
    const r = decodeGiftBytes(zip);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.message.en).toMatch(/not a GIFT text file/);
  });

  it("a U+FFFD already in the file (an earlier bad conversion) is refused with its line", () => {
    const r = decodeGiftBytes(new Uint8Array(Buffer.from("::a::Câu một{T}\n\n::b::Th\uFFFD đô{T}\n", "utf8")));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatchObject({ line: 3, code: "encoding" });
  });
});

describe("importGiftFile (upload route and quiz:import) on a real database", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  let courseId: number;
  const source = async () => (await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, "kiem-tra")))))!.source;

  beforeAll(async () => {
    db = await testDb();
    courseId = (await createCourse(db, { slug: "khoa-bang-ma", title: "Khóa bảng mã" })).id;
    await addItem(db, courseId, "chuong-1", "quiz", "Kiểm tra");
  });
  afterAll(() => dropDb(db));

  it("stores a UTF-16 bank as proper Vietnamese text", async () => {
    const r = await importGiftFile(db, courseId, "kiem-tra", utf16le(GIFT, true));
    expect(r).toMatchObject({ itemKey: "kiem-tra", questions: 2, problems: [] });
    expect(await source()).toBe(GIFT);
  });

  it("stores a Windows-1258 bank as NFC Vietnamese text", async () => {
    const r = await importGiftFile(db, courseId, "kiem-tra", cp1258(GIFT.replace("Huế", "Hải Phòng")));
    expect(r.questions).toBe(2);
    expect(await source()).toBe(GIFT.replace("Huế", "Hải Phòng"));
  });

  it("refuses an undecodable file and keeps the bank as it was", async () => {
    const before = await source();
    const r = await importGiftFile(db, courseId, "kiem-tra", new Uint8Array(iconv.encode("::q::Où est le café ?{=Paris ~Lyon}\n", "windows1252")));
    expect(r).toMatchObject({ itemKey: "", questions: 0, problems: [{ line: 1, code: "encoding" }] });
    expect(await source()).toBe(before);
  });

  it("npm run quiz:import reads the file's bytes: a UTF-16 bank is imported without U+FFFD", async () => {
    const file = path.join(root, "tests/.tmp", `bank-${process.pid}-utf16.gift`);
    fs.writeFileSync(file, utf16le(GIFT.replace("Hà Nội", "Hà Nội (Thăng Long)"), true));
    try {
      const r = spawnSync("npx", ["tsx", "scripts/quiz-import.ts", file, "--course", "khoa-bang-ma", "--item", "kiem-tra", "--no-publish"], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: db.url },
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(await source()).toBe(GIFT.replace("Hà Nội", "Hà Nội (Thăng Long)"));
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
