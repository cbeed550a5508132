import { Form, Link } from "@remix-run/react";
import type { PresentedQuestion } from "#app/quizzes/grading.ts";
import type { QuestionKind } from "#app/quizzes/types.ts";
import { EDITABLE_KINDS } from "#app/quizzes/question-draft.ts";
import { QuestionPreview } from "#app/components/quiz.tsx";
import { useT } from "#app/i18n/use-t.ts";

export type BankListItem = {
  kind: QuestionKind;
  title: string | null;
  text: string;
  category: string;
  weight: number;
  /** What a member would be shown: texts and opaque ids, no answers. */
  preview: PresentedQuestion;
};

/**
 * The bank's questions on the quiz author page: add, edit, move, delete, and a preview of each as a
 * member sees it. Every form carries the bank's revision, so an edit made on a page older than the
 * bank is refused instead of landing on the wrong question.
 */
export function QuestionBankList({ base, revision, blocked, items }: { base: string; revision: string; blocked: boolean; items: BankListItem[] }) {
  const { t } = useT();
  // GIFT writes uncategorised questions first: a move across that line would be undone on save.
  const group = (i: number) => (items[i]!.category === "" ? 0 : 1);
  return (
    <section className="card" id="questions" aria-labelledby="questions-title">
      <h2 id="questions-title">{t("quizEditor.questions")}</h2>
      <p className="hint">{t("quizEditor.draftNote")}</p>
      {blocked ? (
        <p className="notice notice-warn" data-testid="editor-blocked">
          {t("quizEditor.blocked")}
        </p>
      ) : (
        <Form method="get" action={`${base}/questions/new`} className="row">
          <div className="field">
            <label htmlFor="new-kind">{t("quizEditor.addKind")}</label>
            <select id="new-kind" name="kind" defaultValue="single">
              {EDITABLE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`quizEditor.kind.${k}`)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="field">
            {t("quizEditor.add")}
          </button>
        </Form>
      )}
      {items.length === 0 ? <p className="muted">{t("quizEditor.empty")}</p> : null}
      <ol className="bank-list">
        {items.map((q, i) => {
          const n = i + 1;
          const canUp = i > 0 && group(i - 1) === group(i);
          const canDown = i < items.length - 1 && group(i + 1) === group(i);
          return (
            <li key={`${n}-${q.preview.id}`} id={`question-${n}`} className="bank-question" data-testid="bank-question">
              <p className="bank-question-head">
                <b>{n}.</b> <span className="badge">{t(`quizEditor.kind.${q.kind}`)}</span> <span className="badge">{q.category || t("quizEditor.uncategorised")}</span>{" "}
                <span className="muted">{t("quizEditor.marks", { n: q.weight })}</span>
                {q.title ? <span className="muted"> · {q.title}</span> : null}
              </p>
              <p className="question-text bank-question-text">
                {q.text}
                {q.preview.textAfter !== undefined ? <> _____ {q.preview.textAfter}</> : null}
              </p>
              {blocked ? null : (
                <div className="bank-question-tools">
                  <Link to={`${base}/questions/${n}`} className="button secondary" aria-label={`${t("quizEditor.edit")} ${n}`}>
                    {t("quizEditor.edit")}
                  </Link>
                  <MoveButton revision={revision} from={i} to={i - 1} disabled={!canUp} label={t("quizEditor.moveUp", { n })} glyph="↑" />
                  <MoveButton revision={revision} from={i} to={i + 1} disabled={!canDown} label={t("quizEditor.moveDown", { n })} glyph="↓" />
                  <Form
                    method="post"
                    className="inline"
                    onSubmit={(e) => {
                      if (!window.confirm(t("quizEditor.confirmDelete", { n }))) e.preventDefault();
                    }}
                  >
                    <input type="hidden" name="intent" value="question.delete" />
                    <input type="hidden" name="revision" value={revision} />
                    <input type="hidden" name="index" value={i} />
                    <button type="submit" className="danger" aria-label={`${t("quizEditor.delete")} ${n}`}>
                      {t("quizEditor.delete")}
                    </button>
                  </Form>
                </div>
              )}
              <details className="bank-preview">
                <summary>{t("quizEditor.preview")}</summary>
                <div className="question">
                  <QuestionPreview q={q.preview} />
                </div>
              </details>
            </li>
          );
        })}
      </ol>
      {items.length > 1 ? <p className="hint">{t("quizEditor.orderHint")}</p> : null}
    </section>
  );
}

function MoveButton({ revision, from, to, disabled, label, glyph }: { revision: string; from: number; to: number; disabled: boolean; label: string; glyph: string }) {
  return (
    <Form method="post" className="inline">
      <input type="hidden" name="intent" value="question.move" />
      <input type="hidden" name="revision" value={revision} />
      <input type="hidden" name="from" value={from} />
      <input type="hidden" name="to" value={to} />
      <button type="submit" className="tool" disabled={disabled} aria-label={label} title={label}>
        {glyph}
      </button>
    </Form>
  );
}
