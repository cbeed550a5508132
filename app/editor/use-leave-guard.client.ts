import { useEffect, type MutableRefObject } from "react";
import type { Editor } from "@tiptap/react";

/**
 * What an autosaving editor does around the page: warns before leaving with unsaved text, and
 * saves as soon as the connection comes back. Shared by the lesson and reflection editors.
 */
export function useLeaveGuard(editor: Editor | null, dirty: MutableRefObject<boolean>, save: (editor: Editor) => unknown, leaveWarning: string) {
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (!dirty.current) return;
      e.preventDefault();
      e.returnValue = leaveWarning;
    };
    const online = () => editor && dirty.current && void save(editor);
    window.addEventListener("beforeunload", warn);
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("beforeunload", warn);
      window.removeEventListener("online", online);
    };
  }, [editor, dirty, save, leaveWarning]);
}
