import { useCallback, useRef, useState } from "react";
import { EditorContent, useEditor, type Editor } from "@tiptap/react";
import type { JSONContent } from "@tiptap/core";
import { useLeaveGuard } from "#app/editor/use-leave-guard.client.ts";
import { extensions } from "./extensions.ts";
import { isAllowedHref } from "./url-policy.ts";
import { useT } from "#app/i18n/use-t.ts";

type SaveState = { kind: "idle" } | { kind: "dirty" } | { kind: "saving" } | { kind: "saved"; at: Date } | { kind: "error"; reason: string } | { kind: "offline" };

const AUTOSAVE_MS = 1500;

/**
 * The lesson editor: tiptap with the shared extension list, autosave after a pause in typing,
 * a visible save state, and a warning before leaving with unsaved changes. Browser only.
 */
export function LessonEditor({ saveUrl, uploadUrl, initialTitle, initialDoc }: { saveUrl: string; uploadUrl: string; initialTitle: string; initialDoc: JSONContent }) {
  const { t, locale } = useT();
  const [title, setTitle] = useState(initialTitle);
  const [state, setState] = useState<SaveState>({ kind: "idle" });
  const [uploading, setUploading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dirty = useRef(false);
  const titleRef = useRef(title);
  titleRef.current = title;

  const save = useCallback(
    async (editor: Editor) => {
      if (timer.current) clearTimeout(timer.current);
      setState({ kind: "saving" });
      try {
        const res = await fetch(saveUrl, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ title: titleRef.current, doc: editor.getJSON() }),
        });
        const body = (await res.json().catch(() => null)) as { ok?: boolean; savedAt?: string; messages?: string[] } | null;
        if (res.ok && body?.ok) {
          dirty.current = false;
          setState({ kind: "saved", at: new Date(body.savedAt!) });
        } else {
          setState({ kind: "error", reason: body?.messages?.join(" ") ?? `HTTP ${res.status}` });
        }
      } catch {
        // Keep the edit; try again when the network returns.
        setState({ kind: "offline" });
      }
    },
    [saveUrl],
  );

  const editor = useEditor({
    extensions,
    content: initialDoc,
    immediatelyRender: false,
    editorProps: { attributes: { class: "lesson-body editor-surface", "aria-label": title } },
    onUpdate: ({ editor }) => {
      dirty.current = true;
      setState({ kind: "dirty" });
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void save(editor), AUTOSAVE_MS);
    },
  });

  useLeaveGuard(editor, dirty, save, t("editor.leaveWarning"));

  const onTitle = (v: string) => {
    setTitle(v);
    dirty.current = true;
    setState({ kind: "dirty" });
    if (timer.current) clearTimeout(timer.current);
    if (editor) timer.current = setTimeout(() => void save(editor), AUTOSAVE_MS);
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
  const btn = (label: string, run: () => void, active = false, text?: string) => (
    <button type="button" className={`tool${active ? " active" : ""}`} aria-pressed={active} title={label} aria-label={label} onClick={run}>
      {text ?? label}
    </button>
  );
  const time = state.kind === "saved" ? state.at.toLocaleTimeString(locale === "vi" ? "vi-VN" : "en-GB") : "";
  return (
    <div className="editor">
      <div className="field">
        <label htmlFor="item-title">{t("authoring.title")}</label>
        <input id="item-title" value={title} onChange={(e) => onTitle(e.target.value)} maxLength={300} />
      </div>
      <div className="toolbar" role="toolbar" aria-label={t("authoring.edit")}>
        {btn(t("editor.bold"), () => c().toggleBold().run(), editor.isActive("bold"), "B")}
        {btn(t("editor.italic"), () => c().toggleItalic().run(), editor.isActive("italic"), "I")}
        {btn(t("editor.underline"), () => c().toggleUnderline().run(), editor.isActive("underline"), "U")}
        {btn(t("editor.h2"), () => c().toggleHeading({ level: 2 }).run(), editor.isActive("heading", { level: 2 }), "H2")}
        {btn(t("editor.h3"), () => c().toggleHeading({ level: 3 }).run(), editor.isActive("heading", { level: 3 }), "H3")}
        {btn(t("editor.bulletList"), () => c().toggleBulletList().run(), editor.isActive("bulletList"), "•")}
        {btn(t("editor.orderedList"), () => c().toggleOrderedList().run(), editor.isActive("orderedList"), "1.")}
        {btn(t("editor.blockquote"), () => c().toggleBlockquote().run(), editor.isActive("blockquote"), "❝")}
        {btn(t("editor.link"), () => {
          const prev = (editor.getAttributes("link").href as string | undefined) ?? "";
          const href = window.prompt(t("editor.linkPrompt"), prev);
          if (href === null) return;
          if (href.trim() === "") c().extendMarkRange("link").unsetLink().run();
          else if (isAllowedHref(href.trim())) c().extendMarkRange("link").setLink({ href: href.trim() }).run();
          else setState({ kind: "error", reason: t("doc.error.linkHref", { href }) });
        }, editor.isActive("link"), t("editor.link"))}
        {btn(t("editor.table"), () => c().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(), false, "▦")}
        {btn(t("editor.note"), () => c().wrapIn("callout", { kind: "note" }).run(), false, "ℹ")}
        {btn(t("editor.tip"), () => c().wrapIn("callout", { kind: "tip" }).run(), false, "✓")}
        {btn(t("editor.warning"), () => c().wrapIn("callout", { kind: "warning" }).run(), false, "⚠")}
        {btn(t("editor.image"), () => upload("image/png,image/jpeg,image/webp,image/gif", (r) => c().setImage({ src: r.url, alt: r.name }).run()), false, t("editor.image"))}
        {btn(t("editor.media"), () => upload("video/mp4,video/webm,application/pdf", (r) => c().insertContent({ type: "mediaEmbed", attrs: { kind: r.ext === "pdf" ? "pdf" : "video", src: r.url, title: r.name } }).run()), false, "▶")}
        {btn(t("editor.undo"), () => c().undo().run(), false, "↶")}
        {btn(t("editor.redo"), () => c().redo().run(), false, "↷")}
        {btn(t("editor.save"), () => void save(editor), false, t("editor.save"))}
      </div>
      <p className={`save-state save-${state.kind}`} role="status" aria-live="polite" data-testid="save-state">
        {uploading
          ? t("editor.uploading")
          : state.kind === "saving"
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
      </p>
      <EditorContent editor={editor} />
    </div>
  );
}
