/**
 * Draws the visible rows of the Gantt chart: for each task its lifetime, its waits coloured
 * by what it awaited, the time it sat ready, its running steps on top, and marks for
 * cancellation requests, expired timeouts and how it ended. Only rows on screen are visited,
 * and within a row only the items inside the time window, found by binary search; items
 * thinner than a pixel are merged into one pixel column, so a frame costs O(rows × width)
 * whatever the session's size.
 */
import type { AwaitRecord, StepRecord } from "../../trace/model.ts";
import { nodeEnd, nodeStart, type TimelineModel } from "./model.ts";
import type { Palette } from "./palette.ts";
import { waitGroupOf } from "./palette.ts";
import { nativeGroupOf } from "../../trace/native-names.ts";
import type { NativeOpRecord } from "../../trace/model.ts";
import { isToWorker, partsOf, queuedUntil } from "./native-parts.ts";
import type { RowList } from "./rows.ts";
import { awaitRange, firstEndingAfter, nextAfterPixel, stepRange, type SpanRange } from "./spans.ts";
import type { TimeScale } from "./viewport.ts";

export const ROW_HEIGHT = 20;
const STEP_HEIGHT = 12;
const WAIT_HEIGHT = 8;
const READY_HEIGHT = 4;

export interface RowsFrame {
  readonly ctx: CanvasRenderingContext2D;
  readonly model: TimelineModel;
  readonly rows: RowList;
  readonly scale: TimeScale;
  readonly palette: Palette;
  /** Canvas y of the first row's top edge (before scrolling) and of the area's bottom. */
  readonly top: number;
  readonly bottom: number;
  readonly scrollTop: number;
  readonly right: number;
}

/** Rows [first, last] intersect the rows area. */
export function visibleRowRange(frame: Pick<RowsFrame, "rows" | "top" | "bottom" | "scrollTop">): [number, number] {
  const first = Math.max(0, Math.floor(frame.scrollTop / ROW_HEIGHT));
  const last = Math.min(frame.rows.nodes.length - 1, Math.floor((frame.scrollTop + frame.bottom - frame.top) / ROW_HEIGHT));
  return [first, last];
}

export function rowTop(frame: Pick<RowsFrame, "top" | "scrollTop">, row: number): number {
  return frame.top + row * ROW_HEIGHT - frame.scrollTop;
}

/**
 * Fills the items of `range` that overlap the window, one rectangle each, or one pixel for a
 * run of items narrower than a pixel. `color` picks each item's colour (null: one colour set
 * by the caller).
 */
function fillSpans<T extends StepRecord | AwaitRecord>(
  frame: RowsFrame, items: readonly T[], range: SpanRange, y: number, height: number, span: (item: T) => [number, number] | null,
  color: ((item: T) => string) | null,
): void {
  const { ctx, scale } = frame;
  const { start: t0, end: t1 } = scale.window;
  const openEnd = frame.model.trace.end;
  const left = scale.left;
  let k = firstEndingAfter(items, range, t0, openEnd);
  let lastColor = "";
  while (k < range.to) {
    const item = items[range.list[k]!]!;
    const s = span(item);
    // A ready span lies before its step's start, so the walk ends on the span, not the item.
    if (item.start > t1 && (s === null || s[0] > t1)) break;
    if (s === null) {
      k++;
      continue;
    }
    if (color !== null) {
      const c = color(item);
      if (c !== lastColor) ctx.fillStyle = lastColor = c;
    }
    const xa = Math.max(scale.x(s[0]), left - 1);
    const xb = Math.min(scale.x(s[1]), frame.right + 1);
    if (xb - xa >= 1) {
      ctx.fillRect(xa, y, xb - xa, height);
      k++;
    } else if (xb >= left) {
      const px = Math.floor(xa);
      ctx.fillRect(px, y, 1, height);
      k = nextAfterPixel(items, range, k, scale.time(px + 1), (next) => span(next)?.[1] ?? null);
    } else k++;
  }
}

const stepSpan = (openEnd: number) => (step: StepRecord): [number, number] => [step.start, step.end ?? openEnd];
const readySpan = (step: StepRecord): [number, number] | null => (step.ready !== null && step.start > step.ready ? [step.ready, step.start] : null);
const awaitSpan = (openEnd: number) => (a: AwaitRecord): [number, number] => [a.start, a.end ?? openEnd];

