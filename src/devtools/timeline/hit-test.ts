/**
 * What is under the pointer on the Gantt chart: which row, and on it which step, wait,
 * ready span or mark — with a few pixels of slack, so thin slices of a zoomed-out session
 * can still be pointed at. The tooltip and the click-to-select use it.
 */
import { ROW_HEIGHT } from "./draw-rows.ts";
import type { TimelineModel } from "./model.ts";
import type { RowList } from "./rows.ts";
import { awaitRange, firstEndingAfter, itemAt, stepRange } from "./spans.ts";
import type { TimeScale } from "./viewport.ts";

export type HitItem =
  | { readonly kind: "step"; readonly position: number }
  | { readonly kind: "ready"; readonly position: number }
  | { readonly kind: "await"; readonly position: number }
  | { readonly kind: "cancel"; readonly position: number }
  | { readonly kind: "timeout"; readonly position: number }
  | { readonly kind: "lifetime" }
  | { readonly kind: "native" };

export interface Hit {
  readonly row: number;
  readonly node: number;
  readonly time: number;
  readonly item: HitItem | null;
  /** On the label column rather than the time area. */
  readonly inLabels: boolean;
}

const MARK_SLACK_PX = 5;
const SPAN_SLACK_PX = 2;

export function hitTest(
  model: TimelineModel, rows: RowList, scale: TimeScale, x: number, yInRows: number, scrollTop: number,
): Hit | null {
  const row = Math.floor((yInRows + scrollTop) / ROW_HEIGHT);
  if (yInRows < 0 || row < 0 || row >= rows.nodes.length) return null;
  const node = rows.nodes[row]!;
  const time = scale.time(x);
  if (x < scale.left) return { row, node, time, item: null, inLabels: true };
  return { row, node, time, item: itemUnder(model, node, scale, time), inLabels: false };
}

function itemUnder(model: TimelineModel, node: number, scale: TimeScale, time: number): HitItem | null {
  const { trace } = model;
  const markSlack = MARK_SLACK_PX / scale.pxPerMs;
  const spanSlack = SPAN_SLACK_PX / scale.pxPerMs;
  if (node >= model.taskCount) {
    const op = trace.nativeOps[node - model.taskCount]!;
    return time >= op.start - spanSlack && time <= (op.end ?? trace.end) + spanSlack ? { kind: "native" } : null;
  }
  for (let c = model.cancelOffsets[node]!; c < model.cancelOffsets[node + 1]!; c++) {
    const position = model.cancelList[c]!;
    if (Math.abs(trace.cancellations[position]!.time - time) <= markSlack) return { kind: "cancel", position };
  }
  for (let c = model.timeoutOffsets[node]!; c < model.timeoutOffsets[node + 1]!; c++) {
    const position = model.timeoutList[c]!;
    const expired = trace.timeouts[position]!.expired;
    if (expired !== null && Math.abs(expired - time) <= markSlack) return { kind: "timeout", position };
  }
  const steps = stepRange(model, node);
  const step = itemAt(trace.steps, steps, time, trace.end, spanSlack);
  if (step >= 0) return { kind: "step", position: step };
  // A ready span ends where its step starts: the step ending first after `time`.
  const next = firstEndingAfter(trace.steps, steps, time, trace.end);
  if (next < steps.to) {
    const position = steps.list[next]!;
    const candidate = trace.steps[position]!;
    if (candidate.ready !== null && candidate.ready - spanSlack <= time && time <= candidate.start) return { kind: "ready", position };
  }
  const wait = itemAt(trace.awaits, awaitRange(model, node), time, trace.end, spanSlack);
  if (wait >= 0) return { kind: "await", position: wait };
  const task = trace.tasks[node]!;
  if (time >= task.created - spanSlack && time <= (task.end ?? trace.end) + spanSlack) return { kind: "lifetime" };
  return null;
}
