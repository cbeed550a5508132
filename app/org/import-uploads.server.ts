import { first } from "#db/first.ts";
import { and, eq, isNull, lt } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { importUploads } from "#db/schema/index.ts";

/**
 * The bytes of a previewed import file, kept so that the commit writes exactly the rows the user
 * saw in the preview (never a second upload). Files not committed within a day are dropped.
 */
export const IMPORT_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

export type ImportUpload = typeof importUploads.$inferSelect;

/** Stores a previewed file under a fresh id, dropping expired ones on the way. */
export async function storeImportUpload(
  db: Db,
  input: { kind: ImportUpload["kind"]; fileName: string; bytes: Uint8Array; uploadedBy: number },
  now = new Date(),
): Promise<string> {
  const id = crypto.randomUUID();
  await writeTx(db, async (tx) => {
    await tx.delete(importUploads).where(lt(importUploads.createdAt, new Date(now.getTime() - IMPORT_UPLOAD_TTL_MS)));
    await tx.insert(importUploads).values({ id, kind: input.kind, fileName: input.fileName, bytes: Buffer.from(input.bytes), uploadedBy: input.uploadedBy, createdAt: now });
  });
  return id;
}

/** The upload, if `uploadedBy` stored it and it has not been committed yet: only its uploader commits it, once. */
export async function pendingImportUpload(db: Db, id: string, uploadedBy: number): Promise<ImportUpload | undefined> {
  return await first(db
    .select()
    .from(importUploads)
    .where(and(eq(importUploads.id, id), eq(importUploads.uploadedBy, uploadedBy), isNull(importUploads.committedAt))));
}

export async function markImportUploadCommitted(db: Db, id: string, now = new Date()): Promise<void> {
  await writeTx(db, async (tx) => await tx.update(importUploads).set({ committedAt: now }).where(eq(importUploads.id, id)));
}
