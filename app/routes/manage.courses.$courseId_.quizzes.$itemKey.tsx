import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type LinksFunction } from "@remix-run/node";
import { parseLocalDateTime } from "#app/common/vietnam-time.ts";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireAuthorableCourse } from "#app/courses/access.server.ts";
import { bankSource, importGiftFile } from "#app/quizzes/bank.server.ts";
import { saveQuizSettings, settingsFor } from "#app/quizzes/attempts.server.ts";
import { parseGift } from "#app/quizzes/gift.ts";
import { deleteQuestion, editableBank, moveQuestion, previewOf } from "#app/quizzes/bank-editor.server.ts";
import { domainFailure, parseId, readMultipart } from "#app/http/forms.server.ts";
import { GIFT_MAX_BYTES } from "#app/http/body-limits.ts";
import { QUIZ_COMPLETION_RULES, REVIEW_ANSWERS } from "#db/schema/enums.ts";
import { Field, Notice, type Flash, InputField } from "#app/components/ui.tsx";
import { QuestionBankList } from "#app/components/question-bank-list.tsx";
import { useT } from "#app/i18n/use-t.ts";
import editorCss from "#app/styles/quiz-editor.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: editorCss }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const source = await bankSource(context.db, course.id, params.itemKey ?? "");
  const parsed = parseGift(source);
  const byKind: Record<string, number> = {};
  for (const q of parsed.questions) byKind[q.kind] = (byKind[q.kind] ?? 0) + 1;
  const categories = [...new Set(parsed.questions.map((q) => q.category.join("/")))];
  const s = await settingsFor(context.db, course.id, params.itemKey ?? "");
  const bank = await editableBank(context.db, course.id, params.itemKey ?? "");
  const saved = Number(new URL(request.url).searchParams.get("saved"));
  return {
    course: { id: course.id, title: course.title },
    itemKey: params.itemKey!,
    questions: parsed.questions.length,
    byKind,
    categories,
    problems: parsed.problems.map((p) => ({ line: p.line, vi: p.message.vi, en: p.message.en })),
    settings: { ...s, draw: (s.draw as { category: string | null; count: number | null }[] | null) ?? null },
    editor: {
      revision: bank.revision,
      blocked: bank.problems.length > 0,
      items: bank.questions.map((q) => ({
        kind: q.kind,
        title: q.title ?? null,
        text: q.text,
        category: q.category.join("/"),
        weight: q.weight,
        preview: previewOf(q, s.shuffle),
      })),
    },
    saved: Number.isInteger(saved) && saved > 0 && saved <= bank.questions.length ? saved : null,
  };
}

/** The list's own forms: moving and deleting a question (adding and editing have their own page). */
const listIntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("question.move"), revision: z.string().max(64), from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(0) }),
  z.object({ intent: z.literal("question.delete"), revision: z.string().max(64), index: z.coerce.number().int().min(0) }),
]);

const optionalInt = (min: number, max: number) => z.union([z.literal("").transform(() => null), z.coerce.number().int().min(min).max(max)]);
const optionalDate = z.union([z.literal("").transform(() => null), z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/).transform((v, ctx) => parseLocalDateTime(v) ?? (ctx.addIssue({ code: "custom" }), z.NEVER))]);
const settingsSchema = z.object({
  passPercent: z.coerce.number().int().min(0).max(100),
  attemptsAllowed: z.coerce.number().int().min(0).max(100),
  timeLimitMinutes: optionalInt(1, 600),
  openAt: optionalDate,
  closeAt: optionalDate,
  drawCategory: z.string().max(200).optional().default(""),
  drawCount: optionalInt(1, 1000).optional().default(""),
  shuffle: z.literal("on").optional(),
  reviewCorrectness: z.literal("on").optional(),
  reviewFeedback: z.literal("on").optional(),
  reviewAnswers: z.enum(REVIEW_ANSWERS),
  completionRule: z.enum(QUIZ_COMPLETION_RULES),
});

type Result = { flash?: Flash; imported?: { questions: number; problems: { line: number; vi: string; en: string }[] }; editErrors?: { vi: string; en: string }[] };

