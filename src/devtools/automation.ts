/**
 * What the panel offers to automation — the CLI, the end-to-end tests and the benchmark drive
 * the real panel through this, the same store a person drives with the toolbar. It lives on
 * the panel's own window (an extension page that only DevTools frames), never on the page's.
 *
 * The view part (`timeline…`) reads what the timeline drew, so tests can point at a row or a
 * mark as a person would; it answers empty until the panel shows a session.
 */
import type { CancelOutcome, LiveState, PageAnswer, RecordingStore, StoreSnapshot } from "./recording-store.ts";
import type { Trace } from "../trace/model.ts";
import { exportAioscope } from "../trace/export-aioscope.ts";
import type { RowGeometry } from "./timeline/geometry.ts";
import type { TimeWindow } from "./timeline/viewport.ts";
import type { DrawnFrame } from "./timeline/controller.ts";

export type { DrawnFrame };

/** What the mounted App registers, so automation can read and steer the view. */
export interface ViewHandle {
  rows(): RowGeometry[];
  window(): TimeWindow | null;
  setWindow(window: TimeWindow): void;
  /** Selects a task (by id) and scrolls it into view; false if there is no such task. */
  selectTask(id: number): boolean;
  /** Draws the timeline now, returning the milliseconds it took. */
  drawNow(): number;
  frameTimes(): FrameTimesReport;
  resetFrameTimes(): void;
  /** What the timeline last painted, or null before its first frame. */
  drawnFrame(): DrawnFrame | null;
}

export interface FrameTimesReport {
  /** Frames drawn by the timeline shown now. */
  readonly total: number;
  /** Draw durations (ms) since the last reset, oldest first. */
  readonly samples: number[];
  /** performance.now() at the end of its first and of its last frame. */
  readonly firstAt: number | null;
  readonly lastAt: number | null;
}

export class AutomationHub {
  view: ViewHandle | null = null;
}

export interface PanelAutomation {
  record(options?: { reload?: boolean }): void;
  stop(): void;
  clear(): void;
  snapshot(): StoreSnapshot;
  trace(): Trace | null;
  /** The session as the aioscope file's text (what "Export" writes), or null without a session. */
  traceFile(): string | null;
  timelineRows(): RowGeometry[];
  timelineWindow(): TimeWindow | null;
  setTimelineWindow(window: TimeWindow): void;
  selectTask(id: number): boolean;
  drawTimeline(): number;
  frameTimes(): FrameTimesReport;
  resetFrameTimes(): void;
  /**
   * The last frame the timeline drew: how many rows it painted, of which session. Null until
   * a session is shown and drawn. A screenshot waits until this frame shows the stopped
   * session (its end and task count) with rows on it.
   */
  drawnFrame(): DrawnFrame | null;
  /** Asks the recording frames what they have in flight; returns the query's id. */
  queryPage(): number;
  /** The frames' answers to query `id` so far. */
  pageAnswers(id: number): PageAnswer[];
  /** Asks every frame for its live await tree ("Now"); returns the request's id. */
  requestLive(): number;
  /** The answers to the last live request so far. */
  live(): LiveState;
  /** The page's answer to the last "Cancel task". */
  cancelOutcome(): CancelOutcome | null;
}

declare global {
  interface Window {
    __aioscopePanel?: PanelAutomation;
  }
}

export function exposeAutomation(target: Window, store: RecordingStore, hub: AutomationHub = new AutomationHub()): AutomationHub {
  target.__aioscopePanel = Object.freeze({
    record: (options?: { reload?: boolean }) => store.record(options),
    stop: () => store.stop(),
    clear: () => store.clear(),
    snapshot: () => store.snapshot(),
    trace: () => store.trace(),
    traceFile: () => {
      const trace = store.trace();
      return trace === null ? null : exportAioscope(trace);
    },
    timelineRows: () => hub.view?.rows() ?? [],
    timelineWindow: () => hub.view?.window() ?? null,
    setTimelineWindow: (window: TimeWindow) => hub.view?.setWindow(window),
    selectTask: (id: number) => hub.view?.selectTask(id) ?? false,
    drawTimeline: () => hub.view?.drawNow() ?? 0,
    frameTimes: () => hub.view?.frameTimes() ?? { total: 0, samples: [], firstAt: null, lastAt: null },
    resetFrameTimes: () => hub.view?.resetFrameTimes(),
    drawnFrame: () => hub.view?.drawnFrame() ?? null,
    queryPage: () => store.query(),
    pageAnswers: (id: number) => store.queryAnswers(id),
    requestLive: () => store.requestLive(),
    live: () => store.liveState(),
    cancelOutcome: () => store.cancelOutcome(),
  });
  return hub;
}
