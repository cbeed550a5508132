import type { AppLoadContext } from "@remix-run/node";
import { notFound, requireManager, requireUser, scopeOf } from "#app/auth/permissions.server.ts";
import { getCourse, getCourseBySlug, publishedSnapshot } from "./courses.server.ts";
import { canAuthor } from "./authoring.server.ts";
import { isAssigned } from "./learning.server.ts";

/**
 * A published course the signed-in member may read: assigned to them (through their unit or by
 * name), completed by them earlier, or they manage some part of the tree (trainers preview what
 * they assign). Anything else is 404, like a course that does not exist.
 */
export async function requireReadableCourse(request: Request, context: AppLoadContext, slug: string | undefined) {
  const session = await requireUser(request, context);
  const course = slug ? await getCourseBySlug(context.db, slug) : undefined;
  if (!course || course.state !== "published") notFound();
  const pub = await publishedSnapshot(context.db, course);
  if (!pub) notFound();
  const scope = await scopeOf(context.db, session.member);
  const manager = scope.all || scope.roots.length > 0;
  const assigned = await isAssigned(context.db, session.member.id, course.id);
  if (!assigned && !manager) notFound();
  return { session, course, pub, assigned };
}

/** The course, if the signed-in manager may edit it (404 when it does not exist, 403 when not theirs). */
export async function requireAuthorableCourse(request: Request, context: AppLoadContext, courseId: number) {
  const { session, scope } = await requireManager(request, context);
  const course = await getCourse(context.db, courseId);
  if (!course) notFound();
  if (!canAuthor(session.member, course)) throw new Response("Forbidden", { status: 403 });
  return { session, scope, course };
}
