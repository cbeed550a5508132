import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "#app/auth/permissions.server.ts";
import { coursesForMember } from "#app/courses/learning.server.ts";
import { CourseCard } from "#app/components/course-card.tsx";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  return { courses: await coursesForMember(context.db, member.id), now: Date.now() };
}

export default function MyCourses() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("courses.mine")}</h1>
      {d.courses.length === 0 ? <p>{t("courses.none")}</p> : null}
      <div className="course-grid">
        {d.courses.map((c) => (
          <CourseCard key={c.id} course={c} now={d.now} />
        ))}
      </div>
      <p>
        <Link to="/progress">{t("progress.title")}</Link>
      </p>
    </>
  );
}
