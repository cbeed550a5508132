import { first, one } from "#db/first.ts";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { and, eq, notInArray } from "drizzle-orm";
import type { JSONContent } from "@tiptap/core";
import { writeTx, type Db } from "#db/client.server.ts";
import { courseItems, courseModules, courses, liveSessions } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { markdownToDoc } from "#app/editor/markdown.server.ts";
import { validateDoc } from "#app/editor/document.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import crypto from "node:crypto";
import { readUpload, saveUpload, sniffType, UPLOAD_TYPES } from "#app/uploads/store.server.ts";
import { draftSnapshot, getCourseBySlug, publishCourse } from "./courses.server.ts";
import { DEFAULT_REFLECTION_SETTINGS, reflectionSettingsSchema } from "#app/reflections/settings.ts";

/**
 * Course packages: a folder `content/courses/<slug>/` with course.json, lesson files (Markdown with
 * callouts, or tiptap JSON), GIFT question banks and a cover image. Import is idempotent by slug
 * and item keys; export writes a package that imports back to the same course.
 */
const KEY = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "kebab-case ASCII").max(80);
const relFile = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), "must stay inside the package");

export const courseJsonSchema = z
  .object({
    slug: KEY,
    title: z.string().trim().min(1).max(300),
    titleEn: z.string().trim().max(300).optional(),
    summary: z.string().max(2000).default(""),
    estimatedMinutes: z.number().int().min(0).max(100000).default(0),
    cover: relFile.optional(),
    modules: z
      .array(
        z.object({
          key: KEY,
          title: z.string().trim().min(1).max(300),
          items: z.array(
            z
              .object({
                key: KEY,
                type: z.enum(["lesson", "quiz", "live", "reflection"]),
                title: z.string().trim().min(1).max(300),
                /** Lessons and quizzes: their file in the package. */
                file: relFile.optional(),
                /** "live" items: the id of the live session to attend, on the site importing it. */
                liveSession: z.number().int().positive().optional(),
                /** "live" items: whether watching the published recording (make-up study) completes it too. */
                acceptMakeUp: z.boolean().optional(),
                /** "reflection" items: their rules (the prompt is the file, Markdown or tiptap JSON like a lesson). */
                reflection: reflectionSettingsSchema.optional(),
                estimatedMinutes: z.number().int().min(0).max(10000).default(0),
                required: z.boolean().default(true),
              })
              .superRefine((i, ctx) => {
                if (i.acceptMakeUp !== undefined && i.type !== "live") {
                  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `item "${i.key}": only "live" items accept make-up study` });
                }
                if (i.reflection !== undefined && i.type !== "reflection") {
                  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `item "${i.key}": only "reflection" items have reflection rules` });
                }
                if (i.type === "live" ? i.liveSession === undefined || i.file !== undefined : i.file === undefined || i.liveSession !== undefined) {
                  ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    message: i.type === "live" ? `"live" item "${i.key}" needs liveSession and no file` : `item "${i.key}" needs a file and no liveSession`,
                  });
                }
              }),
          ),
        }),
      )
      .min(1),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    for (const m of c.modules) {
      for (const k of [m.key, ...m.items.map((i) => i.key)]) {
        if (seen.has(k)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `duplicate key "${k}"` });
        seen.add(k);
      }
    }
  });
export type CourseJson = z.infer<typeof courseJsonSchema>;

export type LoadedItem = CourseJson["modules"][number]["items"][number] & { body: JSONContent | null; text: string; source: string | null };
export type LoadedPackage = {
  dir: string;
  meta: CourseJson;
  modules: { key: string; title: string; items: LoadedItem[] }[];
  cover: { bytes: Uint8Array; name: string } | null;
  /** Images and media the lessons use, by their /uploads/ name (content hash + extension). */
  media: Map<string, Uint8Array>;
};

/** Every /uploads/ file a lesson document points to. */
export function uploadRefs(doc: JSONContent | null | undefined, out = new Set<string>()): Set<string> {
  if (!doc) return out;
  if ((doc.type === "image" || doc.type === "mediaEmbed") && typeof doc.attrs?.src === "string" && doc.attrs.src.startsWith("/uploads/")) {
    out.add(doc.attrs.src.slice("/uploads/".length));
  }
  for (const c of doc.content ?? []) uploadRefs(c, out);
  return out;
}

function uploadName(bytes: Uint8Array): string | null {
  const ext = sniffType(bytes);
  return ext ? `${crypto.createHash("sha256").update(bytes).digest("hex")}.${ext}` : null;
}
export type PackageProblem = { file: string; message: string };

