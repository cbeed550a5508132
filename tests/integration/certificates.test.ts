import { first, one } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, count, eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import jsQR from "jsqr";
import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer, signedInClient } from "#tests/harness/http.ts";
import { auditLog, certificates, courseCompletions, courses, courseVersions, members, units } from "#db/schema/index.ts";
import { CODE_RE, formatCode, normaliseCode } from "#app/certificates/code.ts";
import { vietnameseLongDate } from "#app/certificates/format.ts";
import {
  ensureCertificatesForCompletions,
  findCertificateByCode,
  issueCertificate,
  publicVerification,
  revokeCertificate,
} from "#app/certificates/issue.server.ts";
import { renderCertificatePdf } from "#app/certificates/pdf.server.ts";
import { pdfFileName } from "#app/certificates/zip.server.ts";
import { dateFormatter } from "#app/i18n/catalog.ts";
import { domainError } from "#tests/harness/domain-error.ts";

/**
 * Certificates on real SQLite files: issuing (idempotent, frozen, unique codes), the PDF read back
 * with PDF.js (text and the QR code rendered and decoded), and — over HTTP on the production
 * build — the public verification page, who may download which PDF, the trainer's ZIP, revocation.
 */

type Db = Awaited<ReturnType<typeof testDb>>;
const T0 = new Date("2026-03-02T01:00:00Z"); // 08:00 on 2 March in Vietnam
const TITLE = "GIẤY CHỨNG NHẬN HOÀN THÀNH KHÓA HỌC";

async function makeCourse(db: Db, slug: string, title: string) {
  const now = new Date();
  return await one(writeTx(db, async (tx) => tx.insert(courses).values({ slug, title, state: "published", createdAt: now, updatedAt: now }).returning()));
}

async function complete(db: Db, memberId: number, courseId: number, at = T0, versionId: number | null = null) {
  return await one(writeTx(db, async (tx) => tx.insert(courseCompletions).values({ memberId, courseId, completedAt: at, versionId }).returning()));
}

async function certCount(db: Db) {
  return (await first(db.select({ n: count() }).from(certificates)))!.n;
}

async function pdfDocument(bytes: Uint8Array) {
  return pdfjs.getDocument({ data: new Uint8Array(bytes), disableFontFace: true, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
}

/** The text PDF.js extracts (through the fonts' ToUnicode maps), one line per text line. */
async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await pdfDocument(bytes);
  const page = await doc.getPage(1);
  const tc = await page.getTextContent();
  const text = tc.items.map((i) => ("str" in i ? i.str + (i.hasEOL ? "\n" : "") : "")).join("");
  await doc.destroy();
  return text;
}

/** Renders the page (PDF.js on @napi-rs/canvas) and decodes the QR code found on it. */
async function pdfQr(bytes: Uint8Array): Promise<{ data: string; pageSize: [number, number] } | null> {
  const doc = await pdfDocument(bytes);
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale: 2.5 });
  const factory = (doc as unknown as { canvasFactory: { create(w: number, h: number): { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D } } }).canvasFactory;
  const { canvas, context } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
  await page.render({ canvasContext: context, viewport, canvas }).promise;
  const img = context.getImageData(0, 0, canvas.width, canvas.height);
  const size = page.getViewport({ scale: 1 });
  await doc.destroy();
  const qr = jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength), img.width, img.height);
  return qr ? { data: qr.data, pageSize: [size.width, size.height] } : null;
}

async function withDb<T>(run: (db: Db, tree: Awaited<ReturnType<typeof makeTree>>) => Promise<T> | T): Promise<T> {
  const db = await testDb();
  try {
    return await run(db, await makeTree(db));
  } finally {
    await dropDb(db);
  }
}

