import { useRef, useState } from "react";
import { EditorContent, useEditor } from "@tiptap/react";
import type { JSONContent } from "@tiptap/core";
import { useLeaveGuard } from "#app/editor/use-leave-guard.client.ts";
import { saveStateText, toolButton, useAutosave } from "./autosave.client.tsx";
import { extensions } from "./extensions.ts";
import { isAllowedHref } from "./url-policy.ts";
import { useT } from "#app/i18n/use-t.ts";

/**
 * The lesson editor: tiptap with the shared extension list, autosave after a pause in typing,
 * a visible save state, and a warning before leaving with unsaved changes. Browser only.
 */
export function LessonEditor({ saveUrl, uploadUrl, initialTitle, initialDoc }: { saveUrl: string; uploadUrl: string; initialTitle: string; initialDoc: JSONContent }) {
  const { t, locale } = useT();
  const [title, setTitle] = useState(initialTitle);
  const [uploading, setUploading] = useState(false);
  const titleRef = useRef(title);
  titleRef.current = title;
  const { state, setState, save, schedule, dirty } = useAutosave(saveUrl, (editor) => ({ title: titleRef.current, doc: editor.getJSON() }));

  const editor = useEditor({
    extensions,
    content: initialDoc,
    immediatelyRender: false,
    editorProps: { attributes: { class: "lesson-body editor-surface", "aria-label": title } },
    onUpdate: ({ editor }) => schedule(editor),
  });

  useLeaveGuard(editor, dirty, save, t("editor.leaveWarning"));

  const onTitle = (v: string) => {
    setTitle(v);
    schedule(editor);
  };

  const upload = async (accept: string, onDone: (r: { url: string; ext: string; name: string }) => void) => {
    const input = document.createElement("input");
    input.type = "file";
    input.accept = accept;
    input.onchange = async () => {
      const file = input.files?.[0];
      if (!file) return;
      setUploading(true);
      const fd = new FormData();
      fd.set("file", file);
      try {
        const res = await fetch(uploadUrl, { method: "POST", body: fd, headers: { accept: "application/json" } });
        const body = (await res.json().catch(() => null)) as { url?: string; ext?: string; messages?: string[] } | null;
        if (res.ok && body?.url) onDone({ url: body.url, ext: body.ext!, name: file.name });
        else setState({ kind: "error", reason: body?.messages?.join(" ") ?? `HTTP ${res.status}` });
      } catch {
        setState({ kind: "offline" });
      } finally {
        setUploading(false);
      }
    };
    input.click();
  };

  if (!editor) return <p className="muted">{t("editor.loading")}</p>;
  const c = () => editor.chain().focus();
  return (
    <div className="editor">
      <div className="field">
        <label htmlFor="item-title">{t("authoring.title")}</label>
        <input id="item-title" value={title} onChange={(e) => onTitle(e.target.value)} maxLength={300} />
      </div>
      <div className="toolbar" role="toolbar" aria-label={t("authoring.edit")}>
        {toolButton(t("editor.bold"), () => c().toggleBold().run(), editor.isActive("bold"), "B")}
        {toolButton(t("editor.italic"), () => c().toggleItalic().run(), editor.isActive("italic"), "I")}
        {toolButton(t("editor.underline"), () => c().toggleUnderline().run(), editor.isActive("underline"), "U")}
        {toolButton(t("editor.h2"), () => c().toggleHeading({ level: 2 }).run(), editor.isActive("heading", { level: 2 }), "H2")}
        {toolButton(t("editor.h3"), () => c().toggleHeading({ level: 3 }).run(), editor.isActive("heading", { level: 3 }), "H3")}
        {toolButton(t("editor.bulletList"), () => c().toggleBulletList().run(), editor.isActive("bulletList"), "•")}
        {toolButton(t("editor.orderedList"), () => c().toggleOrderedList().run(), editor.isActive("orderedList"), "1.")}
        {toolButton(t("editor.blockquote"), () => c().toggleBlockquote().run(), editor.isActive("blockquote"), "❝")}
        {toolButton(t("editor.link"), () => {
          const prev = (editor.getAttributes("link").href as string | undefined) ?? "";
          const href = window.prompt(t("editor.linkPrompt"), prev);
          if (href === null) return;
          if (href.trim() === "") c().extendMarkRange("link").unsetLink().run();
          else if (isAllowedHref(href.trim())) c().extendMarkRange("link").setLink({ href: href.trim() }).run();
          else setState({ kind: "error", reason: t("doc.error.linkHref", { href }) });
        }, editor.isActive("link"), t("editor.link"))}
        {toolButton(t("editor.table"), () => c().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(), false, "▦")}
        {toolButton(t("editor.note"), () => c().wrapIn("callout", { kind: "note" }).run(), false, "ℹ")}
        {toolButton(t("editor.tip"), () => c().wrapIn("callout", { kind: "tip" }).run(), false, "✓")}
        {toolButton(t("editor.warning"), () => c().wrapIn("callout", { kind: "warning" }).run(), false, "⚠")}
        {toolButton(t("editor.image"), () => upload("image/png,image/jpeg,image/webp,image/gif", (r) => c().setImage({ src: r.url, alt: r.name }).run()), false, t("editor.image"))}
        {toolButton(t("editor.media"), () => upload("video/mp4,video/webm,application/pdf", (r) => c().insertContent({ type: "mediaEmbed", attrs: { kind: r.ext === "pdf" ? "pdf" : "video", src: r.url, title: r.name } }).run()), false, "▶")}
        {toolButton(t("editor.undo"), () => c().undo().run(), false, "↶")}
        {toolButton(t("editor.redo"), () => c().redo().run(), false, "↷")}
        {toolButton(t("editor.save"), () => void save(editor), false, t("editor.save"))}
      </div>
      <p className={`save-state save-${state.kind}`} role="status" aria-live="polite" data-testid="save-state">
        {uploading ? t("editor.uploading") : saveStateText(state, { t, locale })}
      </p>
      <EditorContent editor={editor} />
    </div>
  );
}
