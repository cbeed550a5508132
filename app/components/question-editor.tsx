import { useState, type ReactNode } from "react";
import { Form } from "@remix-run/react";
import type { NumericRow, OptionRow, PairRow, QuestionDraft } from "#app/quizzes/question-draft.ts";
import { useT } from "#app/i18n/use-t.ts";

type T = ReturnType<typeof useT>["t"];

/** Spare blank rows a form shows beyond the filled ones (blank rows are ignored on save). */
const SPARE = 1;

/**
 * The form of one question. Plain fields named like `options.2.text`, so it posts as an ordinary
 * form; rows are added in the browser and a row left blank is dropped on save. Every field keeps
 * what the author typed when the server refuses the question.
 */
export function QuestionEditorForm({ draft, revision, categories }: { draft: QuestionDraft; revision: string; categories: string[] }) {
  const { t } = useT();
  const d = draft;
  return (
    <Form method="post" className="question-editor" data-testid="question-editor">
      <input type="hidden" name="revision" value={revision} />
      <input type="hidden" name="kind" value={d.kind} />
      <input type="hidden" name="format" value={d.format} />
      <Text name="text" label={t("quizEditor.field.text")} value={d.text} rows={3} required />
      <Text name="textAfter" label={t("quizEditor.field.textAfter")} value={d.textAfter} rows={1} />

      {d.kind === "essay" ? (
        <p className="hint" data-testid="essay-hint">
          {t("quizEditor.essayHint")}
        </p>
      ) : null}
      {d.kind === "single" || d.kind === "multiple" ? (
        <Rows
          legend={t("quizEditor.options")}
          hint={t(d.kind === "single" ? "quizEditor.optionsHint.single" : "quizEditor.optionsHint.multiple")}
          rows={d.options}
          blank={{ text: "", percent: "0", feedback: "" }}
          render={(r, i) => <OptionFields list="options" row={r} i={i} t={t} />}
        />
      ) : null}
      {d.kind === "multiple" ? (
        <Choices name="scoring" label={t("quizEditor.field.scoring")} value={d.scoring} options={[["partial", t("quizEditor.scoring.partial")], ["all-or-nothing", t("quizEditor.scoring.all-or-nothing")]]} />
      ) : null}
      {d.kind === "short" ? (
        <>
          <Rows legend={t("quizEditor.answers")} hint={t("quizEditor.answersHint")} rows={d.answers} blank={{ text: "", percent: "100", feedback: "" }} render={(r, i) => <OptionFields list="answers" row={r} i={i} t={t} />} />
          <Check name="ignoreDiacritics" label={t("quizEditor.field.ignoreDiacritics")} checked={d.ignoreDiacritics === "on"} />
        </>
      ) : null}
      {d.kind === "truefalse" ? (
        <>
          <Choices name="correct" label={t("quizEditor.field.correct")} value={d.correct} options={[["true", t("quiz.true")], ["false", t("quiz.false")]]} />
          <Text name="feedbackRight" label={t("quizEditor.field.feedbackRight")} value={d.feedbackRight} rows={1} />
          <Text name="feedbackWrong" label={t("quizEditor.field.feedbackWrong")} value={d.feedbackWrong} rows={1} />
        </>
      ) : null}
      {d.kind === "numerical" ? (
        <>
          <Rows
            legend={t("quizEditor.answers")}
            rows={d.numeric}
            blank={{ mode: "tolerance" as const, value: "", tolerance: "0", min: "", max: "", percent: "100", feedback: "" }}
            render={(r, i) => <NumericFields row={r} i={i} t={t} />}
          />
          <Text name="otherFeedback" label={t("quizEditor.field.otherFeedback")} value={d.otherFeedback} rows={1} />
        </>
      ) : null}
      {d.kind === "matching" ? (
        <>
          <Rows legend={t("quizEditor.pairs")} rows={d.pairs} blank={{ left: "", right: "", feedback: "" }} render={(r, i) => <PairFields row={r} i={i} t={t} />} />
          <Rows
            legend={t("quizEditor.distractors")}
            rows={d.distractors}
            blank=""
            render={(r, i) => <Line name={`distractors.${i}`} label={t("quizEditor.row", { n: i + 1 })} value={r} />}
          />
        </>
      ) : null}
      {d.kind === "single" || d.kind === "multiple" || d.kind === "matching" ? <Check name="shuffle" label={t("quizEditor.field.shuffle")} checked={d.shuffle === "on"} /> : null}

      <div className="row">
        <Line name="category" label={t("quizEditor.field.category")} value={d.category} list="bank-categories" />
        <Line name="weight" label={t("quizEditor.field.weight")} value={d.weight} inputMode="decimal" />
      </div>
      <datalist id="bank-categories">
        {categories.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <Line name="title" label={t("quizEditor.field.title")} value={d.title} />
      <Text name="generalFeedback" label={t("quizEditor.field.generalFeedback")} value={d.generalFeedback} rows={2} />
      <p className="hint">{t("quizEditor.blankRowsHint")}</p>
      <button type="submit" data-testid="save-question">
        {t("quizEditor.save")}
      </button>
    </Form>
  );
}

function Rows<R>({ legend, hint, rows, blank, render }: { legend: string; hint?: string; rows: R[]; blank: R; render: (row: R, i: number) => ReactNode }) {
  const { t } = useT();
  const [list, setList] = useState<R[]>(() => [...rows, ...Array.from({ length: SPARE }, () => blank)]);
  return (
    <fieldset className="editor-rows">
      <legend>{legend}</legend>
      {hint ? <p className="hint">{hint}</p> : null}
      {list.map((r, i) => (
        <div key={i} className="editor-row">
          {render(r, i)}
        </div>
      ))}
      <button type="button" className="secondary" onClick={() => setList((l) => [...l, blank])}>
        {t("quizEditor.addRow")}
      </button>
    </fieldset>
  );
}

function OptionFields({ list, row, i, t }: { list: "options" | "answers"; row: OptionRow; i: number; t: T }) {
  return (
    <div className="row">
      <Line name={`${list}.${i}.text`} label={`${t("quizEditor.field.rowText")} ${i + 1}`} value={row.text} wide />
      <Line name={`${list}.${i}.percent`} label={t("quizEditor.field.percent")} value={row.percent} inputMode="decimal" narrow />
      <Line name={`${list}.${i}.feedback`} label={t("quizEditor.field.feedback")} value={row.feedback} wide />
    </div>
  );
}

function PairFields({ row, i, t }: { row: PairRow; i: number; t: T }) {
  return (
    <div className="row">
      <Line name={`pairs.${i}.left`} label={`${t("quizEditor.field.left")} ${i + 1}`} value={row.left} wide />
      <Line name={`pairs.${i}.right`} label={`${t("quizEditor.field.right")} ${i + 1}`} value={row.right} wide />
      <Line name={`pairs.${i}.feedback`} label={t("quizEditor.field.feedback")} value={row.feedback} wide />
    </div>
  );
}

function NumericFields({ row, i, t }: { row: NumericRow; i: number; t: T }) {
  const [mode, setMode] = useState(row.mode);
  const id = `numeric.${i}.mode`;
  return (
    <div className="row">
      <div className="field">
        <label htmlFor={id}>{`${t("quizEditor.field.mode")} ${i + 1}`}</label>
        <select id={id} name={id} value={mode} onChange={(e) => setMode(e.target.value as NumericRow["mode"])}>
          <option value="tolerance">{t("quizEditor.mode.tolerance")}</option>
          <option value="range">{t("quizEditor.mode.range")}</option>
        </select>
      </div>
      {mode === "tolerance" ? (
        <>
          <Line name={`numeric.${i}.value`} label={t("quizEditor.field.value")} value={row.value} inputMode="decimal" narrow />
          <Line name={`numeric.${i}.tolerance`} label={t("quizEditor.field.tolerance")} value={row.tolerance} inputMode="decimal" narrow />
        </>
      ) : (
        <>
          <Line name={`numeric.${i}.min`} label={t("quizEditor.field.min")} value={row.min} inputMode="decimal" narrow />
          <Line name={`numeric.${i}.max`} label={t("quizEditor.field.max")} value={row.max} inputMode="decimal" narrow />
        </>
      )}
      <Line name={`numeric.${i}.percent`} label={t("quizEditor.field.percent")} value={row.percent} inputMode="decimal" narrow />
      <Line name={`numeric.${i}.feedback`} label={t("quizEditor.field.feedback")} value={row.feedback} wide />
    </div>
  );
}

function Line({ name, label, value, inputMode, list, wide, narrow }: { name: string; label: string; value: string; inputMode?: "decimal"; list?: string; wide?: boolean; narrow?: boolean }) {
  return (
    <div className={`field${wide ? " field-wide" : ""}${narrow ? " field-narrow" : ""}`}>
      <label htmlFor={name}>{label}</label>
      <input id={name} name={name} defaultValue={value} inputMode={inputMode} list={list} autoComplete="off" />
    </div>
  );
}

function Text({ name, label, value, rows, required }: { name: string; label: string; value: string; rows: number; required?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <textarea id={name} name={name} defaultValue={value} rows={rows} required={required} />
    </div>
  );
}

function Check({ name, label, checked }: { name: string; label: string; checked: boolean }) {
  return (
    <label className="choice">
      <input type="checkbox" name={name} value="on" defaultChecked={checked} /> {label}
    </label>
  );
}

function Choices({ name, label, value, options }: { name: string; label: string; value: string; options: [string, string][] }) {
  return (
    <fieldset className="editor-rows">
      <legend>{label}</legend>
      {options.map(([v, text]) => (
        <label key={v} className="choice">
          <input type="radio" name={name} value={v} defaultChecked={value === v} /> {text}
        </label>
      ))}
    </fieldset>
  );
}