function drawTaskRow(frame: RowsFrame, node: number, y: number): void {
  const { ctx, model, scale, palette } = frame;
  const { trace } = model;
  const task = trace.tasks[node]!;
  const mid = y + ROW_HEIGHT / 2;
  const end = task.end ?? trace.end;
  const xs = Math.max(scale.x(task.created), scale.left - 1);
  const xe = Math.min(scale.x(end), frame.right + 1);
  if (xe < scale.left || xs > frame.right) return;

  // Lifetime: a thin line from creation to the end (dashed on to the right while pending).
  ctx.fillStyle = palette.lifetime;
  ctx.fillRect(xs, mid - 0.5, Math.max(1, xe - xs), 1);

  const awaits = awaitRange(model, node);
  fillSpans(frame, trace.awaits, awaits, mid - WAIT_HEIGHT / 2, WAIT_HEIGHT, awaitSpan(trace.end), (a) => palette.wait[waitGroupOf(a.kind)]);
  const steps = stepRange(model, node);
  ctx.fillStyle = palette.ready;
  fillSpans(frame, trace.steps, steps, mid - READY_HEIGHT / 2, READY_HEIGHT, readySpan, null);
  ctx.fillStyle = palette.running;
  fillSpans(frame, trace.steps, steps, mid - STEP_HEIGHT / 2, STEP_HEIGHT, stepSpan(trace.end), null);

  // Marks: cancellation requests (a downward triangle), expired timeouts (a diamond).
  for (let c = model.cancelOffsets[node]!; c < model.cancelOffsets[node + 1]!; c++) {
    const x = scale.x(trace.cancellations[model.cancelList[c]!]!.time);
    if (x >= scale.left - 4 && x <= frame.right + 4) drawTriangle(ctx, x, y + 1, palette.cancel);
  }
  for (let c = model.timeoutOffsets[node]!; c < model.timeoutOffsets[node + 1]!; c++) {
    const timeout = trace.timeouts[model.timeoutList[c]!]!;
    if (timeout.expired === null) continue;
    const x = scale.x(timeout.expired);
    if (x >= scale.left - 4 && x <= frame.right + 4) drawDiamond(ctx, x, mid, palette.timeout);
  }
  // The end: an error is a red disc, a cancellation an orange bar; a pending task runs on.
  if (task.end !== null && xe >= scale.left && xe <= frame.right + 4) {
    if (task.outcome === "error") drawDisc(ctx, xe, mid, palette.error);
    else if (task.outcome === "cancelled") {
      ctx.fillStyle = palette.cancel;
      ctx.fillRect(xe - 1.5, y + 3, 3, ROW_HEIGHT - 6);
    }
  }
}

function drawNativeRow(frame: RowsFrame, node: number, y: number): void {
  const { ctx, model, scale, palette } = frame;
  const op = model.trace.nativeOps[node - model.taskCount]!;
  const xs = Math.max(scale.x(op.start), scale.left - 1);
  const xe = Math.min(scale.x(op.end ?? model.trace.end), frame.right + 1);
  if (xe < scale.left || xs > frame.right) return;
  const mid = y + ROW_HEIGHT / 2;
  const width = Math.max(1, xe - xs);
  const color = palette.native[nativeGroupOf(op.kind)];
  if (op.outcome === "cancelled") {
    // Cleared before it fired (a timer), or dropped (a frame): an outline, never a bar that
    // reads like work that ran.
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    ctx.strokeRect(xs + 0.5, mid - WAIT_HEIGHT / 2 + 0.5, Math.max(0, width - 1), WAIT_HEIGHT - 1);
  } else {
    ctx.fillStyle = color;
    const base = ctx.globalAlpha;
    // A request that waited for a connection: lighter while queued, then in flight.
    const queued = op.kind === "fetch" || op.kind === "xhr" ? queuedUntil(model, op) : null;
    const xq = queued === null ? xs : Math.min(xe, Math.max(xs, scale.x(queued)));
    if (xq > xs) {
      ctx.globalAlpha = base * 0.3;
      ctx.fillRect(xs, mid - WAIT_HEIGHT / 2, xq - xs, WAIT_HEIGHT);
    }
    ctx.globalAlpha = base * 0.75;
    ctx.fillRect(xq, mid - WAIT_HEIGHT / 2, Math.max(xq > xs ? 0 : 1, xe - xq), WAIT_HEIGHT);
    ctx.globalAlpha = base;
  }
  if (op.kind === "worker") drawMessages(frame, op, mid);
  if (op.outcome === "error" || op.outcome === "aborted") {
    // Failed or aborted: the kind's colour, with the error colour along its bottom edge.
    ctx.fillStyle = palette.nativeError;
    ctx.fillRect(xs, mid + WAIT_HEIGHT / 2 - 2, width, 2);
  }
  ctx.fillStyle = palette.running;
  let lastPx = -1;
  for (const tick of op.ticks) {
    const px = Math.floor(scale.x(tick));
    if (px === lastPx || px < scale.left || px > frame.right) continue;
    lastPx = px;
    ctx.fillRect(px, mid - STEP_HEIGHT / 2, 1, STEP_HEIGHT);
  }
}

