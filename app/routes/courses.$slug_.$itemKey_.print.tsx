import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireReadableCourse } from "#app/courses/access.server.ts";
import { submissionOf } from "#app/reflections/writing.server.ts";
import { reflectionPrint } from "#app/reflections/print.server.ts";
import { ReflectionPrint } from "#app/reflections/print-view.tsx";

/** The writer's print view of their own submitted reflection. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session, course } = await requireReadableCourse(request, context, params.slug);
  const sub = await submissionOf(context.db, session.member.id, course.id, params.itemKey ?? "");
  return (sub && await reflectionPrint(context.db, sub.id)) ?? notFound();
}

export default function PrintMyReflection() {
  return <ReflectionPrint d={useLoaderData<typeof loader>()} />;
}
