import { first } from "#db/first.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { expect, test } from "vitest";
import { asc, count, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { courseItems, courseVersions, uploads } from "#db/schema/index.ts";
import { makeSession } from "#tests/factories/live.ts";
import { exportPackage, importPackage, loadPackage, packageDirs, type PackageProblem } from "#app/courses/package.server.ts";
import { getCourseBySlug, publishCourse } from "#app/courses/courses.server.ts";
import { addItem, createCourse, saveLessonDraft } from "#app/courses/authoring.server.ts";
import { readUpload, saveUpload, sniffType } from "#app/uploads/store.server.ts";
import { domainError } from "#tests/harness/domain-error.ts";

/**
 * Course packages on disk: what loadPackage refuses (and says why), the export → import → export
 * round trip of every shipped course, and the uploads store (types from bytes, served safely).
 */

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SHIPPED = path.join(ROOT, "content", "courses");

function tmpDir(prefix: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hoc-so-${prefix}-`));
}

async function withTmp<T>(prefix: string, run: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = tmpDir(prefix);
  try {
    return await run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const LESSON = "# Bài một\n\nNội dung.\n\n## Tóm tắt\n\nÝ chính.\n";

/** A valid minimal package; `patch` edits course.json, `files` adds/overrides files (null deletes). */
function writePackage(root: string, folder: string, patch: (meta: Record<string, any>) => void = () => {}, files: Record<string, string | null> = {}) {
  const dir = path.join(root, folder);
  fs.mkdirSync(path.join(dir, "lessons"), { recursive: true });
  const meta: Record<string, any> = {
    slug: folder,
    title: "Khóa thử",
    titleEn: "Test",
    summary: "Tóm tắt.",
    estimatedMinutes: 10,
    modules: [
      {
        key: "chuong-mot",
        title: "Chương một",
        items: [
          { key: "bai-mot", type: "lesson", title: "Bài một", file: "lessons/01-bai-mot.md", estimatedMinutes: 5 },
          { key: "kiem-tra", type: "quiz", title: "Kiểm tra", file: "quiz.gift", estimatedMinutes: 5 },
        ],
      },
    ],
  };
  patch(meta);
  const all: Record<string, string | null> = { "lessons/01-bai-mot.md": LESSON, "quiz.gift": "::Q::Câu?{=a ~b}\n", "course.json": `${JSON.stringify(meta, null, 2)}\n`, ...files };
  for (const [rel, content] of Object.entries(all)) {
    const full = path.join(dir, rel);
    if (content === null) fs.rmSync(full, { force: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
  }
  return dir;
}

function refused(dir: string): PackageProblem[] {
  const r = loadPackage(dir);
  if (r.ok) throw new Error(`package at ${dir} was accepted`);
  expect(r.problems.length).toBeGreaterThan(0);
  return r.problems;
}

const messages = (ps: PackageProblem[]) => ps.map((p) => p.message).join("\n");

test("the minimal package used below is accepted (so each refusal is about its one defect)", async () => {
  await withTmp("pkg-ok", (root) => {
    const r = loadPackage(writePackage(root, "khoa-hop-le"));
    expect(r.ok ? [] : r.problems).toEqual([]);
    if (r.ok) {
      expect(r.pkg.modules[0].items.map((i) => [i.key, i.type, i.body?.type ?? null, i.source])).toEqual([
        ["bai-mot", "lesson", "doc", null],
        ["kiem-tra", "quiz", null, "::Q::Câu?{=a ~b}\n"],
      ]);
    }
  });
});

test("invalid JSON in course.json is refused, naming the file", async () => {
  await withTmp("pkg-json", (root) => {
    const dir = writePackage(root, "khoa-json", () => {}, { "course.json": '{ "slug": "khoa-json", "title": "x", ' });
    const ps = refused(dir);
    expect(ps).toHaveLength(1);
    expect(ps[0].file).toBe(path.join(dir, "course.json"));
    expect(ps[0].message).toMatch(/^course\.json: .*JSON/);
    // No course.json at all.
    const empty = path.join(root, "khoa-trong");
    fs.mkdirSync(empty);
    expect(refused(empty)[0].file).toBe(path.join(empty, "course.json"));
  });
});

test("a missing lesson, quiz or cover file is refused, each named", async () => {
  await withTmp("pkg-missing", (root) => {
    const dir = writePackage(root, "khoa-thieu", (m) => (m.cover = "cover.svg"), { "lessons/01-bai-mot.md": null, "quiz.gift": null });
    const ps = refused(dir);
    expect(ps.map((p) => path.relative(dir, p.file)).sort()).toEqual(["cover.svg", "lessons/01-bai-mot.md", "quiz.gift"]);
    for (const p of ps) expect(p.message).toMatch(/missing file/);
  });
});

test("duplicate keys (between items, and between a module and an item) are refused", async () => {
  await withTmp("pkg-dup", (root) => {
    const items = (m: Record<string, any>) => m.modules[0].items;
    const dir1 = writePackage(root, "khoa-trung-muc", (m) => {
      m.modules.push({ key: "chuong-hai", title: "Chương hai", items: [{ key: "bai-mot", type: "lesson", title: "Trùng", file: "lessons/01-bai-mot.md" }] });
    });
    expect(messages(refused(dir1))).toContain('duplicate key "bai-mot"');
    const dir2 = writePackage(root, "khoa-trung-chuong", (m) => {
      items(m)[1].key = "chuong-mot";
    });
    expect(messages(refused(dir2))).toContain('duplicate key "chuong-mot"');
  });
});

test("a slug or key that is not kebab-case ASCII is refused", async () => {
  await withTmp("pkg-slug", (root) => {
    for (const slug of ["Khoa-Hoc", "khoa hoc", "khoa_hoc", "khóa-học", "-khoa", "khoa-", "khoa--hoc", "../khoa"]) {
      const folder = `f${crypto.randomUUID().slice(0, 8)}`;
      const ps = refused(writePackage(root, folder, (m) => (m.slug = slug)));
      expect(messages(ps), slug).toMatch(/slug: kebab-case ASCII/);
    }
    const ps = refused(writePackage(root, "khoa-key", (m) => (m.modules[0].items[0].key = "Bài 1")));
    expect(messages(ps)).toMatch(/modules\.0\.items\.0\.key: kebab-case ASCII/);
  });
});

test("a file path that leaves the package is refused before anything is read", async () => {
  await withTmp("pkg-traversal", (root) => {
    // A file the traversal would reach if it were followed.
    fs.writeFileSync(path.join(root, "secret.md"), "# Bí mật ngoài gói\n");
    for (const file of ["../../etc/passwd", "../secret.md", "lessons/../../secret.md", "/etc/passwd", "..\\secret.md", "lessons\\..\\..\\secret.md"]) {
      const folder = `f${crypto.randomUUID().slice(0, 8)}`;
      const dir = writePackage(root, folder, (m) => {
        m.slug = folder;
        m.modules[0].items[0].file = file;
      });
      const ps = refused(dir);
      expect(messages(ps), file).toContain("must stay inside the package");
      expect(messages(ps), file).not.toContain("Bí mật");
    }
    const cover = refused(writePackage(root, "khoa-bia", (m) => (m.cover = "../secret.md")));
    expect(messages(cover)).toContain("cover: must stay inside the package");
  });
});

test("a slug that differs from the folder name is refused", async () => {
  await withTmp("pkg-folder", (root) => {
    const dir = writePackage(root, "thu-muc-khac", (m) => (m.slug = "khoa-that"));
    expect(messages(refused(dir))).toContain('slug "khoa-that" differs from the folder name "thu-muc-khac"');
  });
});

test("a tiptap-JSON lesson with a javascript: link (or an unknown node) is refused with the validator's message", async () => {
  await withTmp("pkg-json-lesson", (root) => {
    const bad = {
      type: "doc",
      content: [{ type: "paragraph", content: [{ type: "text", text: "bấm", marks: [{ type: "link", attrs: { href: "javascript:alert(1)" } }] }] }],
    };
    const dir = writePackage(root, "khoa-json-lesson", (m) => (m.modules[0].items[0].file = "lessons/01-bai-mot.json"), { "lessons/01-bai-mot.json": JSON.stringify(bad) });
    const ps = refused(dir);
    expect(ps).toEqual([{ file: path.join(dir, "lessons/01-bai-mot.json"), message: 'Link "javascript:alert(1)" is not allowed (only http, https, mailto, tel).' }]);
    const dir2 = writePackage(root, "khoa-json-iframe", (m) => (m.modules[0].items[0].file = "lessons/x.json"), {
      "lessons/x.json": JSON.stringify({ type: "doc", content: [{ type: "iframe", attrs: { src: "https://evil.example" } }] }),
    });
    expect(messages(refused(dir2))).toMatch(/^The lesson content is not valid: .*iframe/);
    const dir3 = writePackage(root, "khoa-json-hong", (m) => (m.modules[0].items[0].file = "lessons/x.json"), { "lessons/x.json": "{ not json" });
    expect(refused(dir3)[0].file).toBe(path.join(dir3, "lessons/x.json"));
  });
});

test("a Markdown lesson with a data: link is refused with the validator's message", async () => {
  await withTmp("pkg-md-data", (root) => {
    const md = `${LESSON}\nXem [ảnh](data:image/png;base64,iVBORw0KGgo=).\n`;
    const dir = writePackage(root, "khoa-md-data", () => {}, { "lessons/01-bai-mot.md": md });
    expect(refused(dir)).toEqual([{ file: path.join(dir, "lessons/01-bai-mot.md"), message: 'Link "data:image/png;base64,iVBORw0KGgo=" is not allowed (only http, https, mailto, tel).' }]);
  });
});

test("a Markdown lesson with a javascript: link is refused, not silently turned into text", async () => {
  await withTmp("pkg-md-js", (root) => {
    for (const href of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)"]) {
      const folder = `f${crypto.randomUUID().slice(0, 8)}`;
      const dir = writePackage(root, folder, () => {}, { "lessons/01-bai-mot.md": `${LESSON}\nBấm [vào đây](${href}) để nhận quà.\n` });
      const r = loadPackage(dir);
      expect(r.ok ? [] : r.problems.map((p) => p.message), href).toEqual([`Link "${href}" is not allowed (only http, https, mailto, tel).`]);
    }
  });
});

// ---- export → import → export -------------------------------------------------------------------

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const shippedSlugs = packageDirs(SHIPPED).map((d) => path.basename(d));

test("a live item's acceptance of make-up study travels in the package both ways; other items cannot carry it", async () => {
  await withTmp("pkg-makeup", async (root) => {
    const db = await testDb();
    try {
      const t = await makeTree(db);
      const session = await makeSession(db, { inviteUnits: [t.a] });
      const live = { key: "hoc-truc-tuyen", type: "live", title: "Học trực tuyến", liveSession: session.id, acceptMakeUp: true, estimatedMinutes: 60 };
      const loaded = loadPackage(writePackage(root, "khoa-hoc-bu", (m) => m.modules[0].items.push(live)));
      expect(loaded.ok ? [] : loaded.problems).toEqual([]);
      if (!loaded.ok) return;
      await importPackage(db, path.join(root, "data"), loaded.pkg, null);
      const item = await first(db.select().from(courseItems).where(eq(courseItems.key, "hoc-truc-tuyen")));
      expect(item?.acceptMakeUp).toBe(true);

      await exportPackage(db, path.join(root, "data"), "khoa-hoc-bu", path.join(root, "out"));
      const exported = JSON.parse(fs.readFileSync(path.join(root, "out", "khoa-hoc-bu", "course.json"), "utf8"));
      const items = exported.modules[0].items as { key: string; acceptMakeUp?: boolean }[];
      expect(items.find((i) => i.key === "hoc-truc-tuyen")?.acceptMakeUp).toBe(true);
      expect(items.filter((i) => i.key !== "hoc-truc-tuyen").every((i) => i.acceptMakeUp === undefined)).toBe(true);

      const wrong = refused(writePackage(root, "khoa-sai", (m) => (m.modules[0].items[0].acceptMakeUp = true)));
      expect(messages(wrong)).toMatch(/only "live" items accept make-up/);
    } finally {
      await dropDb(db);
    }
  });
});

test("four shipped packages are found", () => {
  expect(shippedSlugs.sort()).toEqual(["an-toan-thong-tin", "chuyen-doi-so-trong-co-quan", "dich-vu-cong-truc-tuyen", "ky-nang-so-co-ban"]);
});

for (const slug of shippedSlugs) {
  test(`round trip of "${slug}": export → import into an empty database → export gives byte-identical files`, async () => {
    await withTmp("roundtrip", async (tmp) => {
      const db1 = await testDb();
      const db2 = await testDb();
      try {
        const loaded = loadPackage(path.join(SHIPPED, slug));
        expect(loaded.ok ? [] : loaded.problems).toEqual([]);
        if (!loaded.ok) return;
        await importPackage(db1, path.join(tmp, "data1"), loaded.pkg, null);
        const out1 = path.join(tmp, "out1");
        const written1 = await exportPackage(db1, path.join(tmp, "data1"), slug, out1);
        const dir1 = path.join(out1, slug);
        expect([...written1].sort()).toEqual(listFiles(dir1));
        // Every lesson, the quiz bank and the cover made it out.
        const itemCount = loaded.pkg.modules.flatMap((m) => m.items).length;
        expect(listFiles(dir1).filter((f) => f !== "course.json" && !f.startsWith("cover.")).length).toBe(itemCount);
        expect(listFiles(dir1)).toContain("cover.svg");

        // Into an EMPTY database with an empty data directory.
        expect(await getCourseBySlug(db2, slug)).toBeUndefined();
        const reloaded = loadPackage(dir1);
        expect(reloaded.ok ? [] : reloaded.problems).toEqual([]);
        if (!reloaded.ok) return;
        expect(await importPackage(db2, path.join(tmp, "data2"), reloaded.pkg, null)).toMatchObject({ created: true, version: 1 });
        const out2 = path.join(tmp, "out2");
        await exportPackage(db2, path.join(tmp, "data2"), slug, out2);
        const dir2 = path.join(out2, slug);

        expect(listFiles(dir2)).toEqual(listFiles(dir1));
        for (const f of listFiles(dir1)) {
          const a = fs.readFileSync(path.join(dir1, f));
          const b = fs.readFileSync(path.join(dir2, f));
          expect(b.equals(a), f).toBe(true);
        }
        // The published content is the same on both servers (same snapshot hash).
        const hash = async (db: typeof db1) => (await db.select().from(courseVersions).orderBy(asc(courseVersions.id))).map((v) => v.contentHash);
        expect(await hash(db2)).toEqual(await hash(db1));
        // Re-importing the exported (JSON) form into the first database is not a new version.
        expect(await importPackage(db1, path.join(tmp, "data1"), reloaded.pkg, null)).toMatchObject({ version: 1, newVersion: false });
      } finally {
        await dropDb(db1);
        await dropDb(db2);
      }
    });
  });
}

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

test("a lesson image uploaded in the editor travels with the exported package to another server", async () => {
  await withTmp("export-image", async (tmp) => {
    const db1 = await testDb();
    const db2 = await testDb();
    try {
      const data1 = path.join(tmp, "data1");
      const data2 = path.join(tmp, "data2");
      const c = await createCourse(db1, { slug: "khoa-co-anh", title: "Khóa có ảnh" });
      const item = await addItem(db1, c.id, "chuong-1", "lesson", "Bài có ảnh");
      const img = await saveUpload(db1, data1, PNG, "so-do.png", null);
      const saved = await saveLessonDraft(db1, c.id, item.key, {
        title: "Bài có ảnh",
        doc: { type: "doc", content: [{ type: "paragraph", content: [{ type: "text", text: "Xem sơ đồ" }] }, { type: "image", attrs: { src: img.url, alt: "Sơ đồ" } }] },
      });
      expect(saved.ok).toBe(true);
      await publishCourse(db1, c.id, null);
      await exportPackage(db1, data1, "khoa-co-anh", path.join(tmp, "out"));
      const loaded = loadPackage(path.join(tmp, "out", "khoa-co-anh"));
      expect(loaded.ok ? [] : loaded.problems).toEqual([]);
      if (!loaded.ok) return;
      await importPackage(db2, data2, loaded.pkg, null);
      // On the new server the lesson's image must exist (its bytes came with the package).
      expect(readUpload(data2, `${img.sha256}.png`)?.bytes.equals(PNG) ?? false).toBe(true);
    } finally {
      await dropDb(db1);
      await dropDb(db2);
    }
  });
});

// ---- uploads store --------------------------------------------------------------------------------

const SVG = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<!-- bìa -->\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n');
const HTML = Buffer.from("<!DOCTYPE html><html><body><script>window.__pwned=1</script></body></html>\n");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

test("uploads are typed by their bytes: a PNG named .pdf is stored as png, an HTML file is refused, an SVG accepted", async () => {
  await withTmp("uploads", async (tmp) => {
    const db = await testDb();
    try {
      const dataDir = path.join(tmp, "data");
      const png = await saveUpload(db, dataDir, PNG, "bao-cao.pdf", null);
      const sha = crypto.createHash("sha256").update(PNG).digest("hex");
      expect(png).toEqual({ sha256: sha, ext: "png", mime: "image/png", url: `/uploads/${sha}.png`, size: PNG.length });
      expect(fs.readFileSync(path.join(dataDir, "uploads", `${sha}.png`)).equals(PNG)).toBe(true);
      expect(fs.existsSync(path.join(dataDir, "uploads", `${sha}.pdf`))).toBe(false);
      expect(await first(db.select().from(uploads).where(eq(uploads.sha256, sha)))).toMatchObject({ mime: "image/png", originalName: "bao-cao.pdf", size: PNG.length });

      const pdf = await saveUpload(db, dataDir, PDF, "anh.png", null);
      expect(pdf.ext).toBe("pdf");

      for (const [bytes, name] of [
        [HTML, "bai-hoc.png"],
        [Buffer.from("<html><script>alert(1)</script></html>"), "x.svg"],
        [Buffer.from("just text"), "ghi-chu.txt"],
        [Buffer.from("MZ\x90\x00binary"), "setup.pdf"],
        [Buffer.alloc(0), "rong.png"],
      ] as const) {
        const e = await domainError(() => saveUpload(db, dataDir, bytes, name, null));
        expect(e.key, name).toBe("upload.error.type");
        expect(e.status, name).toBe(415);
      }
      expect(sniffType(HTML)).toBeNull();

      const svg = await saveUpload(db, dataDir, SVG, "bia.svg", null);
      expect(svg).toMatchObject({ ext: "svg", mime: "image/svg+xml" });
      // A caller's narrower allow-list is honoured (covers may not be PDFs).
      expect((await domainError(() => saveUpload(db, dataDir, PDF, "bia.pdf", null, ["png", "jpg", "webp", "svg", "gif"]))).key).toBe("upload.error.type");
      // Size limit per type (SVG: 2 MB).
      const bigSvg = Buffer.concat([Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">'), Buffer.alloc(2 << 20, 0x20), Buffer.from("</svg>")]);
      expect(await domainError(() => saveUpload(db, dataDir, bigSvg, "to.svg", null))).toMatchObject({ key: "upload.error.size", status: 413 });
      // Same bytes again: one stored file, one row.
      await saveUpload(db, dataDir, PNG, "lan-hai.png", null);
      expect((await first(db.select({ n: count() }).from(uploads)))!.n).toBe(3);
      expect(fs.readdirSync(path.join(dataDir, "uploads")).sort()).toEqual([`${png.sha256}.png`, `${pdf.sha256}.pdf`, `${svg.sha256}.svg`].sort());
    } finally {
      await dropDb(db);
    }
  });
});

test("GET /uploads/<name>: signed-in only, the sniffed Content-Type, nosniff, a sandbox CSP, 404 for traversal", async () => {
  await withTmp("uploads-http", async (tmp) => {
    const db = await testDb();
    const dataDir = path.join(tmp, "data");
    const tree = await makeTree(db);
    // The member uploaded them, so may read them (who else may: tests/integration/upload-access.test.ts).
    const uploader = await makeMember(db, tree.a1, { code: "UP-1" });
    const png = await saveUpload(db, dataDir, PNG, "anh.pdf", uploader.id);
    const svg = await saveUpload(db, dataDir, SVG, "bia.svg", uploader.id);
    const pdf = await saveUpload(db, dataDir, PDF, "tai-lieu.pdf", uploader.id);
    // Files a traversal would be after.
    fs.writeFileSync(path.join(dataDir, "secret.txt"), "BIMAT-DATA-DIR");
    const srv = await startTestServer(db, { DATA_DIR: dataDir });
    try {
      const anon = await client(srv.origin).request(png.url);
      expect(anon.status).toBe(302);
      expect(anon.headers.get("location")).toMatch(/^\/login/);

      const u = client(srv.origin);
      await u.signIn("UP-1");
      for (const [up, mime, bytes] of [
        [png, "image/png", PNG],
        [svg, "image/svg+xml", SVG],
        [pdf, "application/pdf", PDF],
      ] as const) {
        const r = await u.request(up.url);
        expect(r.status, up.url).toBe(200);
        expect(r.headers.get("content-type"), up.url).toBe(mime);
        // (The server-wide header and the route's may both be present; every value must be nosniff.)
        const nosniff = (r.headers.get("x-content-type-options") ?? "").split(",").map((v) => v.trim());
        expect(nosniff.length, up.url).toBeGreaterThan(0);
        expect(new Set(nosniff), up.url).toEqual(new Set(["nosniff"]));
        expect(r.headers.get("content-security-policy") ?? "", up.url).toMatch(/sandbox/);
        expect(r.headers.get("content-security-policy") ?? "", up.url).not.toMatch(/script-src[^;]*'unsafe-inline'/);
        expect(Buffer.from(await r.arrayBuffer()).equals(bytes), up.url).toBe(true);
      }
      const missing = `${"0".repeat(64)}.png`;
      for (const p of [
        `/uploads/${missing}`,
        `/uploads/${png.sha256}.pdf`,
        `/uploads/${png.sha256}.html`,
        `/uploads/${png.sha256.toUpperCase()}.png`,
        "/uploads/..%2Fsecret.txt",
        "/uploads/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/uploads/%2e%2e%2fsecret.txt",
        "/uploads/..%5Csecret.txt",
        `/uploads/${png.sha256}.png%00.html`,
        "/uploads/secret.txt",
      ]) {
        const r = await u.request(p);
        expect(r.status, p).toBe(404);
        const body = await r.text();
        expect(body, p).not.toContain("BIMAT-DATA-DIR");
        expect(body, p).not.toContain("root:");
      }
    } finally {
      await srv.close();
      await dropDb(db);
    }
  });
});
