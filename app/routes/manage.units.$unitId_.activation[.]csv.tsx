import type { ActionFunctionArgs } from "@remix-run/node";
import { notFound, requireManager, requireUnitScope } from "#app/auth/permissions.server.ts";
import { activationSheetCsv, issueActivationSheet } from "#app/org/activation-sheet.server.ts";
import { parseId } from "#app/http/forms.server.ts";

/**
 * The activation codes of a subtree as a CSV download. A resource route of its own: a page's action
 * cannot answer a document POST with a file (Remix renders the page with it as action data).
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const unit = await requireUnitScope(context.db, scope, parseId(params.unitId));
  await request.formData();
  const sheet = await issueActivationSheet(context.db, scope, unit.path, session.member.id);
  return new Response(activationSheetCsv(sheet), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="ma-kich-hoat-${unit.code}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}

export const loader = () => notFound();
