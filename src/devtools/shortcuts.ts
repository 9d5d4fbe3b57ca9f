/**
 * The panel's keyboard shortcuts, as DevTools spells them (Ctrl on Linux and Windows, Cmd on
 * macOS): record/stop, reload and record, save (export), open (import), find (filter).
 */
import { useEffect, useRef } from "preact/hooks";

export interface ShortcutActions {
  toggleRecording(): void;
  reloadAndRecord(): void;
  exportAioscope(): void;
  exportChrome(): void;
  importFile(): void;
  focusFilter(): void;
  escape(): void;
}

export function useShortcuts(actions: ShortcutActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const a = latest.current;
      if (event.key === "Escape" && !event.ctrlKey && !event.metaKey) {
        a.escape();
        return;
      }
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      const run: Record<string, (() => void) | undefined> = {
        e: event.shiftKey ? a.reloadAndRecord : a.toggleRecording,
        s: event.shiftKey ? a.exportChrome : a.exportAioscope,
        o: event.shiftKey ? undefined : a.importFile,
        f: event.shiftKey ? undefined : a.focusFilter,
      };
      const action = run[key];
      if (action === undefined) return;
      event.preventDefault();
      action();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
