/**
 * The server side of an editor's autosave (autosave.client.tsx): the body is JSON, and a refusal is
 * JSON too, `{ ok: false, messages }` in the reader's language, which the editor shows as it is.
 */
import type { z } from "zod";
import { MAX_DOC_CHARS } from "#app/editor/document.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import type { Locale } from "#app/i18n/format.ts";

export const autosaveRefusal = (messages: string[], status: number) => Response.json({ ok: false, messages }, { status });

/** A body past twice MAX_DOC_CHARS is refused before it is parsed (413). */
export const autosaveTooLarge = (locale: Locale) => autosaveRefusal([translate(locale, "authoring.error.tooLarge")], 413);

/** The autosave body as `schema` reads it, or the refusal to answer with (413 too large, 400 not that shape or not JSON). */
export async function readAutosave<S extends z.ZodTypeAny>(request: Request, schema: S, locale: Locale): Promise<{ data: z.infer<S> } | { refusal: Response }> {
  const text = await request.text();
  if (text.length > MAX_DOC_CHARS * 2) return { refusal: autosaveTooLarge(locale) };
  let parsed;
  try {
    parsed = schema.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) return { refusal: autosaveRefusal([translate(locale, "error.badRequest")], 400) };
  return { data: parsed.data };
}