export function loadPackage(dir: string): { ok: true; pkg: LoadedPackage } | { ok: false; problems: PackageProblem[] } {
  const problems: PackageProblem[] = [];
  const metaPath = path.join(dir, "course.json");
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(metaPath, "utf8"));
  } catch (e) {
    return { ok: false, problems: [{ file: metaPath, message: `course.json: ${(e as Error).message}` }] };
  }
  const parsed = courseJsonSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => ({ file: metaPath, message: `${i.path.join(".")}: ${i.message}` })) };
  }
  const meta = parsed.data;
  if (path.basename(dir) !== meta.slug) problems.push({ file: metaPath, message: `slug "${meta.slug}" differs from the folder name "${path.basename(dir)}"` });
  const read = (rel: string): Buffer | null => {
    const full = path.join(dir, rel);
    if (!fs.existsSync(full)) {
      problems.push({ file: full, message: "missing file / thiếu tệp" });
      return null;
    }
    return fs.readFileSync(full);
  };
  const media = new Map<string, Uint8Array>();
  const inside = (rel: string) => !rel.startsWith("/") && !rel.split(/[\\/]/).includes("..") && !/^[a-z]+:/i.test(rel);
  // A Markdown image names a file in the package; it becomes the upload it will be once imported.
  const resolveImage = (lessonFile: string) => (rel: string): string | null => {
    const full = path.join(dir, path.dirname(lessonFile), rel);
    if (!inside(rel) || !fs.existsSync(full)) {
      problems.push({ file: path.join(dir, lessonFile), message: `image not found in the package: ${rel}` });
      return null;
    }
    const bytes = new Uint8Array(fs.readFileSync(full));
    const name = uploadName(bytes);
    if (!name) {
      problems.push({ file: full, message: "not an image type Học Số accepts" });
      return null;
    }
    media.set(name, bytes);
    return `/uploads/${name}`;
  };
  const modules = meta.modules.map((m) => ({
    key: m.key,
    title: m.title,
    items: m.items.map((item): LoadedItem => {
      if (item.type === "live" || !item.file) return { ...item, body: null, text: "", source: null };
      const bytes = read(item.file);
      const base = { ...item, body: null, text: "", source: null };
      if (!bytes) return base;
      const text = bytes.toString("utf8").replace(/^\uFEFF/, "").normalize("NFC");
      if (item.type === "quiz") return { ...base, source: text };
      const file = item.file;
      let doc: unknown;
      try {
        doc = file.endsWith(".json") ? JSON.parse(text) : markdownToDoc(text, { resolveImage: resolveImage(file) });
      } catch (e) {
        problems.push({ file: path.join(dir, file), message: (e as Error).message });
        return base;
      }
      const v = validateDoc(doc);
      if (!v.ok) {
        for (const p of v.problems) problems.push({ file: path.join(dir, file), message: translate("en", p) });
        return base;
      }
      // Documents exported from the editor carry their files under media/.
      for (const name of uploadRefs(v.doc)) {
        if (media.has(name)) continue;
        const full = path.join(dir, "media", name);
        if (!fs.existsSync(full)) {
          problems.push({ file: path.join(dir, file), message: `missing media file media/${name}` });
          continue;
        }
        const bytes = new Uint8Array(fs.readFileSync(full));
        if (uploadName(bytes) !== name) problems.push({ file: full, message: "file content does not match its name (hash)" });
        else media.set(name, bytes);
      }
      return { ...base, body: v.doc, text: v.text };
    }),
  }));
  let cover: LoadedPackage["cover"] = null;
  if (meta.cover) {
    const bytes = read(meta.cover);
    if (bytes) cover = { bytes: new Uint8Array(bytes), name: meta.cover };
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, pkg: { dir, meta, modules, cover, media } };
}

export type ImportOutcome = { slug: string; courseId: number; created: boolean; version: number; newVersion: boolean };

