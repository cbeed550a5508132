import { useCallback, useRef, useState } from "react";
import { EditorContent, useEditor, type Editor } from "@tiptap/react";
import type { JSONContent } from "@tiptap/core";
import { useLeaveGuard } from "#app/editor/use-leave-guard.client.ts";
import { extensions } from "#app/editor/extensions.ts";
import { useT } from "#app/i18n/use-t.ts";

type SaveState = { kind: "idle" } | { kind: "dirty" } | { kind: "saving" } | { kind: "saved"; at: Date } | { kind: "error"; reason: string } | { kind: "offline" };

const AUTOSAVE_MS = 1500;
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The writer's editor: the lessons' extension list (so the server validates and renders the same
 * document), a small toolbar a phone can hold, autosave after a pause with its state shown, a word
 * count against the item's bounds, and a warning before leaving unsaved. `onSaved` lets the page
 * know the server has the latest text before submitting it. Browser only.
 */
export function ReflectionEditor({
  saveUrl,
  initialDoc,
  minWords,
  maxWords,
  onState,
}: {
  saveUrl: string;
  initialDoc: JSONContent | null;
  minWords: number;
  maxWords: number;
  onState?: (saved: boolean) => void;
}) {
  const { t, locale } = useT();
  const [state, setState] = useState<SaveState>({ kind: "idle" });
  const [words, setWords] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dirty = useRef(false);

  const report = (s: SaveState) => {
    setState(s);
    onState?.(s.kind === "saved" || s.kind === "idle");
  };

  const save = useCallback(
    async (editor: Editor) => {
      if (timer.current) clearTimeout(timer.current);
      report({ kind: "saving" });
      try {
        const res = await fetch(saveUrl, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ doc: editor.getJSON() }),
        });
        const body = (await res.json().catch(() => null)) as { ok?: boolean; savedAt?: string; messages?: string[] } | null;
        if (res.ok && body?.ok) {
          dirty.current = false;
          report({ kind: "saved", at: new Date(body.savedAt!) });
        } else {
          report({ kind: "error", reason: body?.messages?.join(" ") ?? `HTTP ${res.status}` });
        }
      } catch {
        // Keep the text; saved again when the network returns.
        report({ kind: "offline" });
      }
    },
    [saveUrl],
  );

  const editor = useEditor({
    extensions,
    content: initialDoc ?? { type: "doc", content: [{ type: "paragraph" }] },
    immediatelyRender: false,
    editorProps: { attributes: { class: "lesson-body editor-surface reflection-surface", "aria-label": t("reflection.write.heading"), "data-testid": "reflection-editor" } },
    onCreate: ({ editor }) => setWords(editor.getText().match(WORD)?.length ?? 0),
    onUpdate: ({ editor }) => {
      dirty.current = true;
      setWords(editor.getText().match(WORD)?.length ?? 0);
      report({ kind: "dirty" });
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void save(editor), AUTOSAVE_MS);
    },
  });

  useLeaveGuard(editor, dirty, save, t("editor.leaveWarning"));

  if (!editor) return <p className="muted">{t("editor.loading")}</p>;
  const c = () => editor.chain().focus();
  const btn = (label: string, run: () => void, active: boolean, text: string) => (
    <button type="button" className={`tool${active ? " active" : ""}`} aria-pressed={active} title={label} aria-label={label} onClick={run}>
      {text}
    </button>
  );
  const time = state.kind === "saved" ? state.at.toLocaleTimeString(locale === "vi" ? "vi-VN" : "en-GB") : "";
  const outOfBounds = words < minWords || words > maxWords;
  return (
    <div className="editor">
      <div className="toolbar" role="toolbar" aria-label={t("reflection.write.heading")}>
        {btn(t("editor.bold"), () => c().toggleBold().run(), editor.isActive("bold"), "B")}
        {btn(t("editor.italic"), () => c().toggleItalic().run(), editor.isActive("italic"), "I")}
        {btn(t("editor.h3"), () => c().toggleHeading({ level: 3 }).run(), editor.isActive("heading", { level: 3 }), "H3")}
        {btn(t("editor.bulletList"), () => c().toggleBulletList().run(), editor.isActive("bulletList"), "•")}
        {btn(t("editor.orderedList"), () => c().toggleOrderedList().run(), editor.isActive("orderedList"), "1.")}
        {btn(t("editor.blockquote"), () => c().toggleBlockquote().run(), editor.isActive("blockquote"), "❝")}
        {btn(t("editor.undo"), () => c().undo().run(), false, "↶")}
        {btn(t("editor.redo"), () => c().redo().run(), false, "↷")}
        {btn(t("reflection.write.saveNow"), () => void save(editor), false, t("editor.save"))}
      </div>
      <p className={`save-state save-${state.kind}`} role="status" aria-live="polite" data-testid="save-state" data-state={state.kind}>
        {state.kind === "saving"
          ? t("editor.saving")
          : state.kind === "saved"
            ? t("editor.saved", { time })
            : state.kind === "dirty"
              ? t("editor.unsaved")
              : state.kind === "error"
                ? t("editor.saveFailed", { reason: state.reason })
                : state.kind === "offline"
                  ? t("editor.offline")
                  : " "}
        {" · "}
        <span className={outOfBounds ? "word-count out" : "word-count"} data-testid="word-count">
          {t("reflection.write.words", { words })}
        </span>
      </p>
      <EditorContent editor={editor} />
    </div>
  );
}
