/**
 * What the panel offers to automation — the CLI and the end-to-end tests drive the real
 * panel through this, the same store a person drives with the toolbar. It lives on the
 * panel's own window (an extension page that only DevTools frames), never on the page's.
 */
import type { RecordingStore, StoreSnapshot } from "./recording-store.ts";
import type { Trace } from "../trace/model.ts";

export interface PanelAutomation {
  record(options?: { reload?: boolean }): void;
  stop(): void;
  clear(): void;
  snapshot(): StoreSnapshot;
  trace(): Trace | null;
}

declare global {
  interface Window {
    __aioscopePanel?: PanelAutomation;
  }
}

export function exposeAutomation(target: Window, store: RecordingStore): void {
  target.__aioscopePanel = Object.freeze({
    record: (options?: { reload?: boolean }) => store.record(options),
    stop: () => store.stop(),
    clear: () => store.clear(),
    snapshot: () => store.snapshot(),
    trace: () => store.trace(),
  });
}
