import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { coursesForManagers, createCourse } from "#app/courses/authoring.server.ts";
import { domainFailure, readForm } from "#app/http/forms.server.ts";
import { Field, Notice, InputField } from "#app/components/ui.tsx";
import { requireManager } from "#app/auth/permissions.server.ts";
import { useT } from "#app/i18n/use-t.ts";
import { DataTable } from "#app/components/data-table.tsx";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const rows = await coursesForManagers(context.db);
  // One row per course (the join is on the one published version), so the count is the length.
  return { courses: rows, total: rows.length, isAdmin: scope.all, canCreate: true };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { session } = await requireManager(request, context);
  const f = await readForm(request, z.object({ slug: z.string().max(80), title: z.string().max(300), titleEn: z.string().max(300).optional(), summary: z.string().max(2000).optional() }));
  try {
    const c = await createCourse(context.db, { ...f, createdBy: session.member.role === "admin" ? null : session.member.id });
    return redirect(`/manage/courses/${c.id}`);
  } catch (e) {
    return domainFailure(e);
  }
}

export default function ManageCourses() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return (
    <>
      <h1>{t("manage.courses.title")}</h1>
      <DataTable
        testId="courses-table"
        rows={d.courses}
        rowKey={(c) => c.id}
        columns={[
          { label: t("nav.courses"), cell: (c) => <Link to={`/manage/courses/${c.id}`}>{c.title}</Link> },
          { label: t("manage.courses.state"), cell: (c) => t(`course.state.${c.state}`) },
          { label: t("manage.courses.version"), cell: (c) => c.version ?? "—" },
        ]}
      />
      {d.canCreate ? (
        <section className="card">
          <h2>{t("authoring.newCourse")}</h2>
          <Notice flash={a?.flash} />
          <Form method="post">
            <InputField label={t("authoring.title")} name="title" required maxLength={300} />
            <InputField label={t("authoring.titleEn")} name="titleEn" maxLength={300} />
            <InputField label={t("authoring.slug")} name="slug" maxLength={80} pattern="[a-z0-9]+(-[a-z0-9]+)*" />
            <Field label={t("authoring.summary")} name="summary">
              <textarea id="summary" name="summary" maxLength={2000} rows={3} />
            </Field>
            <button type="submit">{t("authoring.newCourse")}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
