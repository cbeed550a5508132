import { useState } from "react";
import { EditorContent, useEditor } from "@tiptap/react";
import type { JSONContent } from "@tiptap/core";
import { useLeaveGuard } from "#app/editor/use-leave-guard.client.ts";
import { saveStateText, toolButton, useAutosave } from "#app/editor/autosave.client.tsx";
import { extensions } from "#app/editor/extensions.ts";
import { useT } from "#app/i18n/use-t.ts";

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
  const [words, setWords] = useState(0);
  const { state, save, schedule, dirty } = useAutosave(
    saveUrl,
    (editor) => ({ doc: editor.getJSON() }),
    (s) => onState?.(s.kind === "saved" || s.kind === "idle"),
  );

  const editor = useEditor({
    extensions,
    content: initialDoc ?? { type: "doc", content: [{ type: "paragraph" }] },
    immediatelyRender: false,
    editorProps: { attributes: { class: "lesson-body editor-surface reflection-surface", "aria-label": t("reflection.write.heading"), "data-testid": "reflection-editor" } },
    onCreate: ({ editor }) => setWords(editor.getText().match(WORD)?.length ?? 0),
    onUpdate: ({ editor }) => {
      setWords(editor.getText().match(WORD)?.length ?? 0);
      schedule(editor);
    },
  });

  useLeaveGuard(editor, dirty, save, t("editor.leaveWarning"));

  if (!editor) return <p className="muted">{t("editor.loading")}</p>;
  const c = () => editor.chain().focus();
  const outOfBounds = words < minWords || words > maxWords;
  return (
    <div className="editor">
      <div className="toolbar" role="toolbar" aria-label={t("reflection.write.heading")}>
        {toolButton(t("editor.bold"), () => c().toggleBold().run(), editor.isActive("bold"), "B")}
        {toolButton(t("editor.italic"), () => c().toggleItalic().run(), editor.isActive("italic"), "I")}
        {toolButton(t("editor.h3"), () => c().toggleHeading({ level: 3 }).run(), editor.isActive("heading", { level: 3 }), "H3")}
        {toolButton(t("editor.bulletList"), () => c().toggleBulletList().run(), editor.isActive("bulletList"), "•")}
        {toolButton(t("editor.orderedList"), () => c().toggleOrderedList().run(), editor.isActive("orderedList"), "1.")}
        {toolButton(t("editor.blockquote"), () => c().toggleBlockquote().run(), editor.isActive("blockquote"), "❝")}
        {toolButton(t("editor.undo"), () => c().undo().run(), false, "↶")}
        {toolButton(t("editor.redo"), () => c().redo().run(), false, "↷")}
        {toolButton(t("reflection.write.saveNow"), () => void save(editor), false, t("editor.save"))}
      </div>
      <p className={`save-state save-${state.kind}`} role="status" aria-live="polite" data-testid="save-state" data-state={state.kind}>
        {saveStateText(state, { t, locale })}
        {" · "}
        <span className={outOfBounds ? "word-count out" : "word-count"} data-testid="word-count">
          {t("reflection.write.words", { words })}
        </span>
      </p>
      <EditorContent editor={editor} />
    </div>
  );
}