describe("issuing", () => {
  test("is idempotent per member and course, and freezes name, unit, title and date (NFC)", async () => {
    await withDb(async (db, tree) => {
      const m = await makeMember(db, tree.a1, { fullName: "Lê Thị Hồng" });
      // Stored decomposed, as an old import might have left it: the certificate must be NFC.
      await writeTx(db, async (tx) => tx.update(members).set({ fullName: "Lê Thị Hồng Nhung".normalize("NFD") }).where(eq(members.id, m.id)));
      const course = await makeCourse(db, "nghi-quyet", "Học tập Nghị quyết");
      const done = await complete(db, m.id, course.id);

      const first = await issueCertificate(db, done, new Date("2026-03-03T00:00:00Z"));
      const again = await issueCertificate(db, done, new Date("2026-04-01T00:00:00Z"));
      expect(again.id).toBe(first.id);
      expect(again.code).toBe(first.code);
      expect(again.issuedAt.getTime()).toBe(new Date("2026-03-03T00:00:00Z").getTime());
      expect(await certCount(db)).toBe(1);
      expect(first.code).toMatch(CODE_RE);
      expect(first.memberName).toBe("Lê Thị Hồng Nhung".normalize("NFC"));
      expect(first.memberName).not.toMatch(/\p{M}/u);
      expect(first.unitName).toBe("Chi bộ A1");
      expect(first.courseTitle).toBe("Học tập Nghị quyết");
      expect(first.completedAt.getTime()).toBe(T0.getTime());
      expect(first.completionId).toBe(done.id);

      // Later renames do not reach a certificate already issued.
      await writeTx(db, async (tx) => tx.update(members).set({ fullName: "Tên Khác" }).where(eq(members.id, m.id)));
      await writeTx(db, async (tx) => tx.update(units).set({ name: "Chi bộ đổi tên" }).where(eq(units.id, tree.a1.id)));
      await writeTx(db, async (tx) => tx.update(courses).set({ title: "Tiêu đề mới" }).where(eq(courses.id, course.id)));
      const after = (await findCertificateByCode(db, first.code))!;
      expect([after.memberName, after.unitName, after.courseTitle]).toEqual([first.memberName, "Chi bộ A1", "Học tập Nghị quyết"]);
      // Nor does a backfill issue a second one.
      expect(await ensureCertificatesForCompletions(db)).toBe(0);
      expect(await certCount(db)).toBe(1);
    });
  });

  test("takes the course title of the version the member completed", async () => {
    await withDb(async (db, tree) => {
      const m = await makeMember(db, tree.b1);
      const course = await makeCourse(db, "an-toan", "Tiêu đề bản nháp mới");
      const v = await one(writeTx(db, async (tx) => tx
        .insert(courseVersions)
        .values({ courseId: course.id, version: 1, snapshot: { slug: "an-toan", title: "An toàn thông tin cơ bản", titleEn: null, summary: "", estimatedMinutes: 0, coverFile: null, modules: [] }, contentHash: "x", publishedAt: T0 })
        .returning()));
      const c = await issueCertificate(db, await complete(db, m.id, course.id, T0, v.id));
      expect(c.courseTitle).toBe("An toàn thông tin cơ bản");
    });
  });

  test("codes are unique: a drawn code that exists is drawn again", async () => {
    await withDb(async (db, tree) => {
      const course = await makeCourse(db, "k", "Khóa K");
      const a = await makeMember(db, tree.a1);
      const b = await makeMember(db, tree.a2);
      const bytesA = new Uint8Array(12).fill(3);
      const bytesB = new Uint8Array(12).fill(9);
      const draws = [bytesA, bytesA, bytesB];
      const random = () => draws.shift()!;
      const ca = await issueCertificate(db, await complete(db, a.id, course.id), new Date(), random);
      const cb = await issueCertificate(db, await complete(db, b.id, course.id), new Date(), random);
      expect(ca.code).toBe(formatCode(bytesA));
      expect(cb.code).toBe(formatCode(bytesB));
      expect(draws).toEqual([]);

      // With the real random source, many certificates, all distinct and well-formed.
      const many = [];
      for (let i = 0; i < 150; i++) many.push(await makeMember(db, tree.b2, { password: false }));
      for (const m of many) await complete(db, m.id, course.id);
      expect(await ensureCertificatesForCompletions(db, { courseId: course.id })).toBe(150);
      const codes = (await db.select({ code: certificates.code }).from(certificates)).map((r) => r.code);
      expect(codes).toHaveLength(152);
      expect(new Set(codes).size).toBe(152);
      for (const code of codes) expect(code).toMatch(CODE_RE);
      // The alphabet has no 0/O or 1/I look-alikes.
      expect(codes.join("")).not.toMatch(/[01OI]/);
    });
  });

  test("backfill narrows to a member, course or subtree and is idempotent", async () => {
    await withDb(async (db, tree) => {
      const course = await makeCourse(db, "k", "Khóa K");
      const inA = await makeMember(db, tree.a2);
      const inB = await makeMember(db, tree.b1);
      await complete(db, inA.id, course.id);
      await complete(db, inB.id, course.id);
      expect(await ensureCertificatesForCompletions(db, { unitPath: tree.a.path })).toBe(1);
      expect(await ensureCertificatesForCompletions(db, { unitPath: tree.a.path })).toBe(0);
      expect(await ensureCertificatesForCompletions(db, { memberId: inB.id })).toBe(1);
      expect(await ensureCertificatesForCompletions(db)).toBe(0);
      expect(await certCount(db)).toBe(2);
    });
  });

  test("codes are read forgivingly (case, spaces, missing dashes), refused outside the alphabet", () => {
    expect(normaliseCode(" hs-7k2m q9xa-4rtd ")).toBe("HS-7K2M-Q9XA-4RTD");
    expect(normaliseCode("7K2MQ9XA4RTD")).toBe("HS-7K2M-Q9XA-4RTD");
    // A code whose first group starts with "HS", typed with or without the prefix.
    expect(normaliseCode("hsab cdef ghjk")).toBe("HS-HSAB-CDEF-GHJK");
    expect(normaliseCode("HS-HSAB-CDEF-GHJK")).toBe("HS-HSAB-CDEF-GHJK");
    expect(normaliseCode("HS-7K2M-Q9XA-4RT0")).toBeNull();
    expect(normaliseCode("HS-7K2M-Q9XA")).toBeNull();
    expect(normaliseCode("")).toBeNull();
  });

  test("revocation needs a reason and a scope covering the member; it is recorded and final", async () => {
    await withDb(async (db, tree) => {
      const course = await makeCourse(db, "k", "Khóa K");
      const m = await makeMember(db, tree.a1);
      const trainerA = await makeMember(db, tree.a, { role: "trainer", scopes: [tree.a] });
      const trainerB = await makeMember(db, tree.b, { role: "trainer", scopes: [tree.b] });
      const c = await issueCertificate(db, await complete(db, m.id, course.id));
      const scopeA = { all: false as const, roots: [{ id: tree.a.id, path: tree.a.path }] };
      const scopeB = { all: false as const, roots: [{ id: tree.b.id, path: tree.b.path }] };
      expect((await domainError(() => revokeCertificate(db, scopeB, { code: c.code, reason: "Gian lận khi làm bài", actorId: trainerB.id }))).status).toBe(404);
      expect((await domainError(() => revokeCertificate(db, scopeA, { code: c.code, reason: " x ", actorId: trainerA.id }))).key).toBe("certificates.error.reason");
      expect((await publicVerification(db, c.code))!.revokedAt).toBeNull();
      const at = new Date("2026-05-01T02:00:00Z");
      const r = await revokeCertificate(db, scopeA, { code: c.code.toLowerCase(), reason: "Gian lận khi làm bài", actorId: trainerA.id }, at);
      expect(r.revokedAt!.getTime()).toBe(at.getTime());
      expect(r.revokedReason).toBe("Gian lận khi làm bài");
      expect(r.revokedBy).toBe(trainerA.id);
      expect((await domainError(() => revokeCertificate(db, scopeA, { code: c.code, reason: "Lần nữa", actorId: trainerA.id }))).key).toBe("certificates.error.alreadyRevoked");
      const logged = await db.select().from(auditLog).where(and(eq(auditLog.action, "certificate.revoke"), eq(auditLog.entityId, c.code)));
      expect(logged).toHaveLength(1);
      expect(await publicVerification(db, c.code)).toEqual({ code: c.code, memberName: c.memberName, courseTitle: c.courseTitle, completedAt: c.completedAt, revokedAt: at });
    });
  });
});

