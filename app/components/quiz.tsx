import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { useRevalidator, useSubmit } from "@remix-run/react";
import type { PresentedQuestion, ReviewItem } from "#app/quizzes/grading.ts";
import { useT } from "#app/i18n/use-t.ts";

type Presented = PresentedQuestion & { number: number };
type AttemptView = { id: number; attemptNo: number; deadlineAt: Date | string | null; questions: Presented[]; answers: Record<string, unknown> };
type SaveState = "idle" | "saving" | "saved" | "error";

const SAVE_DELAY_MS = 500;

function formatLeft(ms: number) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h > 0 ? `${h}:` : ""}${String(m).padStart(h > 0 ? 2 : 1, "0")}:${String(sec).padStart(2, "0")}`;
}

/**
 * The attempt form. Every change is saved to the server shortly after it is made (a lost
 * connection keeps the answer here and retries), and the time left is counted from the
 * server's clock, not the phone's.
 */
export function QuizForm({ attempt, serverNow }: { attempt: AttemptView; serverNow: number }) {
  const { t } = useT();
  const submit = useSubmit();
  const revalidator = useRevalidator();
  const [responses, setResponses] = useState<Record<string, unknown>>(attempt.answers);
  const [state, setState] = useState<SaveState>("idle");
  const [error, setError] = useState("");
  const pending = useRef(new Map<string, unknown>());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const offset = useRef(0);
  const [now, setNow] = useState<number | null>(null);
  const deadline = attempt.deadlineAt ? new Date(attempt.deadlineAt).getTime() : null;

  useEffect(() => {
    offset.current = serverNow - Date.now();
    setNow(Date.now() + offset.current);
    const i = setInterval(() => setNow(Date.now() + offset.current), 1000);
    return () => clearInterval(i);
  }, [serverNow]);

  const send = useCallback(
    async (questionId: string) => {
      const response = pending.current.get(questionId);
      if (response === undefined) return true;
      setState("saving");
      try {
        const res = await fetch(`/api/quiz/${attempt.id}`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ questionId, response }),
        });
        const body = (await res.json().catch(() => null)) as { ok?: boolean; code?: string; message?: string } | null;
        if (res.ok && body?.ok) {
          if (pending.current.get(questionId) === response) pending.current.delete(questionId);
          setState(pending.current.size ? "saving" : "saved");
          return true;
        }
        if (body?.code === "quiz.error.timeUp" || body?.code === "quiz.error.notOpenAttempt") {
          revalidator.revalidate();
          return false;
        }
        setError(body?.message ?? `HTTP ${res.status}`);
        setState("error");
        return false;
      } catch {
        setError("offline");
        setState("error");
        return false;
      }
    },
    [attempt.id, revalidator],
  );

  const flush = useCallback(async () => {
    for (const id of [...pending.current.keys()]) await send(id);
    return pending.current.size === 0;
  }, [send]);

  // Retry what could not be saved when the network returns, and every few seconds meanwhile.
  useEffect(() => {
    const retry = () => void flush();
    window.addEventListener("online", retry);
    const i = setInterval(() => pending.current.size && retry(), 5000);
    return () => {
      window.removeEventListener("online", retry);
      clearInterval(i);
    };
  }, [flush]);

  const answer = (questionId: string, response: unknown) => {
    setResponses((r) => ({ ...r, [questionId]: response }));
    pending.current.set(questionId, response);
    const old = timers.current.get(questionId);
    if (old) clearTimeout(old);
    timers.current.set(questionId, setTimeout(() => void send(questionId), SAVE_DELAY_MS));
  };

  const doSubmit = async (ask: boolean) => {
    if (ask && !window.confirm(t("quiz.confirmSubmit"))) return;
    await flush();
    submit({ intent: "submit" }, { method: "post" });
  };

  const left = deadline !== null && now !== null ? deadline - now : null;
  const submitted = useRef(false);
  useEffect(() => {
    if (left !== null && left <= 0 && !submitted.current) {
      submitted.current = true;
      void doSubmit(false);
    }
  });

  const answered = attempt.questions.filter((q) => isAnswered(responses[q.id])).length;
  return (
    <>
      <div className="quiz-bar" role="status" aria-live="polite">
        <span data-testid="time-left">{left === null ? "" : left > 0 ? t("quiz.timeLeft", { time: formatLeft(left) }) : t("quiz.noTimeLeft")}</span>
        <span>{t("quiz.answered", { n: answered, total: attempt.questions.length })}</span>
        <span data-testid="save-state" className={state === "error" ? "save-error" : "muted"}>
          {state === "saving" ? t("quiz.saving") : state === "saved" ? t("quiz.saved") : state === "error" ? t("quiz.saveFailed", { reason: error }) : ""}
        </span>
      </div>
      <ol className="questions">
        {attempt.questions.map((q) => (
          <li key={q.id} className="card question" data-question={q.id}>
            <h2>{t("quiz.question", { n: q.number })}</h2>
            <QuestionInput q={q} value={responses[q.id]} onChange={(r) => answer(q.id, r)} />
          </li>
        ))}
      </ol>
      <p>
        <button type="button" onClick={() => void doSubmit(true)} data-testid="submit-quiz">
          {t("quiz.submit")}
        </button>
      </p>
    </>
  );
}

/**
 * One question exactly as a member sees it during an attempt (the same inputs, the same
 * presentation), answerable but saved nowhere: the author's preview in the bank editor.
 */
export function QuestionPreview({ q }: { q: PresentedQuestion }) {
  const [value, setValue] = useState<unknown>(undefined);
  return <QuestionInput q={{ ...q, number: 0 }} value={value} onChange={setValue} />;
}

function isAnswered(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  const o = v as Record<string, unknown>;
  if ("choice" in o) return o.choice !== null;
  if ("choices" in o) return Array.isArray(o.choices) && o.choices.length > 0;
  if ("value" in o) return o.value !== null && o.value !== "";
  if ("text" in o) return String(o.text).trim() !== "";
  if ("pairs" in o) return Object.keys(o.pairs as object).length > 0;
  if ("order" in o) return true;
  return false;
}

function Text({ q }: { q: Presented }) {
  // Question text is shown as plain text, whatever format it was written in: never as HTML.
  return (
    <p className="question-text">
      {q.text}
      {"textAfter" in q && q.textAfter !== undefined ? <> _____ {q.textAfter}</> : null}
    </p>
  );
}

/** A question answered with several controls (options, pairs): the question text is their legend. */
function QuestionGroup({ q, children }: { q: Presented; children: ReactNode }) {
  return (
    <fieldset>
      <legend>
        <Text q={q} />
      </legend>
      {children}
    </fieldset>
  );
}

/** A question answered in one control named `name`: the question text is its label. */
function QuestionField({ q, name, children }: { q: Presented; name: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={name}>
        <Text q={q} />
      </label>
      {children}
    </div>
  );
}

function QuestionInput({ q, value, onChange }: { q: Presented; value: unknown; onChange: (r: unknown) => void }) {
  const { t } = useT();
  const v = (value ?? {}) as Record<string, unknown>;
  const name = `q-${q.id}`;
  switch (q.kind) {
    case "single":
      return (
        <QuestionGroup q={q}>
          {q.options.map((o) => (
            <label key={o.id} className="choice">
              <input type="radio" name={name} value={o.id} checked={v.choice === o.id} onChange={() => onChange({ choice: o.id })} /> {o.text}
            </label>
          ))}
        </QuestionGroup>
      );
    case "multiple": {
      const chosen = new Set((v.choices as string[] | undefined) ?? []);
      return (
        <QuestionGroup q={q}>
          {q.options.map((o) => (
            <label key={o.id} className="choice">
              <input
                type="checkbox"
                name={name}
                value={o.id}
                checked={chosen.has(o.id)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(o.id);
                  else next.delete(o.id);
                  onChange({ choices: [...next] });
                }}
              />{" "}
              {o.text}
            </label>
          ))}
        </QuestionGroup>
      );
    }
    case "truefalse":
      return (
        <QuestionGroup q={q}>
          {[true, false].map((b) => (
            <label key={String(b)} className="choice">
              <input type="radio" name={name} checked={v.value === b} onChange={() => onChange({ value: b })} /> {b ? t("quiz.true") : t("quiz.false")}
            </label>
          ))}
        </QuestionGroup>
      );
    case "short":
    case "numerical":
      return (
        <QuestionField q={q} name={name}>
          <input
            id={name}
            name={name}
            inputMode={q.kind === "numerical" ? "decimal" : "text"}
            autoComplete="off"
            maxLength={500}
            value={String((q.kind === "short" ? v.text : v.value) ?? "")}
            onChange={(e) => onChange(q.kind === "short" ? { text: e.target.value } : { value: e.target.value })}
            aria-label={t("quiz.yourAnswer")}
          />
        </QuestionField>
      );
    case "matching": {
      const pairs = (v.pairs as Record<string, string> | undefined) ?? {};
      return (
        <QuestionGroup q={q}>
          {q.stems.map((s) => (
            <div key={s.id} className="field match-row">
              <label htmlFor={`${name}-${s.id}`}>{s.text}</label>
              <select
                id={`${name}-${s.id}`}
                value={pairs[s.id] ?? ""}
                onChange={(e) => {
                  const next = { ...pairs };
                  if (e.target.value) next[s.id] = e.target.value;
                  else delete next[s.id];
                  onChange({ pairs: next });
                }}
              >
                <option value="">{t("quiz.choose")}</option>
                {q.choices.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.text}
                  </option>
                ))}
              </select>
            </div>
          ))}
        </QuestionGroup>
      );
    }
    case "essay": {
      const text = String(v.text ?? "");
      return (
        <QuestionField q={q} name={name}>
          <textarea
            id={name}
            name={name}
            rows={10}
            maxLength={q.maxChars}
            value={text}
            onChange={(e) => onChange({ text: e.target.value })}
            aria-describedby={`${name}-count`}
            data-testid="essay-input"
          />
          <small id={`${name}-count`} className="muted">
            {t("quiz.essay.chars", { n: [...text].length, max: q.maxChars })}
          </small>
        </QuestionField>
      );
    }
    case "ordering": {
      const order = ((v.order as string[] | undefined) ?? q.items.map((i) => i.id)).filter((id) => q.items.some((i) => i.id === id));
      const byId = new Map(q.items.map((i) => [i.id, i]));
      const move = (from: number, to: number) => {
        const next = [...order];
        const [x] = next.splice(from, 1);
        next.splice(to, 0, x);
        onChange({ order: next });
      };
      return (
        <QuestionGroup q={q}>
          <ol className="ordering">
            {order.map((id, i) => (
              <li key={id}>
                <span>{byId.get(id)?.text}</span>
                <span>
                  <button type="button" className="tool" disabled={i === 0} onClick={() => move(i, i - 1)} aria-label="↑">
                    ↑
                  </button>
                  <button type="button" className="tool" disabled={i === order.length - 1} onClick={() => move(i, i + 1)} aria-label="↓">
                    ↓
                  </button>
                </span>
              </li>
            ))}
          </ol>
        </QuestionGroup>
      );
    }
  }
}

function describe(q: PresentedQuestion, r: unknown, t: ReturnType<typeof useT>["t"]): string {
  if (r === null || r === undefined) return t("quiz.notAnswered");
  const o = r as Record<string, unknown>;
  const text = (ids: string[], list: { id: string; text: string }[]) => ids.map((id) => list.find((x) => x.id === id)?.text ?? "?").join("; ");
  switch (q.kind) {
    case "single":
      return o.choice ? text([String(o.choice)], q.options) : t("quiz.notAnswered");
    case "multiple":
      return text((o.choices as string[]) ?? [], q.options) || t("quiz.notAnswered");
    case "truefalse":
      return o.value === null || o.value === undefined ? t("quiz.notAnswered") : o.value ? t("quiz.true") : t("quiz.false");
    case "short":
      return String(o.text ?? "");
    case "numerical":
      return String(o.value ?? "");
    case "matching":
      return q.stems.map((s) => `${s.text} → ${q.choices.find((c) => c.id === (o.pairs as Record<string, string>)?.[s.id])?.text ?? "?"}`).join("; ");
    case "ordering":
      return text((o.order as string[]) ?? [], q.items);
    case "essay":
      return String(o.text ?? "").trim() || t("quiz.notAnswered");
  }
}

export function QuizReview({ items }: { items: ReviewItem[] }) {
  const { t } = useT();
  return (
    <ol className="questions" data-testid="review">
      {items.map((it) => (
        <li key={it.number} className="card question">
          <h2>{t("quiz.question", { n: it.number })}</h2>
          <p className="question-text">{it.question.text}</p>
          {it.essay ? <EssayReview it={it} essay={it.essay} /> : <AutoReview it={it} />}
        </li>
      ))}
    </ol>
  );
}

function AutoReview({ it }: { it: ReviewItem }) {
  const { t } = useT();
  return (
    <>
      <p>
        <b>{t("quiz.yourAnswer")}:</b> {describe(it.question, it.response, t)}{" "}
        {it.correct === null ? null : (
          <span className={`badge ${it.correct ? "badge-ok" : (it.score ?? 0) > 0 ? "badge-warn" : "badge-err"}`}>
            {it.correct ? t("quiz.correct") : (it.score ?? 0) > 0 ? t("quiz.partial") : t("quiz.incorrect")}
          </span>
        )}
      </p>
      {it.feedback.map((f, i) => (
        <p key={i} className="hint">
          {f}
        </p>
      ))}
      {it.correctResponse ? (
        <p>
          <b>{t("quiz.correctAnswer")}:</b> {describe(it.question, it.correctResponse, t)}
        </p>
      ) : null}
      {it.generalFeedback ? <p className="hint">{it.generalFeedback}</p> : null}
    </>
  );
}

/** An essay: the member's own text, "awaiting grading" until the attempt is final, then the points and comment. */
function EssayReview({ it, essay }: { it: ReviewItem; essay: NonNullable<ReviewItem["essay"]> }) {
  const { t } = useT();
  return (
    <div data-testid="essay-review">
      <p>
        <b>{t("quiz.yourAnswer")}:</b>
      </p>
      <p className="reflection-text">{essay.answered ? describe(it.question, it.response, t) : t("quiz.essay.empty")}</p>
      {essay.pending ? <span className="badge badge-warn">{t("quiz.essay.pending")}</span> : null}
      {essay.points !== null ? (
        <p>
          <span className="badge" data-testid="essay-points">
            {t("quiz.essay.points", { points: essay.points, max: essay.max })}
          </span>
        </p>
      ) : null}
      {essay.comment ? (
        <p className="hint">
          <b>{t("quiz.essay.comment")}:</b> <span className="reflection-text">{essay.comment}</span>
        </p>
      ) : null}
      {it.generalFeedback ? <p className="hint">{it.generalFeedback}</p> : null}
    </div>
  );
}
