/**
 * The panel's keyboard shortcuts, as DevTools spells them (Ctrl on Linux and Windows, Cmd on
 * macOS): record/stop, reload and record, save (export), open (import), find (filter), and
 * Escape, which closes the innermost thing open: a menu, else the selection.
 *
 * DevTools forwards an extension panel's keys to itself (its own listener, on the document,
 * sends Ctrl+F, Ctrl+O, Escape… to its shortcuts): unless the panel keeps a key it acts on,
 * Ctrl+F opens DevTools' search bar over the panel and takes the focus from its filter, Ctrl+O
 * its Quick Open, and Escape its console drawer as well. So the panel listens on the window,
 * before anything on the document, and a key it acts on goes no further. A key it has no use
 * for (Escape with nothing open, F1, Ctrl+P…) is DevTools', as in DevTools' own panels.
 */
import { useEffect, useRef } from "preact/hooks";
import { closeOpenMenus } from "./use-menu.ts";

export interface ShortcutActions {
  toggleRecording(): void;
  reloadAndRecord(): void;
  exportAioscope(): void;
  exportChrome(): void;
  importFile(): void;
  focusFilter(): void;
  /** Escape with no menu open: undoes what it can (the selection); says whether there was any. */
  escape(): boolean;
}

export function useShortcuts(actions: ShortcutActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const a = latest.current;
      const keep = (): void => {
        event.preventDefault();
        event.stopPropagation();
      };
      if (event.key === "Escape" && !event.ctrlKey && !event.metaKey) {
        if (closeOpenMenus() || a.escape()) keep();
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
      keep();
      action();
    };
    window.addEventListener("keydown", onKey, { capture: true });
    return () => window.removeEventListener("keydown", onKey, { capture: true });
  }, []);
}
