import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { forbidden, notFound, requireManager, scopePaths } from "#app/auth/permissions.server.ts";
import { draftSnapshot, getCourse, publishCourse, setCourseState, publishedSnapshot } from "#app/courses/courses.server.ts";
import { addItem, addModule, canAuthor, setLiveItemMakeUp, setMinGrade } from "#app/courses/authoring.server.ts";
import { assignmentsOfCourse } from "#app/courses/learning.server.ts";
import { assignCourse, unassignCourse } from "#app/courses/assigning.server.ts";
import { sessionAccess, sessionsInScope } from "#app/live/sessions.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { domainFailure, ok, parseId, readForm } from "#app/http/forms.server.ts";
import { Notice, InlineAction, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const course = await getCourse(context.db, parseId(params.courseId));
  if (!course) notFound();
  const author = canAuthor(session.member, course);
  const pub = await publishedSnapshot(context.db, course);
  return {
    course: { id: course.id, slug: course.slug, title: course.title, state: course.state, summary: course.summary, minGradePercent: course.minGradePercent },
    version: pub?.version ?? null,
    assignments: await assignmentsOfCourse(context.db, course.id, scopePaths(scope)),
    isAdmin: author,
    structure: author
      ? (await draftSnapshot(context.db, course.id)).modules.map((m) => ({
          key: m.key,
          title: m.title,
          items: m.items.map((i) => ({ key: i.key, type: i.type, title: i.title, liveSessionId: i.liveSessionId ?? null, acceptMakeUp: !!i.acceptMakeUp })),
        }))
      : [],
    // Sessions an author may ask members to attend (those their scope sees).
    liveSessions: author ? (await sessionsInScope(context.db, scope, { limit: 100 })).map((s) => ({ id: s.id, title: s.title, start: s.scheduledStartAt.getTime(), state: s.state })) : [],
  };
}

const schema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("assign"),
    unitCode: z.string().trim().max(64).optional().default(""),
    memberCode: z.string().trim().max(64).optional().default(""),
    due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().or(z.literal("")),
  }),
  z.object({ intent: z.literal("unassign"), assignmentId: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal("publish") }),
  z.object({ intent: z.literal("archive") }),
  z.object({ intent: z.literal("add-module"), title: z.string().max(300) }),
  z.object({ intent: z.literal("min-grade"), minGrade: z.union([z.literal(""), z.coerce.number().int().min(1).max(100)]) }),
  z.object({ intent: z.literal("add-lesson"), moduleKey: z.string().max(80), title: z.string().max(300) }),
  z.object({ intent: z.literal("add-reflection"), moduleKey: z.string().max(80), title: z.string().max(300) }),
  z.object({ intent: z.literal("add-live"), moduleKey: z.string().max(80), sessionId: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal("live-make-up"), itemKey: z.string().max(80), accept: z.enum(["0", "1"]) }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const course = await getCourse(context.db, parseId(params.courseId));
  if (!course) notFound();
  const f = await readForm(request, schema);
  const actor = session.member.id;
  try {
    switch (f.intent) {
      case "assign":
        await assignCourse(context.db, scope, { courseId: course.id, unitCode: f.unitCode, memberCode: f.memberCode, dueDay: f.due || null, actorId: actor });
        return ok("manage.courses.assigned");
      case "unassign":
        if (!await unassignCourse(context.db, scope, course.id, f.assignmentId)) notFound();
        return ok("manage.courses.unassigned");
      case "publish": {
        if (!canAuthor(session.member, course)) forbidden();
        const r = await publishCourse(context.db, course.id, actor);
        return ok("manage.courses.published", { version: r.version });
      }
      case "archive":
        if (!canAuthor(session.member, course)) forbidden();
        await setCourseState(context.db, course.id, "archived");
        return ok("manage.courses.archived");
      case "min-grade":
        if (!canAuthor(session.member, course)) forbidden();
        await setMinGrade(context.db, course.id, f.minGrade === "" ? null : f.minGrade);
        return ok("common.saved");
      case "add-module":
        if (!canAuthor(session.member, course)) forbidden();
        await addModule(context.db, course.id, f.title);
        return ok("common.saved");
      case "add-lesson": {
        if (!canAuthor(session.member, course)) forbidden();
        const item = await addItem(context.db, course.id, f.moduleKey, "lesson", f.title);
        return redirect(`/manage/courses/${course.id}/items/${item.key}`);
      }
      case "add-reflection": {
        if (!canAuthor(session.member, course)) forbidden();
        const item = await addItem(context.db, course.id, f.moduleKey, "reflection", f.title.trim() || translate("vi", "reflection.defaultTitle"));
        return redirect(`/manage/courses/${course.id}/items/${item.key}`);
      }
      case "add-live": {
        if (!canAuthor(session.member, course)) forbidden();
        // Only a session the author may see (same 404 as a missing one).
        const s = (await sessionAccess(context.db, scope, f.sessionId))?.session;
        if (!s) throw new DomainError("authoring.error.liveSessionMissing", { key: "", id: f.sessionId }, 404);
        const minutes = Math.max(1, Math.round((s.plannedEndAt.getTime() - s.scheduledStartAt.getTime()) / 60_000));
        await addItem(context.db, course.id, f.moduleKey, "live", translate("vi", "courses.live.itemTitle", { title: s.title }), new Date(), { sessionId: s.id, minutes });
        return ok("common.saved");
      }
      case "live-make-up":
        if (!canAuthor(session.member, course)) forbidden();
        await setLiveItemMakeUp(context.db, course.id, f.itemKey, f.accept === "1");
        return ok("common.saved");
    }
  } catch (e) {
    return domainFailure(e);
  }
}

