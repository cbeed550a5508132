import { first } from "#db/first.ts";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { uploads } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";

/**
 * Uploaded files are stored once, named by the SHA-256 of their bytes, with the type decided from
 * the bytes themselves (never the file name or the browser's claim).
 */
export const UPLOAD_TYPES = {
  png: { mime: "image/png", max: 10 << 20 },
  jpg: { mime: "image/jpeg", max: 10 << 20 },
  gif: { mime: "image/gif", max: 10 << 20 },
  webp: { mime: "image/webp", max: 10 << 20 },
  svg: { mime: "image/svg+xml", max: 2 << 20 },
  pdf: { mime: "application/pdf", max: 50 << 20 },
  mp4: { mime: "video/mp4", max: 500 << 20 },
  webm: { mime: "video/webm", max: 500 << 20 },
} as const;
export type UploadExt = keyof typeof UPLOAD_TYPES;

const starts = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);

export function sniffType(b: Uint8Array): UploadExt | null {
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (starts(b, [0xff, 0xd8, 0xff])) return "jpg";
  if (starts(b, [0x47, 0x49, 0x46, 0x38])) return "gif";
  if (starts(b, [0x52, 0x49, 0x46, 0x46]) && starts(b, [0x57, 0x45, 0x42, 0x50], 8)) return "webp";
  if (starts(b, [0x25, 0x50, 0x44, 0x46, 0x2d])) return "pdf";
  if (starts(b, [0x66, 0x74, 0x79, 0x70], 4)) return "mp4";
  if (starts(b, [0x1a, 0x45, 0xdf, 0xa3])) return "webm";
  const head = Buffer.from(b.subarray(0, 512)).toString("utf8").replace(/^\uFEFF/, "").trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return "svg";
  return null;
}

export function uploadsDir(dataDir: string) {
  return path.resolve(dataDir, "uploads");
}

export type StoredUpload = { sha256: string; ext: UploadExt; mime: string; url: string; size: number };

export async function saveUpload(
  db: Db,
  dataDir: string,
  bytes: Uint8Array,
  originalName: string,
  uploadedBy: number | null,
  allowed: readonly UploadExt[] = Object.keys(UPLOAD_TYPES) as UploadExt[],
  now = new Date(),
): Promise<StoredUpload> {
  const ext = sniffType(bytes);
  if (!ext || !allowed.includes(ext)) throw new DomainError("upload.error.type", { allowed: allowed.join(", ") }, 415);
  const { mime, max } = UPLOAD_TYPES[ext];
  if (bytes.length > max) throw new DomainError("upload.error.size", { mb: Math.round(max / (1 << 20)) }, 413);
  const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
  const dir = uploadsDir(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${sha256}.${ext}`);
  if (!fs.existsSync(file)) {
    // Write then rename: a crash never leaves a half file under its final name.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  }
  await writeTx(db, async (tx) => {
    if (!(await first(tx.select({ id: uploads.id }).from(uploads).where(eq(uploads.sha256, sha256))))) {
      await tx.insert(uploads)
        .values({ sha256, mime, size: bytes.length, originalName: originalName.normalize("NFC").slice(0, 200), uploadedBy, createdAt: now });
    }
  });
  return { sha256, ext, mime, url: `/uploads/${sha256}.${ext}`, size: bytes.length };
}

export function readUpload(dataDir: string, name: string): { bytes: Buffer; ext: UploadExt } | null {
  const m = /^([a-f0-9]{64})\.([a-z0-9]+)$/.exec(name);
  if (!m || !(m[2] in UPLOAD_TYPES)) return null;
  const file = path.join(uploadsDir(dataDir), name);
  if (!fs.existsSync(file)) return null;
  return { bytes: fs.readFileSync(file), ext: m[2] as UploadExt };
}
