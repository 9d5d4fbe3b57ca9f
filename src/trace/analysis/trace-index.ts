/**
 * Lookups every analysis needs, built once per trace in O(n): task positions by id, and each
 * task's steps and awaits in time order (compressed rows: `stepOffsets[p]..stepOffsets[p+1]`
 * index `stepList` for the task at position p).
 */
import type { Trace } from "../model.ts";

export interface TraceIndex {
  readonly trace: Trace;
  /** Task id → position in `trace.tasks`. */
  readonly taskPos: ReadonlyMap<number, number>;
  readonly stepOffsets: Int32Array;
  readonly stepList: Int32Array;
  readonly awaitOffsets: Int32Array;
  readonly awaitList: Int32Array;
}

function group(n: number, items: readonly { task: number }[], taskPos: ReadonlyMap<number, number>): [Int32Array, Int32Array] {
  const positions = new Int32Array(items.length);
  const offsets = new Int32Array(n + 1);
  for (let k = 0; k < items.length; k++) {
    const p = taskPos.get(items[k]!.task)!;
    positions[k] = p;
    offsets[p + 1]!++;
  }
  for (let p = 0; p < n; p++) offsets[p + 1]! += offsets[p]!;
  const fill = offsets.slice(0, n);
  const list = new Int32Array(items.length);
  for (let k = 0; k < items.length; k++) list[fill[positions[k]!]!++] = k;
  return [offsets, list];
}

export function indexTrace(trace: Trace): TraceIndex {
  const taskPos = new Map<number, number>();
  trace.tasks.forEach((task, p) => taskPos.set(task.id, p));
  const n = trace.tasks.length;
  const [stepOffsets, stepList] = group(n, trace.steps, taskPos);
  const [awaitOffsets, awaitList] = group(n, trace.awaits, taskPos);
  return { trace, taskPos, stepOffsets, stepList, awaitOffsets, awaitList };
}

/** Positions into `trace.steps` of the task at position `p`, in time order. */
export function stepsOf(index: TraceIndex, p: number): Int32Array {
  return index.stepList.subarray(index.stepOffsets[p]!, index.stepOffsets[p + 1]!);
}

export function awaitsOf(index: TraceIndex, p: number): Int32Array {
  return index.awaitList.subarray(index.awaitOffsets[p]!, index.awaitOffsets[p + 1]!);
}

/** Nearest-rank percentile of ascending `sorted` values; null when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Rounds derived durations to µs, as every time in a trace is, so sums print cleanly. */
export function us(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
