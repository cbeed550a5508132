import { type ActionFunctionArgs } from "@remix-run/node";
import { readMultipart } from "#app/http/forms.server.ts";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { saveUpload } from "#app/uploads/store.server.ts";
import { prepareImage } from "#app/uploads/images.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import { UPLOAD_MAX_BYTES } from "#app/http/body-limits.ts";


/** Editor uploads: images, videos and PDFs, typed by their content. */
export async function action({ request, context }: ActionFunctionArgs) {
  const { session } = await requireManager(request, context);
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  const read = await readMultipart(request, UPLOAD_MAX_BYTES);
  if (!read.ok) {
    return read.reason === "too-large"
      ? Response.json({ messages: [translate(locale, "upload.error.size", { mb: UPLOAD_MAX_BYTES >> 20 })] }, { status: 413 })
      : Response.json({ messages: [translate(locale, "error.malformedUpload")] }, { status: 400 });
  }
  const form = read.form;
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) return Response.json({ messages: [translate(locale, "import.fileMissing")] }, { status: 400 });
  try {
    const bytes = await prepareImage(new Uint8Array(await file.arrayBuffer()));
    const saved = await saveUpload(context.db, context.env.DATA_DIR, bytes, file.name, session.member.id);
    return { url: saved.url, ext: saved.ext, mime: saved.mime };
  } catch (e) {
    if (e instanceof DomainError) return Response.json({ messages: [translate(locale, e)] }, { status: e.status });
    throw e;
  }
}

export const loader = () => notFound();