describe("the PDF", () => {
  test("has the Vietnamese text (NFC) and a QR code of the verification URL", async () => {
    const name = "Nguyễn Thị Hường Ánh";
    const unit = "Chi bộ Khối Cơ quan Đảng ủy phường Đống Đa";
    const course = "Nghị quyết Đại hội XIII: những điểm mới";
    const pdf = await renderCertificatePdf(
      // Decomposed input must come out composed, with every tone mark on its letter.
      { code: "HS-7K2M-Q9XA-4RTD", memberName: name.normalize("NFD"), unitName: unit.normalize("NFD"), courseTitle: course, completedAt: T0, issuedAt: new Date("2026-03-05T03:00:00Z") },
      "https://hocso.example.vn",
    );
    expect(new TextDecoder().decode(pdf.slice(0, 5))).toBe("%PDF-");
    const text = await pdfText(pdf);
    expect(text).toBe(text.normalize("NFC"));
    expect(text).not.toMatch(/\p{M}/u);
    for (const s of [TITLE, name, `Đơn vị: ${unit}`, course, "Ngày hoàn thành: ngày 02 tháng 3 năm 2026", "HS-7K2M-Q9XA-4RTD", "https://hocso.example.vn/verify/HS-7K2M-Q9XA-4RTD", "Cấp ngày 05 tháng 3 năm 2026"]) {
      expect(text).toContain(s.normalize("NFC"));
    }
    const qr = await pdfQr(pdf);
    expect(qr?.data).toBe("https://hocso.example.vn/verify/HS-7K2M-Q9XA-4RTD");
    // A4 landscape.
    expect(qr!.pageSize.map(Math.round)).toEqual([842, 595]);
  });

  test("documents rendered one after another keep every letter's text (fonts are shared)", async () => {
    const base = { code: "HS-2345-6789-ABCD", unitName: "Chi bộ", completedAt: T0, issuedAt: T0 };
    // Bold text here reaches "o" and "a" only inside "ộ" and "ạ" (composite glyphs)…
    await renderCertificatePdf({ ...base, memberName: "Hường Ánh", courseTitle: "Đại hội" }, "http://x");
    // …and the next certificate must still say "Hoàng Oanh", not "H àng Oanh".
    const text = await pdfText(await renderCertificatePdf({ ...base, memberName: "Hoàng Oanh", courseTitle: "Hoa và lá" }, "http://x"));
    expect(text).toContain("Hoàng Oanh");
    expect(text).toContain("Hoa và lá");
  });

  test("dates follow the Vietnamese administrative style in Vietnam's time zone", () => {
    expect(vietnameseLongDate(new Date("2026-01-05T18:30:00Z"))).toBe("ngày 06 tháng 01 năm 2026");
    expect(vietnameseLongDate(new Date("2026-12-24T03:00:00Z"))).toBe("ngày 24 tháng 12 năm 2026");
    expect(vietnameseLongDate(new Date("2026-02-28T17:00:00Z"))).toBe("ngày 01 tháng 3 năm 2026");
  });

  test("a long course title wraps, a long name shrinks, and the file stays small (fonts subset)", async () => {
    const pdf = await renderCertificatePdf(
      {
        code: "HS-2345-6789-ABCD",
        memberName: "Tôn Nữ Hoàng Phương Thảo Nguyễn Đặng Khánh Ngọc Quỳnh",
        unitName: "Đảng bộ Khối các cơ quan Trung ương — Chi bộ Vụ Tổ chức cán bộ",
        courseTitle: "Quán triệt, triển khai thực hiện Nghị quyết Hội nghị lần thứ tám Ban Chấp hành Trung ương Đảng khóa XIII về chiến lược bảo vệ Tổ quốc",
        completedAt: T0,
        issuedAt: T0,
      },
      "http://127.0.0.1:3000",
    );
    expect(pdf.length).toBeLessThan(120_000);
    const text = (await pdfText(pdf)).replace(/\s+/g, " ");
    expect(text).toContain("Tôn Nữ Hoàng Phương Thảo Nguyễn Đặng Khánh Ngọc Quỳnh");
    expect(text).toContain("chiến lược bảo vệ Tổ quốc");
    expect((await pdfQr(pdf))?.data).toBe("http://127.0.0.1:3000/verify/HS-2345-6789-ABCD");
  });
});

