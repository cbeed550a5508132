import { beforeAll, describe, expect, test } from "vitest";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { importUploads } from "#db/schema/index.ts";
import { scopeOf } from "#app/auth/permissions.server.ts";
import { scopeRootUnits } from "#app/org/units.server.ts";
import { IMPORT_UPLOAD_TTL_MS, markImportUploadCommitted, pendingImportUpload, storeImportUpload } from "#app/org/import-uploads.server.ts";

/**
 * The stored bytes between an import's preview and its commit, on a real SQLite file and over
 * HTTP on the production build: only the uploader commits, only once, and a day-old upload is
 * gone. Also the trainer's own units, as the manager pages list them (tree order).
 */
const srv = useAppServer();

let tree: Awaited<ReturnType<typeof makeTree>>;
let trainerA: Awaited<ReturnType<typeof makeMember>>;
let trainerTwo: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
  tree = await makeTree(srv.db);
  trainerA = await makeMember(srv.db, tree.a, { code: "UP-TRAINER-A", role: "trainer", scopes: [tree.a] });
  await makeMember(srv.db, tree.a, { code: "UP-TRAINER-A2", role: "trainer", scopes: [tree.a] });
  // Granted B before A1: ids say B first, the tree says A1 (/1/2/4/) before B (/1/3/).
  trainerTwo = await makeMember(srv.db, tree.b, { code: "UP-TRAINER-TWO", role: "trainer", scopes: [tree.b, tree.a1] });
});

const csv = (rows: string) => new Blob([`Mã đảng viên,Họ và tên,Mã đơn vị\n${rows}`], { type: "text/csv" });

describe("import uploads (domain)", () => {
  test("pending for its uploader only, until committed", async () => {
    const id = await storeImportUpload(srv.db, { kind: "members", fileName: "a.csv", bytes: new Uint8Array([1, 2, 3]), uploadedBy: trainerA.id });
    expect((await pendingImportUpload(srv.db, id, trainerA.id))?.bytes).toEqual(Buffer.from([1, 2, 3]));
    expect(await pendingImportUpload(srv.db, id, trainerA.id + 1000)).toBeUndefined();
    await markImportUploadCommitted(srv.db, id);
    expect(await pendingImportUpload(srv.db, id, trainerA.id)).toBeUndefined();
  });

  test("storing a new upload drops those older than a day, and only those", async () => {
    const t0 = new Date("2026-01-01T00:00:00Z");
    const old = await storeImportUpload(srv.db, { kind: "units", fileName: "old.csv", bytes: new Uint8Array([1]), uploadedBy: trainerA.id }, t0);
    const recent = await storeImportUpload(srv.db, { kind: "units", fileName: "recent.csv", bytes: new Uint8Array([2]), uploadedBy: trainerA.id }, new Date(t0.getTime() + 1000));
    await storeImportUpload(srv.db, { kind: "units", fileName: "new.csv", bytes: new Uint8Array([3]), uploadedBy: trainerA.id }, new Date(t0.getTime() + IMPORT_UPLOAD_TTL_MS + 500));
    const ids = (await srv.db.select({ id: importUploads.id }).from(importUploads)).map((r) => r.id);
    expect(ids).not.toContain(old);
    expect(ids).toContain(recent);
  });
});

describe("import commit over HTTP", () => {
  test("another manager cannot commit my preview; I commit it once; a second commit answers 410", async () => {
    const a = client(srv.origin);
    await a.signIn("UP-TRAINER-A");
    const form = new FormData();
    form.set("kind", "members");
    form.set("file", csv("UP-NEW-1,Phạm Thị Hằng,A1\n"), "members.csv");
    const preview = await a.request("/manage/import", { method: "POST", body: form });
    expect(preview.status).toBe(200);
    const uploadId = (await srv.db.select({ id: importUploads.id, fileName: importUploads.fileName }).from(importUploads)).find((u) => u.fileName === "members.csv")!.id;

    const other = client(srv.origin);
    await other.signIn("UP-TRAINER-A2");
    expect((await other.request("/manage/import", { form: { uploadId } })).status).toBe(410);

    const commit = await a.request("/manage/import", { form: { uploadId } });
    expect(commit.status).toBe(200);
    expect(await commit.text()).toContain("Phạm Thị Hằng");
    expect((await a.request("/manage/import", { form: { uploadId } })).status).toBe(410);
  });
});

describe("a trainer's own units", () => {
  test("listed in tree order, none for an administrator", async () => {
    expect((await scopeRootUnits(srv.db, await scopeOf(srv.db, trainerTwo))).map((u) => u.code)).toEqual(["A1", "B"]);
    expect(await scopeRootUnits(srv.db, { all: true })).toEqual([]);
  });
});
