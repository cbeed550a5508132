import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser, notFound } from "#app/auth/permissions.server.ts";
import { readUpload, UPLOAD_TYPES } from "#app/uploads/store.server.ts";
import { mayReadUpload } from "#app/uploads/access.server.ts";

/**
 * Uploaded course files, for signed-in members who can see something that uses them. The type comes from what was sniffed at upload;
 * nosniff and a script-less sandbox CSP keep an SVG or PDF from running anything in our origin.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const name = params.name ?? "";
  // Answered like a missing file, so a link says nothing to someone it was not meant for.
  if (!await mayReadUpload(context.db, member, name)) notFound();
  const file = readUpload(context.env.DATA_DIR, name);
  if (!file) notFound();
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      "Content-Type": UPLOAD_TYPES[file.ext].mime,
      "Content-Length": String(file.bytes.length),
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
      "Cache-Control": "private, max-age=31536000, immutable",
    },
  });
}
