import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAuthorableCourse } from "#app/courses/access.server.ts";
import { bankSource } from "#app/quizzes/bank.server.ts";
import { exportGift, parseGift } from "#app/quizzes/gift.ts";
import { parseId } from "#app/http/forms.server.ts";

/** The question bank as a GIFT file (what `npm run quiz:export` writes), for authors only. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const text = exportGift(parseGift(await bankSource(context.db, course.id, params.itemKey ?? "")).questions);
  return new Response(text, {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Disposition": `attachment; filename="${course.slug}-${params.itemKey}.gift"`,
      "Cache-Control": "no-store",
    },
  });
}