export async function action({ request, params, context }: ActionFunctionArgs): Promise<Result | ReturnType<typeof data<Result>>> {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const itemKey = params.itemKey ?? "";
  await bankSource(context.db, course.id, itemKey);
  if ((request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
    const read = await readMultipart(request, GIFT_MAX_BYTES);
    if (!read.ok) {
      const key = read.reason === "too-large" ? "upload.error.size" : "error.malformedUpload";
      return data<Result>({ flash: { key, params: { mb: GIFT_MAX_BYTES >> 20 }, tone: "error" } }, { status: read.reason === "too-large" ? 413 : 400 });
    }
    const form = read.form;
    const file = form.get("gift");
    if (!(file instanceof File) || file.size === 0) return { flash: { key: "import.fileMissing", tone: "error" } };
    const r = await importGiftFile(context.db, course.id, itemKey, new Uint8Array(await file.arrayBuffer()));
    const refused = r.problems.length === 1 && r.problems[0]!.code === "encoding";
    return {
      flash: refused
        ? { key: "quizAdmin.fileRefused", tone: "error" }
        : { key: "quizAdmin.imported", params: { n: r.questions, rejected: r.problems.length }, tone: r.questions ? "ok" : "error" },
      imported: { questions: r.questions, problems: r.problems.map((p) => ({ line: p.line, vi: p.message.vi, en: p.message.en })) },
    };
  }
  const raw = Object.fromEntries(await request.formData());
  if (typeof raw.intent === "string" && raw.intent.startsWith("question.")) {
    const cmd = listIntentSchema.safeParse(raw);
    if (!cmd.success) return data<Result>({ flash: { key: "error.badRequest", tone: "error" } }, { status: 400 });
    try {
      const c = cmd.data;
      const r = c.intent === "question.move" ? await moveQuestion(context.db, course.id, itemKey, c) : await deleteQuestion(context.db, course.id, itemKey, c);
      // Lists and moves never build a question, so a refusal here is the bank's (its reread), shown as is.
      if (!r.ok) return data<Result>({ flash: { key: "error.badRequest", tone: "error" }, editErrors: r.errors }, { status: 422 });
      return { flash: { key: c.intent === "question.move" ? "quizEditor.moved" : "quizEditor.deleted", tone: "ok" } };
    } catch (e) {
      return domainFailure(e);
    }
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) return { flash: { key: "error.badRequest", tone: "error" } };
  const f = parsed.data;
  if (f.openAt && f.closeAt && f.closeAt <= f.openAt) return { flash: { key: "quizAdmin.error.window", tone: "error" } };
  await saveQuizSettings(context.db, course.id, itemKey, {
    passPercent: f.passPercent,
    attemptsAllowed: f.attemptsAllowed,
    timeLimitSeconds: f.timeLimitMinutes ? f.timeLimitMinutes * 60 : null,
    openAt: f.openAt,
    closeAt: f.closeAt,
    draw: f.drawCount ? [{ category: f.drawCategory || null, count: f.drawCount }] : null,
    shuffle: f.shuffle === "on",
    reviewCorrectness: f.reviewCorrectness === "on",
    reviewFeedback: f.reviewFeedback === "on",
    reviewAnswers: f.reviewAnswers,
    completionRule: f.completionRule,
  });
  return { flash: { key: "common.saved", tone: "ok" } };
}

const local = (d: Date | string | null) => (d ? new Date(new Date(d).getTime() + 7 * 3600_000).toISOString().slice(0, 16) : "");

export default function QuizAdmin() {
  const { t, locale } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const s = d.settings;
  const problems = a?.imported?.problems ?? d.problems;
  return (
    <>
      <p>
        <Link to={`/manage/courses/${d.course.id}`}>← {d.course.title}</Link>
      </p>
      <h1>{t("quizAdmin.title", { key: d.itemKey })}</h1>
      <p className="hint">{t("authoring.draftNote")}</p>
      <Notice flash={a?.flash ?? (d.saved ? { key: "quizEditor.saved", params: { n: d.saved }, tone: "ok" } : null)} />
      {a?.editErrors?.length ? (
        <ul className="notice notice-error" role="alert">
          {a.editErrors.map((m, i) => (
            <li key={i}>{locale === "vi" ? m.vi : m.en}</li>
          ))}
        </ul>
      ) : null}
      <QuestionBankList base={`/manage/courses/${d.course.id}/quizzes/${d.itemKey}`} revision={d.editor.revision} blocked={d.editor.blocked} items={d.editor.items} />
      <div className="two-col">
        <section className="card">
          <h2>{t("quizAdmin.bank")}</h2>
          <p data-testid="bank-summary">
            {t("quiz.intro.questions", { count: d.questions })}: {Object.entries(d.byKind).map(([k, n]) => `${k} ${n}`).join(", ")}
          </p>
          <p className="muted">{t("quizAdmin.categories", { list: d.categories.join(", ") || "—" })}</p>
          <p>
            <a href={`/manage/courses/${d.course.id}/quizzes/${d.itemKey}/gift`} className="button secondary">
              {t("quizAdmin.download")}
            </a>
          </p>
          <Form method="post" encType="multipart/form-data" reloadDocument>
            <InputField label={t("quizAdmin.upload")} name="gift" hint={t("quizAdmin.uploadHint")} type="file" accept=".gift,.txt,text/plain" required />
            <button type="submit">{t("quizAdmin.replace")}</button>
          </Form>
          {problems.length ? (
            <>
              <h3>{t("quizAdmin.problems")}</h3>
              <ul data-testid="gift-problems">
                {problems.map((p, i) => (
                  <li key={i}>{`${t("import.line")} ${p.line}: ${locale === "vi" ? p.vi : p.en}`}</li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
        <section className="card">
          <h2>{t("quizAdmin.settings")}</h2>
          <Form method="post">
            <InputField label={t("quizAdmin.passPercent")} name="passPercent" type="number" min={0} max={100} defaultValue={s.passPercent} required />
            <InputField label={t("quizAdmin.attempts")} name="attemptsAllowed" type="number" min={0} max={100} defaultValue={s.attemptsAllowed} required />
            <InputField label={t("quizAdmin.timeLimit")} name="timeLimitMinutes" type="number" min={1} max={600} defaultValue={s.timeLimitSeconds ? s.timeLimitSeconds / 60 : ""} />
            <InputField label={t("quizAdmin.openAt")} name="openAt" type="datetime-local" defaultValue={local(s.openAt)} />
            <InputField label={t("quizAdmin.closeAt")} name="closeAt" type="datetime-local" defaultValue={local(s.closeAt)} />
            <InputField label={t("quizAdmin.drawCount")} name="drawCount" type="number" min={1} defaultValue={s.draw?.[0]?.count ?? ""} />
            <Field label={t("quizAdmin.drawCategory")} name="drawCategory">
              <select id="drawCategory" name="drawCategory" defaultValue={s.draw?.[0]?.category ?? ""}>
                <option value="">—</option>
                {d.categories.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </Field>
            {(["shuffle", "reviewCorrectness", "reviewFeedback"] as const).map((k) => (
              <label key={k} className="choice">
                <input type="checkbox" name={k} defaultChecked={s[k]} /> {t(`quizAdmin.${k}`)}
              </label>
            ))}
            <Field label={t("quizAdmin.reviewAnswers")} name="reviewAnswers">
              <select id="reviewAnswers" name="reviewAnswers" defaultValue={s.reviewAnswers}>
                {REVIEW_ANSWERS.map((r) => (
                  <option key={r} value={r}>
                    {t(`quizAdmin.review.${r}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t("quizAdmin.completionRule")} name="completionRule">
              <select id="completionRule" name="completionRule" defaultValue={s.completionRule}>
                <option value="pass">{t("quizAdmin.rule.pass")}</option>
                <option value="attempt">{t("quizAdmin.rule.attempt")}</option>
              </select>
            </Field>
            <button type="submit">{t("common.save")}</button>
          </Form>
        </section>
      </div>
    </>
  );
}
