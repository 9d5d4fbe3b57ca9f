/**
 * A task's steps, awaits, cancellations and timeouts as "span lists": the k-th item of a
 * task's list, read through the analysis index without copying. Within one task, steps never
 * overlap each other, nor do awaits, so both their starts and their ends are sorted, and the
 * part of a list inside a time window is found by binary search.
 */
import type { AwaitRecord, StepRecord } from "../../trace/model.ts";
import type { TimelineModel } from "./model.ts";
import { partitionPoint } from "../../trace/sorted.ts";

/** The items of one task's list: positions into a trace array, from `from` to `to`. */
export interface SpanRange {
  readonly list: Int32Array;
  readonly from: number;
  readonly to: number;
}

export function stepRange(model: TimelineModel, task: number): SpanRange {
  return { list: model.index.stepList, from: model.index.stepOffsets[task]!, to: model.index.stepOffsets[task + 1]! };
}

export function awaitRange(model: TimelineModel, task: number): SpanRange {
  return { list: model.index.awaitList, from: model.index.awaitOffsets[task]!, to: model.index.awaitOffsets[task + 1]! };
}

type Timed = StepRecord | AwaitRecord;

/** First k in [from, to) whose item ends at or after `time` (open items end at `openEnd`). */
export function firstEndingAfter(items: readonly Timed[], range: SpanRange, time: number, openEnd: number): number {
  return partitionPoint(range.from, range.to, (k) => (items[range.list[k]!]!.end ?? openEnd) < time);
}

/** First k in [from, to) whose item starts at or after `time`. */
export function firstStartingAfter(items: readonly Timed[], range: SpanRange, from: number, time: number): number {
  return partitionPoint(from, range.to, (k) => items[range.list[k]!]!.start < time);
}

/**
 * After item `k` was drawn as one pixel ending at time `pixelEnd`: the next item to draw. The
 * items starting inside that pixel are hidden under it, all but the last: spans of one task
 * never overlap, so only the last one starting there can reach past the pixel (a step that
 * follows a zero-length one at once, as a long computation after `sleep(0)` does) — it is
 * drawn. `endOf` gives an item's drawn end, or null when it draws nothing.
 */
export function nextAfterPixel<T extends Timed>(items: readonly T[], range: SpanRange, k: number, pixelEnd: number, endOf: (item: T) => number | null): number {
  const next = firstStartingAfter(items, range, k + 1, pixelEnd);
  if (next - 1 > k) {
    const end = endOf(items[range.list[next - 1]!]!);
    if (end !== null && end > pixelEnd) return next - 1;
  }
  return next;
}

/** The item of the range covering `time`, or -1 (its position in the trace array). */
export function itemAt(items: readonly Timed[], range: SpanRange, time: number, openEnd: number, slack: number): number {
  const k = firstEndingAfter(items, range, time - slack, openEnd);
  if (k >= range.to) return -1;
  const position = range.list[k]!;
  return items[position]!.start <= time + slack ? position : -1;
}