describe("over HTTP", () => {
  type World = Awaited<ReturnType<typeof seed>>;
  let db: Db;
  let w: World;
  let srv: Awaited<ReturnType<typeof startTestServer>>;

  async function seed(db: Db) {
    const tree = await makeTree(db);
    const course = await makeCourse(db, "kien-thuc-chung", "Kiến thức chung về Đảng");
    const other = await makeCourse(db, "khoa-khac", "Khóa học khác");
    const an = await makeMember(db, tree.a1, { code: "DV-A1-AN", fullName: "Nguyễn Văn An", email: "an@example.vn" });
    await writeTx(db, async (tx) => tx.update(members).set({ phone: "0912 345 678" }).where(eq(members.id, an.id)));
    const binh = await makeMember(db, tree.a2, { code: "DV-A2-BINH", fullName: "Trần Thị Bình" });
    const cuong = await makeMember(db, tree.a, { code: "DV-A-CUONG", fullName: "Lê Văn Cường" });
    const notDone = await makeMember(db, tree.a1, { code: "DV-A1-CHUA", fullName: "Phạm Chưa Xong" });
    const revoked = await makeMember(db, tree.a2, { code: "DV-A2-THUHOI", fullName: "Đỗ Bị Thu Hồi" });
    const inB = await makeMember(db, tree.b1, { code: "DV-B1-DUNG", fullName: "Hoàng Văn Dũng" });
    const otherCourseOnly = await makeMember(db, tree.a1, { code: "DV-A1-KHAC", fullName: "Vũ Khóa Khác" });
    const trainerA = await makeMember(db, tree.a, { code: "GV-A", role: "trainer", scopes: [tree.a] });
    const trainerB = await makeMember(db, tree.b, { code: "GV-B", role: "trainer", scopes: [tree.b] });
    const admin = await makeMember(db, tree.root, { code: "QT-1", role: "admin" });
    for (const m of [an, binh, cuong, revoked, inB]) await complete(db, m.id, course.id);
    await complete(db, otherCourseOnly.id, other.id);
    // Only some certificates exist up front: the rest are issued when a page needs them.
    const anCert = await issueCertificate(db, { memberId: an.id, courseId: course.id, completedAt: T0 });
    const revokedCert = await issueCertificate(db, { memberId: revoked.id, courseId: course.id, completedAt: T0 });
    await revokeCertificate(db, { all: true }, { code: revokedCert.code, reason: "Cấp nhầm người", actorId: admin.id }, new Date("2026-04-10T03:00:00Z"));
    const inBCert = await issueCertificate(db, { memberId: inB.id, courseId: course.id, completedAt: T0 });
    return { tree, course, other, an, binh, cuong, notDone, revoked, inB, trainerA, trainerB, admin, anCert, revokedCert, inBCert };
  }

  beforeAll(async () => {
    db = await testDb();
    w = await seed(db);
    srv = await startTestServer(db);
  });
  afterAll(async () => {
    await srv?.close();
    if (db) await dropDb(db);
  });

  const signedIn = (code: string) => signedInClient(srv.origin, code);

  test("the verification page is public and shows only name, course and date", async () => {
    const anon = client(srv.origin);
    const res = await anon.request(`/verify/${w.anCert.code}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-robots-tag")).toMatch(/noindex/);
    const html = (await res.text()).normalize("NFC");
    expect(html).toMatch(/<meta name="robots" content="noindex/);
    expect(html).toContain("Giấy chứng nhận hợp lệ");
    expect(html).toContain("Nguyễn Văn An");
    expect(html).toContain("Kiến thức chung về Đảng");
    expect(html).toContain(dateFormatter("vi", { dateStyle: "long" }).format(T0));
    // Nothing else about the person: not the member code, unit, phone or e-mail (page or data).
    for (const secret of ["DV-A1-AN", "Chi bộ A1", "Đảng ủy A", "0912 345 678", "0912345678", "an@example.vn", "Cấp nhầm người"]) expect(html).not.toContain(secret);

    // Lower case and missing dashes lead to the canonical page.
    const loose = await anon.request(`/verify/${w.anCert.code.toLowerCase().replace(/-/g, "")}`);
    expect(loose.status).toBe(302);
    expect(loose.headers.get("location")).toBe(`/verify/${w.anCert.code}`);
    // The form on /verify does the same.
    const typed = await anon.request(`/verify?code=${encodeURIComponent(` ${w.anCert.code.toLowerCase()} `)}`);
    expect(typed.headers.get("location")).toBe(`/verify/${w.anCert.code}`);
  });

  test("a revoked certificate shows as revoked, with the date, and nothing else", async () => {
    const res = await client(srv.origin).request(`/verify/${w.revokedCert.code}`);
    expect(res.status).toBe(200);
    const html = (await res.text()).normalize("NFC");
    expect(html).toContain("Giấy chứng nhận này đã bị thu hồi");
    expect(html).toContain(dateFormatter("vi", { dateStyle: "long" }).format(new Date("2026-04-10T03:00:00Z")));
    expect(html).not.toContain("Giấy chứng nhận hợp lệ");
    for (const secret of ["Đỗ Bị Thu Hồi", "DV-A2-THUHOI", "Chi bộ A2", "Cấp nhầm người"]) expect(html).not.toContain(secret);
  });

  test("an unknown or malformed code is 404", async () => {
    const anon = client(srv.origin);
    expect((await anon.request("/verify/HS-2222-3333-4444")).status).toBe(404);
    expect((await anon.request("/verify/khong-phai-ma")).status).toBe(404);
    expect((await anon.request("/verify?code=abc")).status).toBe(404);
  });

  test("the PDF: owner, trainer in scope and administrator only; everyone else 404", async () => {
    const path = `/certificates/${w.anCert.code}.pdf`;
    const anon = await client(srv.origin).request(path);
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toMatch(/^\/login\?redirectTo=/);

    for (const who of ["DV-A1-AN", "GV-A", "QT-1"]) {
      const res = await (await signedIn(who)).request(path);
      expect(res.status, who).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pdf");
      expect(res.headers.get("content-disposition")).toContain(`chung-nhan-${w.anCert.code}.pdf`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = await pdfText(bytes);
      expect(text).toContain(TITLE);
      expect(text).toContain("Nguyễn Văn An");
      // From the configured origin (none here: this machine), never from the request's Host.
      expect((await pdfQr(bytes))?.data).toBe(`http://localhost:${srv.env.PORT}/verify/${w.anCert.code}`);
    }
    // Another member of the same cell, a trainer of another subtree: as if the code did not exist.
    for (const who of ["DV-A2-BINH", "GV-B"]) {
      const c = await signedIn(who);
      expect((await c.request(path)).status, who).toBe(404);
      expect((await c.request("/certificates/HS-2222-3333-4444.pdf")).status, who).toBe(404);
    }
    const owner = await signedIn("DV-A1-AN");
    expect((await owner.request(`/certificates/${w.anCert.code}`)).status).toBe(404);
    expect((await owner.request(`/certificates/${w.inBCert.code}.pdf`)).status).toBe(404);
    // Revoked: not printable again, even by an administrator.
    expect((await (await signedIn("QT-1")).request(`/certificates/${w.revokedCert.code}.pdf`)).status).toBe(410);
  });

  test("a member's list shows their certificates (issued on first visit) and only theirs", async () => {
    const binh = await signedIn("DV-A2-BINH");
    const before = await db.select().from(certificates).where(eq(certificates.memberId, w.binh.id));
    expect(before).toHaveLength(0);
    const res = await binh.request("/certificates");
    expect(res.status).toBe(200);
    const html = (await res.text()).normalize("NFC");
    const mine = await db.select().from(certificates).where(eq(certificates.memberId, w.binh.id));
    expect(mine).toHaveLength(1);
    expect(html).toContain(mine[0].code);
    expect(html).toContain(`/certificates/${mine[0].code}.pdf`);
    expect(html).not.toContain(w.anCert.code);
    expect(html).not.toContain(w.inBCert.code);
  });

  test("the ZIP holds one PDF per completed member of the subtree, and nobody else", async () => {
    const trainerA = await signedIn("GV-A");
    const url = (unit: string, course: number) => `/manage/certificates/zip?unit=${unit}&course=${course}`;
    const res = await trainerA.request(url("A", w.course.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toContain("chung-nhan-kien-thuc-chung-A.zip");
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const expected = [w.an, w.binh, w.cuong].map((m) => pdfFileName({ memberCode: m.code, memberName: m.fullName })).sort();
    expect(Object.keys(files).sort()).toEqual(expected);
    expect(expected).toContain("DV-A1-AN-nguyen-van-an.pdf");
    for (const m of [w.an, w.binh, w.cuong]) {
      const bytes = files[pdfFileName({ memberCode: m.code, memberName: m.fullName })];
      const text = await pdfText(bytes);
      expect(text).toContain(m.fullName);
      expect(text).toContain("Kiến thức chung về Đảng");
      const cert = (await first(db.select().from(certificates).where(and(eq(certificates.memberId, m.id), eq(certificates.courseId, w.course.id)))))!;
      expect(text).toContain(cert.code);
    }

    // A cell of the subtree: only its members.
    const a1 = unzipSync(new Uint8Array(await (await trainerA.request(url("A1", w.course.id))).arrayBuffer()));
    expect(Object.keys(a1)).toEqual([pdfFileName({ memberCode: "DV-A1-AN", memberName: "Nguyễn Văn An" })]);
    // Nobody completed the other course in A2: an empty archive, not an error.
    const empty = await trainerA.request(url("A2", w.other.id));
    expect(empty.status).toBe(200);
    expect(Object.keys(unzipSync(new Uint8Array(await empty.arrayBuffer())))).toEqual([]);
  });

  test("URL guessing: another subtree, an ancestor, a missing unit or course are 404; members 403", async () => {
    const trainerA = await signedIn("GV-A");
    for (const q of [`unit=B&course=${w.course.id}`, `unit=B1&course=${w.course.id}`, `unit=ROOT&course=${w.course.id}`, `unit=NOPE&course=${w.course.id}`, "unit=A&course=999999"]) {
      expect((await trainerA.request(`/manage/certificates/zip?${q}`)).status, q).toBe(404);
      expect((await trainerA.request(`/manage/certificates?${q}`)).status, q).toBe(404);
    }
    const page = await trainerA.request(`/manage/certificates?unit=B&course=${w.course.id}`);
    const html = await page.text();
    expect(html).not.toContain("Hoàng Văn Dũng");
    expect(html).not.toContain(w.inBCert.code);
    const member = await signedIn("DV-A1-AN");
    expect((await member.request(`/manage/certificates/zip?unit=A1&course=${w.course.id}`)).status).toBe(403);
    // The administrator sees everything.
    const admin = await signedIn("QT-1");
    const all = unzipSync(new Uint8Array(await (await admin.request(`/manage/certificates/zip?unit=ROOT&course=${w.course.id}`)).arrayBuffer()));
    expect(Object.keys(all)).toHaveLength(4);
  });

  test("revoking from the trainer's page: in scope only, with a reason; then public page says revoked", async () => {
    const cert = (await first(db.select().from(certificates).where(and(eq(certificates.memberId, w.cuong.id), eq(certificates.courseId, w.course.id)))))
      ?? await issueCertificate(db, { memberId: w.cuong.id, courseId: w.course.id, completedAt: T0 });
    const trainerB = await signedIn("GV-B");
    const denied = await trainerB.request("/manage/certificates?index", { form: { intent: "revoke", code: cert.code, reason: "Không hợp lệ" } });
    expect(denied.status).toBe(404);
    expect((await findCertificateByCode(db, cert.code))!.revokedAt).toBeNull();

    const trainerA = await signedIn("GV-A");
    const list = await trainerA.request(`/manage/certificates?unit=A&course=${w.course.id}`);
    const html = (await list.text()).normalize("NFC");
    expect(html).toContain("Lê Văn Cường");
    expect(html).toContain("DV-A-CUONG");
    expect(html).not.toContain("Hoàng Văn Dũng");
    const noReason = await trainerA.request("/manage/certificates?index", { form: { intent: "revoke", code: cert.code, reason: "" } });
    expect(noReason.status).toBe(400);
    const okRes = await trainerA.request("/manage/certificates?index", { form: { intent: "revoke", code: cert.code, reason: "Học viên nhờ người khác làm bài" } });
    expect(okRes.status).toBe(200);
    const after = (await findCertificateByCode(db, cert.code))!;
    expect(after.revokedReason).toBe("Học viên nhờ người khác làm bài");
    expect(after.revokedBy).toBe(w.trainerA.id);
    const pub = (await (await client(srv.origin).request(`/verify/${cert.code}`)).text()).normalize("NFC");
    expect(pub).toContain("Giấy chứng nhận này đã bị thu hồi");
    expect(pub).not.toContain("Học viên nhờ người khác làm bài");
  });
});
