import { unstable_createMemoryUploadHandler, unstable_parseMultipartFormData, MaxPartSizeExceededError, type ActionFunctionArgs } from "@remix-run/node";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { saveUpload } from "#app/uploads/store.server.ts";
import { prepareImage } from "#app/uploads/images.server.ts";
import { DomainError } from "#app/org/domain-error.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";

const MAX_BYTES = 500 << 20;

/** Editor uploads: images, videos and PDFs, typed by their content. */
export async function action({ request, context }: ActionFunctionArgs) {
  const { session } = requireManager(request, context);
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_BYTES }));
  } catch (e) {
    if (e instanceof MaxPartSizeExceededError) return Response.json({ messages: [translate(locale, "upload.error.size", { mb: MAX_BYTES >> 20 })] }, { status: 413 });
    throw e;
  }
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) return Response.json({ messages: [translate(locale, "import.fileMissing")] }, { status: 400 });
  try {
    const bytes = await prepareImage(new Uint8Array(await file.arrayBuffer()));
    const saved = saveUpload(context.db, context.env.DATA_DIR, bytes, file.name, session.member.id);
    return { url: saved.url, ext: saved.ext, mime: saved.mime };
  } catch (e) {
    if (e instanceof DomainError) return Response.json({ messages: [translate(locale, e)] }, { status: e.status });
    throw e;
  }
}

export const loader = () => notFound();
