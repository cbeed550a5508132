import { useCallback, useRef, useState } from "react";
import type { Editor } from "@tiptap/react";
import type { useT } from "#app/i18n/use-t.ts";

export type SaveState = { kind: "idle" } | { kind: "dirty" } | { kind: "saving" } | { kind: "saved"; at: Date } | { kind: "error"; reason: string } | { kind: "offline" };

const AUTOSAVE_MS = 1500;

/**
 * Autosave as the lesson and reflection editors do it: `schedule` after every change saves after a
 * pause in typing, `save` saves now; each POSTs `payload(editor)` as JSON to `saveUrl` and the
 * answer moves `state`. `dirty` stays true until the server has the latest document (the leave
 * guard reads it). `onState` hears every state the editor shows.
 */
export function useAutosave(saveUrl: string, payload: (editor: Editor) => unknown, onState?: (s: SaveState) => void) {
  const [state, setShown] = useState<SaveState>({ kind: "idle" });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dirty = useRef(false);

  const setState = (s: SaveState) => {
    setShown(s);
    onState?.(s);
  };

  const save = useCallback(
    async (editor: Editor) => {
      if (timer.current) clearTimeout(timer.current);
      setState({ kind: "saving" });
      try {
        const res = await fetch(saveUrl, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(payload(editor)),
        });
        const body = (await res.json().catch(() => null)) as { ok?: boolean; savedAt?: string; messages?: string[] } | null;
        if (res.ok && body?.ok) {
          dirty.current = false;
          setState({ kind: "saved", at: new Date(body.savedAt!) });
        } else {
          setState({ kind: "error", reason: body?.messages?.join(" ") ?? `HTTP ${res.status}` });
        }
      } catch {
        // Keep the edit; it is saved again when the network returns (useLeaveGuard).
        setState({ kind: "offline" });
      }
    },
    // The payload and onState of the first render: they read refs or stable setters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [saveUrl],
  );

  /** A change: unsaved until the pause after it (no timer before the editor exists). */
  const schedule = (editor: Editor | null) => {
    dirty.current = true;
    setState({ kind: "dirty" });
    if (timer.current) clearTimeout(timer.current);
    if (editor) timer.current = setTimeout(() => void save(editor), AUTOSAVE_MS);
  };

  return { state, setState, save, schedule, dirty };
}

/** The words of the save-state line under the toolbar. */
export function saveStateText(state: SaveState, { t, locale }: Pick<ReturnType<typeof useT>, "t" | "locale">): string {
  switch (state.kind) {
    case "saving":
      return t("editor.saving");
    case "saved":
      return t("editor.saved", { time: state.at.toLocaleTimeString(locale === "vi" ? "vi-VN" : "en-GB") });
    case "dirty":
      return t("editor.unsaved");
    case "error":
      return t("editor.saveFailed", { reason: state.reason });
    case "offline":
      return t("editor.offline");
    case "idle":
      return " ";
  }
}

/** One toolbar button: `label` is its name for screen readers and its tooltip, `text` what it shows. */
export function toolButton(label: string, run: () => void, active = false, text = label) {
  return (
    <button type="button" className={`tool${active ? " active" : ""}`} aria-pressed={active} title={label} aria-label={label} onClick={run}>
      {text}
    </button>
  );
}
