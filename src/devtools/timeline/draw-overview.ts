/**
 * The overview strip: the whole session at once, as the number of tasks alive in each pixel
 * column (an area) and how busy the event loop was there (bars along the bottom), with the
 * timeline's window outlined on it. A session without runtime tasks (a page of plain
 * async/await) shows its native operations in flight instead, and its long tasks as the busy
 * bars. The curve is computed straight from the timeline model in
 * one pass over tasks and steps (a few milliseconds for a million records), once per size;
 * each frame only draws it and the window.
 */
import { BLOCKING_KINDS } from "../../trace/analysis.ts";
import type { TimelineModel } from "./model.ts";
import { PART_KINDS } from "../../trace/native-names.ts";
import type { Palette } from "./palette.ts";
import type { TimeWindow } from "./viewport.ts";

export const OVERVIEW_HEIGHT = 44;
const BUSY_HEIGHT = 8;

export interface OverviewCurve {
  /** Per pixel column: tasks alive (or, without tasks, native operations in flight) at some moment in it. */
  readonly alive: Uint32Array;
  /** What `alive` counts. */
  readonly counts: "tasks" | "native";
  /** Per pixel column: the share of its time the loop(s) spent in task steps, 0…1. */
  readonly busy: Float32Array;
  readonly peak: number;
  /** The session's end when the curve was computed: its columns span [0, end]. */
  readonly end: number;
}

/** `shown`: 1 for each node the filter by kind keeps (null: all); hidden kinds leave the curve too. */
export function overviewCurve(model: TimelineModel, columns: number, shown: Uint8Array | null = null): OverviewCurve {
  const { trace, taskCount } = model;
  const end = Math.max(trace.end, 1e-9);
  const perMs = columns / end;
  const column = (t: number): number => Math.min(columns - 1, Math.max(0, Math.floor(t * perMs)));
  // Alive: +1 where a task's life begins, −1 after the column where it ends; then a running sum.
  const delta = new Int32Array(columns + 1);
  const counts = trace.tasks.length > 0 ? "tasks" : "native";
  if (counts === "tasks") {
    for (let k = 0; k < trace.tasks.length; k++) {
      if (shown !== null && shown[k] !== 1) continue;
      const task = trace.tasks[k]!;
      delta[column(task.created)]!++;
      delta[column(task.end ?? end) + 1]!--;
    }
  } else {
    for (let k = 0; k < trace.nativeOps.length; k++) {
      const op = trace.nativeOps[k]!;
      // Callbacks ("other") and long tasks are the thread's own work, not something awaited;
      // a worker's messages and a request's queueing are parts of operations counted already.
      if (op.kind === "other" || BLOCKING_KINDS.has(op.kind) || PART_KINDS.has(op.kind)) continue;
      if (shown !== null && shown[taskCount + k] !== 1) continue;
      delta[column(op.start)]!++;
      delta[column(op.end ?? end) + 1]!--;
    }
  }
  const alive = new Uint32Array(columns);
  let running = 0;
  let peak = 0;
  for (let c = 0; c < columns; c++) {
    running += delta[c]!;
    alive[c] = running;
    if (running > peak) peak = running;
  }
  const busyMs = new Float64Array(columns);
  const width = end / columns;
  const busySpans: readonly { readonly start: number; readonly end: number | null }[] = trace.steps.length > 0
    ? trace.steps
    : trace.nativeOps.filter((op, k) => op.kind === "longTask" && (shown === null || shown[taskCount + k] === 1));
  for (const span of busySpans) {
    const stop = span.end ?? end;
    let c = column(span.start);
    let from = span.start;
    while (from < stop && c < columns) {
      const to = Math.min(stop, (c + 1) * width);
      busyMs[c]! += to - from;
      from = to;
      c++;
    }
  }
  const sources = Math.max(1, trace.sources.length);
  const busy = new Float32Array(columns);
  for (let c = 0; c < columns; c++) busy[c] = Math.min(1, busyMs[c]! / width / sources);
  return { alive, counts, busy, peak, end: trace.end };
}

export function drawOverview(
  ctx: CanvasRenderingContext2D, curve: OverviewCurve | null, width: number, end: number, window: TimeWindow, palette: Palette,
): void {
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, OVERVIEW_HEIGHT);
  const floor = OVERVIEW_HEIGHT - 2;
  const usable = OVERVIEW_HEIGHT - 14;
  if (curve !== null && curve.peak > 0) {
    const unit = usable / curve.peak;
    // A curve computed a moment ago, while the session grows, spans less than the session now.
    const stretch = Math.min(1, curve.end / Math.max(end, 1e-9));
    ctx.fillStyle = palette.overviewAlive;
    ctx.beginPath();
    ctx.moveTo(0, floor);
    for (let c = 0; c < curve.alive.length; c++) {
      const y = floor - curve.alive[c]! * unit;
      ctx.lineTo(c * stretch, y);
      ctx.lineTo((c + 1) * stretch, y);
    }
    ctx.lineTo(curve.alive.length * stretch, floor);
    ctx.closePath();
    ctx.fill();
    ctx.fillStyle = palette.overviewRunning;
    for (let c = 0; c < curve.busy.length; c++) {
      const h = curve.busy[c]! * BUSY_HEIGHT;
      if (h > 0) ctx.fillRect(c * stretch, floor - h, stretch, Math.max(h, 0.5));
    }
    ctx.font = "10px system-ui, sans-serif";
    ctx.textBaseline = "top";
    ctx.textAlign = "right";
    ctx.fillStyle = palette.textSubtle;
    ctx.fillText(curve.counts === "tasks" ? `${curve.peak} alive at the peak` : `${curve.peak} in flight at the peak`, width - 4, 2);
    ctx.textAlign = "left";
  }
  // The window: shade what lies outside it and outline it.
  const perMs = width / Math.max(end, 1e-9);
  const x0 = Math.max(0, window.start * perMs);
  const x1 = Math.min(width, Math.max(x0 + 2, window.end * perMs));
  ctx.fillStyle = palette.overviewShade;
  ctx.fillRect(0, 0, x0, OVERVIEW_HEIGHT);
  ctx.fillRect(x1, 0, width - x1, OVERVIEW_HEIGHT);
  ctx.strokeStyle = palette.overviewWindow;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(x0) + 0.5, 0.5, Math.max(1, Math.round(x1 - x0) - 1), OVERVIEW_HEIGHT - 1);
  ctx.fillStyle = palette.grid;
  ctx.fillRect(0, OVERVIEW_HEIGHT - 1, width, 1);
}
