import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { notFound, requireUser } from "#app/auth/permissions.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { parseId } from "#app/http/forms.server.ts";
import { graderContext } from "#app/reflections/graders.server.ts";
import { requireVisibleSubmission } from "#app/reflections/grading.server.ts";
import { reflectionPrint } from "#app/reflections/print.server.ts";
import { ReflectionPrint } from "#app/reflections/print-view.tsx";

/** A grader's (or manager's) print view of one reflection; 404 out of scope, like a missing id. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const id = parseId(params.submissionId);
  try {
    await requireVisibleSubmission(context.db, await graderContext(context.db, member), id);
  } catch (e) {
    if (e instanceof DomainError && e.status === 404) notFound();
    throw e;
  }
  return await reflectionPrint(context.db, id) ?? notFound();
}

export default function PrintReflection() {
  return <ReflectionPrint d={useLoaderData<typeof loader>()} />;
}