/** Upserts the draft rows by slug and keys, removes what the package no longer has, publishes. */
export async function importPackage(db: Db, dataDir: string, pkg: LoadedPackage, actorId: number | null, now = new Date()): Promise<ImportOutcome> {
  const cover = pkg.cover ? await saveUpload(db, dataDir, pkg.cover.bytes, pkg.cover.name, actorId, ["png", "jpg", "webp", "svg", "gif"], now) : null;
  for (const [name, bytes] of pkg.media) await saveUpload(db, dataDir, bytes, name, actorId, undefined, now);
  const { courseId, created } = await writeTx(db, async (tx) => {
    const m = pkg.meta;
    const fields = {
      title: m.title,
      titleEn: m.titleEn ?? null,
      summary: m.summary,
      estimatedMinutes: m.estimatedMinutes,
      coverFile: cover ? `${cover.sha256}.${cover.ext}` : null,
      updatedAt: now,
    };
    const existing = await getCourseBySlug(tx, m.slug);
    const courseId = existing
      ? ((await tx.update(courses).set(fields).where(eq(courses.id, existing.id))), existing.id)
      : (await one(tx.insert(courses).values({ slug: m.slug, ...fields, createdAt: now }).returning({ id: courses.id }))).id;
    let itemPos = 0;
    const moduleKeys: string[] = [];
    const itemKeys: string[] = [];
    for (const [mi, mod] of pkg.modules.entries()) {
      moduleKeys.push(mod.key);
      const row = await one(tx
        .insert(courseModules)
        .values({ courseId, key: mod.key, title: mod.title, position: mi })
        .onConflictDoUpdate({ target: [courseModules.courseId, courseModules.key], set: { title: mod.title, position: mi } })
        .returning({ id: courseModules.id }));
      for (const it of mod.items) {
        itemKeys.push(it.key);
        if (it.type === "live" && !(await first(tx.select({ id: liveSessions.id }).from(liveSessions).where(eq(liveSessions.id, it.liveSession!))))) {
          throw new DomainError("authoring.error.liveSessionMissing", { key: it.key, id: it.liveSession! }, 422);
        }
        const values = {
          moduleId: row.id,
          type: it.type,
          title: it.title,
          position: itemPos++,
          estimatedMinutes: it.estimatedMinutes,
          required: it.required,
          body: it.body,
          bodyText: it.text,
          source: it.source,
          liveSessionId: it.type === "live" ? it.liveSession! : null,
          acceptMakeUp: it.type === "live" && it.acceptMakeUp === true,
          settings: it.type === "reflection" ? (it.reflection ?? DEFAULT_REFLECTION_SETTINGS) : null,
          updatedAt: now,
        };
        await tx.insert(courseItems)
          .values({ courseId, key: it.key, ...values })
          .onConflictDoUpdate({ target: [courseItems.courseId, courseItems.key], set: values });
      }
    }
    await tx.delete(courseItems).where(and(eq(courseItems.courseId, courseId), notInArray(courseItems.key, itemKeys.length ? itemKeys : [""])));
    await tx.delete(courseModules).where(and(eq(courseModules.courseId, courseId), notInArray(courseModules.key, moduleKeys)));
    return { courseId, created: !existing };
  });
  const pub = await publishCourse(db, courseId, actorId, now);
  return { slug: pkg.meta.slug, courseId, created, version: pub.version, newVersion: pub.created };
}

export function packageDirs(root: string): string[] {
  if (fs.existsSync(path.join(root, "course.json"))) return [root];
  const coursesDir = fs.existsSync(path.join(root, "courses")) ? path.join(root, "courses") : root;
  return fs
    .readdirSync(coursesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(coursesDir, e.name, "course.json")))
    .map((e) => path.join(coursesDir, e.name))
    .sort();
}

/**
 * Writes the course's draft as a package: lessons as tiptap JSON (lossless), quiz banks as their
 * GIFT source, the cover under its own extension. Deterministic, so export → import → export
 * yields identical files.
 */
export async function exportPackage(db: Db, dataDir: string, slug: string, outDir: string): Promise<string[]> {
  const course = await getCourseBySlug(db, slug);
  if (!course) throw new Error(`no course "${slug}"`);
  const snap = await draftSnapshot(db, course.id);
  const dir = path.join(outDir, slug);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "lessons"), { recursive: true });
  const written: string[] = [];
  const write = (rel: string, data: string | Uint8Array) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
    written.push(rel);
  };
  let n = 0;
  const meta: CourseJson = {
    slug: snap.slug,
    title: snap.title,
    ...(snap.titleEn ? { titleEn: snap.titleEn } : {}),
    summary: snap.summary,
    estimatedMinutes: snap.estimatedMinutes,
    modules: snap.modules.map((m) => ({
      key: m.key,
      title: m.title,
      items: m.items.map((it) => {
        if (it.type === "live") {
          return {
            key: it.key,
            type: it.type,
            title: it.title,
            liveSession: it.liveSessionId,
            ...(it.acceptMakeUp ? { acceptMakeUp: true } : {}),
            estimatedMinutes: it.estimatedMinutes,
            required: it.required,
          };
        }
        n++;
        const file = it.type === "quiz" ? `quizzes/${it.key}.gift` : `lessons/${String(n).padStart(2, "0")}-${it.key}.json`;
        const rules = it.type === "reflection" ? { reflection: it.reflection ?? DEFAULT_REFLECTION_SETTINGS } : {};
        if (it.type === "quiz") write(file, it.source ?? "");
        else {
          write(file, `${JSON.stringify(it.body ?? { type: "doc", content: [] }, null, 2)}\n`);
          for (const name of uploadRefs(it.body)) {
            const up = readUpload(dataDir, name);
            if (up && !written.includes(`media/${name}`)) write(`media/${name}`, up.bytes);
          }
        }
        return { key: it.key, type: it.type, title: it.title, file, ...rules, estimatedMinutes: it.estimatedMinutes, required: it.required };
      }),
    })),
  };
  if (snap.coverFile) {
    const up = readUpload(dataDir, snap.coverFile);
    if (up && up.ext in UPLOAD_TYPES) {
      meta.cover = `cover.${up.ext}`;
      write(meta.cover, up.bytes);
    }
  }
  const ordered = { slug: meta.slug, title: meta.title, titleEn: meta.titleEn, summary: meta.summary, estimatedMinutes: meta.estimatedMinutes, cover: meta.cover, modules: meta.modules };
  write("course.json", `${JSON.stringify(ordered, null, 2)}\n`);
  return written;
}