/** A worker's messages: a mark above its bar for each one posted to it, below for each it sent back. */
function drawMessages(frame: RowsFrame, op: NativeOpRecord, mid: number): void {
  const { ctx, model, scale, palette } = frame;
  ctx.fillStyle = palette.native.worker;
  for (const part of partsOf(model, op.id)) {
    if (part.kind !== "workerMessage") continue;
    const px = Math.floor(scale.x(part.start));
    if (px < scale.left || px > frame.right) continue;
    const top = isToWorker(part) ? mid - STEP_HEIGHT / 2 - 1 : mid + WAIT_HEIGHT / 2;
    ctx.fillRect(px, top, 1.5, STEP_HEIGHT / 2 - WAIT_HEIGHT / 2 + 1);
  }
}

function drawTriangle(ctx: CanvasRenderingContext2D, x: number, top: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x - 4, top);
  ctx.lineTo(x + 4, top);
  ctx.lineTo(x, top + 6);
  ctx.closePath();
  ctx.fill();
}

function drawDiamond(ctx: CanvasRenderingContext2D, x: number, mid: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x, mid - 5);
  ctx.lineTo(x + 5, mid);
  ctx.lineTo(x, mid + 5);
  ctx.lineTo(x - 5, mid);
  ctx.closePath();
  ctx.fill();
}

function drawDisc(ctx: CanvasRenderingContext2D, x: number, mid: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x, mid, 4, 0, Math.PI * 2);
  ctx.fill();
}

/** Draws every row on screen into the time area (the label column is drawn separately). */
export function drawRows(frame: RowsFrame, selected: number, hovered: number): void {
  const { ctx, rows, scale, palette } = frame;
  const [first, last] = visibleRowRange(frame);
  ctx.save();
  ctx.beginPath();
  ctx.rect(scale.left, frame.top, frame.right - scale.left, frame.bottom - frame.top);
  ctx.clip();
  for (let row = first; row <= last; row++) {
    const node = rows.nodes[row]!;
    const y = rowTop(frame, row);
    if (node === selected || node === hovered) {
      ctx.fillStyle = node === selected ? palette.rowSelected : palette.rowHover;
      ctx.fillRect(scale.left, y, frame.right - scale.left, ROW_HEIGHT);
    }
    if (rows.filtered && rows.matches[node] !== 1) ctx.globalAlpha = 0.35;
    if (node < frame.model.taskCount) drawTaskRow(frame, node, y);
    else if (rows.seriesCount[row]! > 1) {
      // A folded series: every member's bar on the one row.
      for (let m = node; m >= 0; m = frame.model.seriesNext[m]!) drawNativeRow(frame, m, y);
    } else drawNativeRow(frame, node, y);
    ctx.globalAlpha = 1;
  }
  ctx.restore();
}

/** The row's whole extent in time, for scrolling a selected task into view. */
export function nodeExtent(model: TimelineModel, node: number): [number, number] {
  return [nodeStart(model, node), nodeEnd(model, node) ?? model.trace.end];
}
