/**
 * The schedule / edit form of a live session: multipart (a PDF may come with it), validated with
 * zod at the boundary; the PDF is stored by its bytes (only PDF is accepted) and linked.
 */
import { MaxPartSizeExceededError, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData, type AppLoadContext } from "@remix-run/node";
import { z } from "zod";
import { DomainError } from "#app/common/domain-error.ts";
import { saveUpload, UPLOAD_TYPES } from "#app/uploads/store.server.ts";
import { parseCodes, type SessionInput } from "./sessions.server.ts";
import { parseLocalDateTime } from "#app/common/vietnam-time.ts";

const MAX_PDF = UPLOAD_TYPES.pdf.max;

const fields = z.object({
  title: z.string().max(1000),
  description: z.string().max(20_000).default(""),
  documentUrl: z.string().max(4000).default(""),
  start: z.string().max(40),
  end: z.string().max(40),
  presenters: z.string().max(50_000).default(""),
  units: z.string().max(50_000).default(""),
  members: z.string().max(50_000).default(""),
  presentMinPercent: z.coerce.number().int().min(0).max(100),
  lateAfterMinutes: z.coerce.number().int().min(0).max(600),
});

async function readFormData(request: Request): Promise<FormData> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data")) return request.formData();
  try {
    return await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_PDF }));
  } catch (e) {
    if (e instanceof MaxPartSizeExceededError) throw new DomainError("upload.error.size", { mb: MAX_PDF >> 20 }, 413);
    throw e;
  }
}

export type SessionForm = { intent: string; input: SessionInput };

/**
 * Reads the form; malformed fields are a 400, rule violations a DomainError (shown on the page).
 * A non-empty PDF replaces the link field.
 */
export async function readSessionForm(request: Request, context: AppLoadContext, actorId: number): Promise<SessionForm> {
  const form = await readFormData(request);
  const obj: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string") obj[k] = v;
  const parsed = fields.safeParse(obj);
  if (!parsed.success) {
    const bad = parsed.error.issues[0]?.path[0];
    if (bad === "presentMinPercent") throw new DomainError("live.error.percent");
    if (bad === "lateAfterMinutes") throw new DomainError("live.error.late");
    throw new Response("Bad Request", { status: 400 });
  }
  const f = parsed.data;
  const start = parseLocalDateTime(f.start);
  if (!start) throw new DomainError("live.error.start");
  const end = parseLocalDateTime(f.end);
  if (!end) throw new DomainError("live.error.end");
  let documentUrl: string | null = f.documentUrl.trim() || null;
  const file = form.get("documentFile");
  if (file instanceof File && file.size > 0) {
    const saved = await saveUpload(context.db, context.env.DATA_DIR, new Uint8Array(await file.arrayBuffer()), file.name, actorId, ["pdf"]);
    documentUrl = saved.url;
  }
  return {
    intent: typeof obj.intent === "string" ? obj.intent : "",
    input: {
      title: f.title,
      description: f.description,
      documentUrl,
      start,
      end,
      presenterCodes: parseCodes(f.presenters),
      unitCodes: parseCodes(f.units),
      memberCodes: parseCodes(f.members),
      presentMinPercent: f.presentMinPercent,
      lateAfterMinutes: f.lateAfterMinutes,
    },
  };
}