export default function ManageCourse() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return (
    <>
      <p>
        <Link to="/manage/courses">← {t("manage.courses.title")}</Link>
      </p>
      <h1>{d.course.title}</h1>
      <p className="muted">
        {t(`course.state.${d.course.state}`)}
        {d.version ? ` · ${t("courses.version", { version: d.version })}` : ""} ·{" "}
        <Link to={`/courses/${d.course.slug}`}>{t("courses.outline")}</Link>
      </p>
      <Notice flash={a?.flash} />
      <div className="two-col">
        <section className="card">
          <h2>{t("manage.courses.assignments")}</h2>
          {d.assignments.length === 0 ? <p className="muted">{t("manage.courses.noAssignments")}</p> : null}
          <ul className="tree" data-testid="assignments">
            {d.assignments.map((x) => (
              <li key={x.id}>
                <span>
                  {x.memberId ? `${x.memberName} (${x.memberCode})` : `${x.unitName} (${x.unitCode})`}
                  {x.dueAt ? <span className="muted"> · {t("courses.due", { date: formatDate(x.dueAt) })}</span> : null}
                </span>
                <InlineAction intent="unassign" name="assignmentId" value={x.id}>
                  {t("manage.courses.unassign")}
                </InlineAction>
              </li>
            ))}
          </ul>
        </section>
        <div>
          <section className="card">
            <h2>{t("manage.courses.assign")}</h2>
            <Form method="post">
              <input type="hidden" name="intent" value="assign" />
              <InputField label={t("manage.courses.assignUnit")} name="unitCode" maxLength={64} />
              <InputField label={t("manage.courses.assignMember")} name="memberCode" maxLength={64} />
              <InputField label={t("manage.courses.dueDate")} name="due" type="date" />
              <button type="submit">{t("manage.courses.assign")}</button>
            </Form>
          </section>
          {d.isAdmin ? (
            <section className="card">
              <h2>{t("authoring.structure")}</h2>
              <p className="hint">{t("authoring.draftNote")}</p>
              {d.structure.map((m) => (
                <div key={m.key}>
                  <h3>{m.title}</h3>
                  <ul className="tree">
                    {m.items.map((i) => (
                      <li key={i.key}>
                        <span>{i.title}</span>
                        {i.type === "lesson" ? (
                          <Link to={`/manage/courses/${d.course.id}/items/${i.key}`}>{t("authoring.edit")}</Link>
                        ) : i.type === "reflection" ? (
                          <Link to={`/manage/courses/${d.course.id}/items/${i.key}`}>
                            {t("courses.item.reflection")} · {t("authoring.edit")}
                          </Link>
                        ) : i.type === "live" ? (
                          <>
                            <Link to={`/manage/live/${i.liveSessionId}`}>{t("courses.item.live")}</Link>
                            <Form method="post" className="inline">
                              <input type="hidden" name="intent" value="live-make-up" />
                              <input type="hidden" name="itemKey" value={i.key} />
                              <input type="hidden" name="accept" value={i.acceptMakeUp ? "0" : "1"} />
                              <button type="submit" className="secondary small" aria-pressed={i.acceptMakeUp} data-testid={`make-up-${i.key}`}>
                                {i.acceptMakeUp ? t("courses.live.makeUpAccepted") : t("courses.live.makeUpAccept")}
                              </button>
                            </Form>
                          </>
                        ) : (
                          <Link to={`/manage/courses/${d.course.id}/quizzes/${i.key}`}>
                            {t("courses.item.quiz")} · {t("authoring.edit")}
                          </Link>
                        )}
                      </li>
                    ))}
                  </ul>
                  <Form method="post" className="row">
                    <input type="hidden" name="intent" value="add-lesson" />
                    <input type="hidden" name="moduleKey" value={m.key} />
                    <input name="title" aria-label={t("authoring.addLesson")} placeholder={t("authoring.title")} required maxLength={300} style={{ flex: "1 1 12rem", width: "auto" }} />
                    <button type="submit" className="secondary">
                      {t("authoring.addLesson")}
                    </button>
                  </Form>
                  <Form method="post" className="row">
                    <input type="hidden" name="intent" value="add-reflection" />
                    <input type="hidden" name="moduleKey" value={m.key} />
                    <input name="title" aria-label={t("reflection.add")} placeholder={t("reflection.defaultTitle")} maxLength={300} style={{ flex: "1 1 12rem", width: "auto" }} />
                    <button type="submit" className="secondary" data-testid={`add-reflection-${m.key}`}>
                      {t("reflection.add")}
                    </button>
                  </Form>
                  {d.liveSessions.length > 0 ? (
                    <Form method="post" className="row">
                      <input type="hidden" name="intent" value="add-live" />
                      <input type="hidden" name="moduleKey" value={m.key} />
                      <select name="sessionId" aria-label={t("courses.live.pick")} required style={{ flex: "1 1 12rem", width: "auto" }} data-testid={`live-pick-${m.key}`}>
                        {d.liveSessions.map((s) => (
                          <option key={s.id} value={s.id}>
                            {s.title} — {formatDate(s.start, { dateStyle: "short", timeStyle: "short" })}
                          </option>
                        ))}
                      </select>
                      <button type="submit" className="secondary" data-testid={`add-live-${m.key}`}>
                        {t("courses.live.add")}
                      </button>
                    </Form>
                  ) : null}
                </div>
              ))}
              <Form method="post" className="row" style={{ marginTop: "1rem" }}>
                <input type="hidden" name="intent" value="min-grade" />
                <InputField label={t("authoring.minGrade")} name="minGrade" type="number" min={1} max={100} defaultValue={d.course.minGradePercent ?? ""} />
                <button type="submit" className="secondary">
                  {t("common.save")}
                </button>
              </Form>
              <Form method="post" className="row" style={{ marginTop: "1rem" }}>
                <input type="hidden" name="intent" value="add-module" />
                <input name="title" aria-label={t("authoring.addModule")} placeholder={t("authoring.title")} required maxLength={300} style={{ flex: "1 1 12rem", width: "auto" }} />
                <button type="submit" className="secondary">
                  {t("authoring.addModule")}
                </button>
              </Form>
            </section>
          ) : null}
          {d.isAdmin ? (
            <section className="card row">
              <Form method="post">
                <input type="hidden" name="intent" value="publish" />
                <button type="submit" className="secondary">
                  {t("manage.courses.publish")}
                </button>
              </Form>
              <Form method="post">
                <input type="hidden" name="intent" value="archive" />
                <button type="submit" className="danger">
                  {t("manage.courses.archive")}
                </button>
              </Form>
            </section>
          ) : null}
        </div>
      </div>
    </>
  );
}
