import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, type LinksFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireAuthorableCourse } from "#app/courses/access.server.ts";
import { editableBank, previewOf, saveQuestion } from "#app/quizzes/bank-editor.server.ts";
import { EDITABLE_KINDS, blankDraft, compactDraft, draftOfQuestion, nestFormEntries, questionDraftSchema, type QuestionDraft } from "#app/quizzes/question-draft.ts";
import { settingsFor } from "#app/quizzes/attempts.server.ts";
import { domainFailure, parseId } from "#app/http/forms.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { Notice, type Flash } from "#app/components/ui.tsx";
import { QuestionEditorForm } from "#app/components/question-editor.tsx";
import { QuestionPreview } from "#app/components/quiz.tsx";
import { useT } from "#app/i18n/use-t.ts";
import editorCss from "#app/styles/quiz-editor.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: editorCss }];

export const meta: MetaFunction = () => [{ title: "Câu hỏi — Học Số" }];

/** `new` or the question's 1-based number in the bank; anything else is 404. */
const questionParam = z.union([z.literal("new").transform(() => null), z.string().regex(/^[1-9][0-9]{0,4}$/).transform((n) => Number(n) - 1)]);

async function target(request: Request, context: LoaderFunctionArgs["context"], params: LoaderFunctionArgs["params"]) {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const index = questionParam.safeParse(params.question);
  if (!index.success) throw new Response("Not Found", { status: 404 });
  return { course, itemKey: params.itemKey ?? "", index: index.data };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { course, itemKey, index } = await target(request, context, params);
  let bank: Awaited<ReturnType<typeof editableBank>>;
  try {
    bank = await editableBank(context.db, course.id, itemKey);
  } catch (e) {
    if (e instanceof DomainError) throw new Response("Not Found", { status: 404 });
    throw e;
  }
  // The author page says why such a bank cannot be edited here (and lists its problems).
  if (bank.problems.length) throw redirect(`/manage/courses/${course.id}/quizzes/${itemKey}`);
  const question = index === null ? null : bank.questions[index];
  if (index !== null && !question) throw new Response("Not Found", { status: 404 });
  const kind = z.enum(EDITABLE_KINDS).catch("single").parse(new URL(request.url).searchParams.get("kind"));
  return {
    course: { id: course.id, title: course.title },
    itemKey,
    number: index === null ? null : index + 1,
    revision: bank.revision,
    draft: question ? draftOfQuestion(question) : blankDraft(kind),
    preview: question ? previewOf(question, (await settingsFor(context.db, course.id, itemKey)).shuffle) : null,
    categories: [...new Set(bank.questions.map((q) => q.category.join("/")).filter((c) => c !== ""))],
  };
}

type Refused = { flash?: Flash; errors?: { vi: string; en: string }[]; draft: QuestionDraft; nonce: number };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { course, itemKey, index } = await target(request, context, params);
  const entries = nestFormEntries((await request.formData()).entries());
  const revision = z.string().max(64).safeParse(entries.revision);
  const draft = questionDraftSchema.safeParse(entries);
  if (!revision.success || !draft.success) throw new Response("Bad Request", { status: 400 });
  const nonce = Date.now();
  try {
    const r = await saveQuestion(context.db, course.id, itemKey, { revision: revision.data, index, draft: draft.data });
    if (!r.ok) return data<Refused>({ errors: r.errors, draft: compactDraft(draft.data), nonce }, { status: 422 });
    return redirect(`/manage/courses/${course.id}/quizzes/${itemKey}?saved=${r.index + 1}#question-${r.index + 1}`);
  } catch (e) {
    // The refusal (a stale page, a question gone) keeps what the author typed on the page.
    const failure = domainFailure(e);
    return data<Refused>({ flash: failure.data.flash, draft: compactDraft(draft.data), nonce }, { status: failure.init?.status ?? 400 });
  }
}

export default function QuestionPage() {
  const { t, locale } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const kind = t(`quizEditor.kind.${d.draft.kind}`);
  const back = `/manage/courses/${d.course.id}/quizzes/${d.itemKey}`;
  return (
    <>
      <p>
        <Link to={`${back}#questions`}>← {t("quizEditor.back")}</Link> · {d.course.title}
      </p>
      <h1>{d.number === null ? t("quizEditor.newTitle", { kind }) : t("quizEditor.editTitle", { n: d.number, kind })}</h1>
      <p className="hint">{t("quizEditor.draftNote")}</p>
      <Notice flash={a?.flash} />
      {a?.errors?.length ? (
        <div className="notice notice-error" role="alert" data-testid="question-errors">
          <p>{t("quizEditor.notSaved")}</p>
          <ul>
            {a.errors.map((m, i) => (
              <li key={i}>{locale === "vi" ? m.vi : m.en}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="two-col">
        <section className="card">
          <QuestionEditorForm key={a?.nonce ?? "loaded"} draft={a?.draft ?? d.draft} revision={d.revision} categories={d.categories} />
        </section>
        {d.preview ? (
          <section className="card question" aria-label={t("quizEditor.preview")}>
            <h2>{t("quizEditor.preview")}</h2>
            <QuestionPreview q={d.preview} />
          </section>
        ) : null}
      </div>
    </>
  );
}
