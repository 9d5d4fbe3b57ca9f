/**
 * Concurrency over time as step series: at `time[i]` the counts become `alive[i]`,
 * `running[i]`… and hold until `time[i + 1]` (the last until the trace's end). Intervals are
 * half-open [start, end): a zero-length step changes nothing.
 *
 * Built from Float64Arrays of interval starts and ends, sorted natively (no comparator) and
 * only where they are out of order (a trace's starts are in order already); the axis is their
 * merge, and each series is filled along it from its own moments, so a series with few
 * intervals (a rare await kind) costs those, not a walk of the whole axis. A million-record
 * trace takes a fraction of a second.
 */
import type { Trace } from "../model.ts";
import { us } from "./trace-index.ts";
import { CHECK, inOneGo, NEVER, type Pause } from "./pause.ts";

export interface ConcurrencySeries {
  readonly time: Float64Array;
  /** Tasks created and not yet ended. */
  readonly alive: Uint32Array;
  /** Tasks in a step (at most one per source). */
  readonly running: Uint32Array;
  /** Tasks woken and not yet running: the loop's backlog. */
  readonly ready: Uint32Array;
  /** Tasks suspended in an await. */
  readonly waiting: Uint32Array;
  /** `waiting`, split by await kind (sleep, lock, queue.get…). */
  readonly waitingByKind: Readonly<Record<string, Uint32Array>>;
}

export interface SeriesStats {
  readonly peak: number;
  /** When the peak was first reached. */
  readonly peakAt: number;
  /** Time-weighted mean over [0, end]. */
  readonly mean: number;
}

export interface ConcurrencySummary {
  readonly alive: SeriesStats;
  readonly running: SeriesStats;
  readonly ready: SeriesStats;
  readonly waiting: SeriesStats;
}

export interface LoopStats {
  readonly source: number;
  /** Time spent in task steps. */
  readonly busy: number;
  /** The session's length. */
  readonly wall: number;
  /** busy / wall: the event loop's utilisation by tasks (0 when the wall is 0). */
  readonly utilisation: number;
  readonly steps: number;
}

/** One series' intervals as their starts and their ends, each sorted (native numeric sorts). */
interface Intervals {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
}

/** Values sorted in one go, at most: a block takes about a millisecond to sort. */
const SORT_BLOCK = 1 << 14;

/**
 * `values` sorted, unless they are in order already (a trace's starts mostly are). A long
 * array is sorted a block at a time, then runs of blocks are merged into a second buffer and
 * back, pausing between: one sort of a few hundred thousand times held the thread for tens of
 * milliseconds. Returns `values` or that buffer, whichever holds the sorted whole.
 */
function* sortedValues(values: Float64Array, pause: Pause): Generator<void, Float64Array, void> {
  let inOrder = true;
  for (let i = 1; i < values.length && inOrder; i++) {
    inOrder = values[i - 1]! <= values[i]!;
    if ((i & CHECK) === 0 && pause.due()) yield;
  }
  if (inOrder) return values;
  for (let from = 0; from < values.length; from += SORT_BLOCK) {
    values.subarray(from, from + SORT_BLOCK).sort();
    if (pause.due()) yield;
  }
  let from: Float64Array = values;
  let to: Float64Array = new Float64Array(values.length);
  for (let run = SORT_BLOCK; run < values.length; run *= 2) {
    for (let left = 0; left < values.length; left += 2 * run) {
      const middle = Math.min(left + run, values.length);
      const right = Math.min(left + 2 * run, values.length);
      yield* mergeInto(from, left, middle, from, middle, right, to, left, pause);
    }
    [from, to] = [to, from];
  }
  return from;
}

/** Merges the sorted a[aFrom, aTo) and b[bFrom, bTo) into out, from `at` on. */
function* mergeInto(
  a: Float64Array, aFrom: number, aTo: number, b: Float64Array, bFrom: number, bTo: number, out: Float64Array, at: number, pause: Pause,
): Generator<void, void, void> {
  let i = aFrom;
  let j = bFrom;
  let o = at;
  while (i < aTo && j < bTo) {
    out[o++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
    if ((o & CHECK) === 0 && pause.due()) yield;
  }
  out.set(a.subarray(i, aTo), o);
  out.set(b.subarray(j, bTo), o + aTo - i);
}

/** A series' intervals from their starts and ends as filled in, each then sorted. */
function* sortedIntervals(starts: Float64Array, ends: Float64Array, pause: Pause): Generator<void, Intervals, void> {
  return { starts: yield* sortedValues(starts, pause), ends: yield* sortedValues(ends, pause) };
}

/** Two sorted arrays as one sorted array. */
function* merge(a: Float64Array, b: Float64Array, pause: Pause): Generator<void, Float64Array, void> {
  const out = new Float64Array(a.length + b.length);
  yield* mergeInto(a, 0, a.length, b, 0, b.length, out, 0, pause);
  return out;
}

/** 0 and every distinct time of `sorted` up to `end`: the moments some count can change. */
function* axisOf(sorted: readonly Float64Array[], end: number, pause: Pause): Generator<void, Float64Array, void> {
  let all = sorted.slice();
  while (all.length > 1) {
    const next: Float64Array[] = [];
    for (let k = 0; k < all.length; k += 2) next.push(k + 1 < all.length ? yield* merge(all[k]!, all[k + 1]!, pause) : all[k]!);
    all = next;
  }
  const times = all[0] ?? new Float64Array(0);
  const axis = new Float64Array(times.length + 1);
  let m = 1; // axis[0] = 0
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (t > end) break; // Infinity: still open at the end
    if (axis[m - 1] !== t) axis[m++] = t;
    if ((i & CHECK) === 0 && pause.due()) yield;
  }
  return axis.slice(0, m);
}

/** The first position from `from` on where `axis` (sorted) reaches `t`: galloping, as a series' next moment is mostly near. */
function reach(axis: Float64Array, t: number, from: number): number {
  let lo = from;
  let hi = from;
  let step = 1;
  while (hi < axis.length && axis[hi]! < t) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = Math.min(hi, axis.length);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (axis[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A series' counts on the axis (half-open intervals: at each moment, starts ≤ t minus ends
 * ≤ t). It walks the series' own moments, each found on the axis by galloping, and fills the
 * stretch of axis between two of them at once: a sparse series (one await kind among many)
 * costs its own intervals, not the whole axis.
 */
function* sweep(axis: Float64Array, { starts, ends }: Intervals, pause: Pause): Generator<void, Uint32Array, void> {
  const out = new Uint32Array(axis.length);
  const last = axis.length === 0 ? -Infinity : axis[axis.length - 1]!;
  let s = 0;
  let e = 0;
  let count = 0;
  let at = 0;
  for (let moments = 1; ; moments++) {
    const t = Math.min(s < starts.length ? starts[s]! : Infinity, e < ends.length ? ends[e]! : Infinity);
    if (t > last) break; // past the end, or Infinity: still open at the end
    while (s < starts.length && starts[s]! <= t) {
      s++;
      count++;
    }
    while (e < ends.length && ends[e]! <= t) {
      e++;
      count--;
    }
    const i = reach(axis, t, at);
    // The count before this moment held from `at` up to it; from here on, the new one.
    if (i > at) out.fill(out[at]!, at + 1, i);
    out[i] = count;
    at = i;
    if ((moments & CHECK) === 0 && pause.due()) yield;
  }
  if (at + 1 < axis.length) out.fill(out[at]!, at + 1);
  return out;
}

export function concurrencySeries(trace: Trace): ConcurrencySeries {
  return inOneGo(concurrencySeriesBuild(trace, NEVER));
}

/** concurrencySeries, pausing (yielding) whenever `pause` says so; its return value is the series. */
export function* concurrencySeriesBuild(trace: Trace, pause: Pause): Generator<void, ConcurrencySeries, void> {
  const { tasks, steps, awaits } = trace;
  const readySteps: number[] = [];
  for (let k = 0; k < steps.length; k++) {
    if (steps[k]!.ready !== null) readySteps.push(k);
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  const readyTasks: number[] = [];
  for (let p = 0; p < tasks.length; p++) if (tasks[p]!.ready !== null) readyTasks.push(p);
  const kindOf = new Int32Array(awaits.length);
  const kindIds = new Map<string, number>();
  for (let k = 0; k < awaits.length; k++) {
    const kind = awaits[k]!.kind;
    let id = kindIds.get(kind);
    if (id === undefined) kindIds.set(kind, (id = kindIds.size));
    kindOf[k] = id;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  // Each series' starts and ends, filled in plain loops (the records are read once each).
  const aliveStarts = new Float64Array(tasks.length);
  const aliveEnds = new Float64Array(tasks.length);
  for (let p = 0; p < tasks.length; p++) {
    const task = tasks[p]!;
    aliveStarts[p] = task.created;
    aliveEnds[p] = task.end ?? Infinity;
    if ((p & CHECK) === 0 && pause.due()) yield;
  }
  const runningStarts = new Float64Array(steps.length);
  const runningEnds = new Float64Array(steps.length);
  const readyStarts = new Float64Array(readySteps.length + readyTasks.length);
  const readyEnds = new Float64Array(readyStarts.length);
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k]!;
    runningStarts[k] = step.start;
    runningEnds[k] = step.end ?? Infinity;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  for (let r = 0; r < readySteps.length; r++) {
    const step = steps[readySteps[r]!]!;
    readyStarts[r] = step.ready!;
    readyEnds[r] = step.start;
    if ((r & CHECK) === 0 && pause.due()) yield;
  }
  for (let r = 0; r < readyTasks.length; r++) {
    readyStarts[readySteps.length + r] = tasks[readyTasks[r]!]!.ready!.time;
    readyEnds[readySteps.length + r] = Infinity;
  }
  const kinds = [...kindIds.keys()].sort();
  const kindSize = new Int32Array(kinds.length);
  for (let k = 0; k < awaits.length; k++) kindSize[kindOf[k]!]!++;
  const kindStarts = Array.from(kindSize, (size) => new Float64Array(size));
  const kindEnds = Array.from(kindSize, (size) => new Float64Array(size));
  const kindFill = new Int32Array(kinds.length);
  const waitingStarts = new Float64Array(awaits.length);
  const waitingEnds = new Float64Array(awaits.length);
  for (let k = 0; k < awaits.length; k++) {
    const a = awaits[k]!;
    const end = a.end ?? Infinity;
    waitingStarts[k] = a.start;
    waitingEnds[k] = end;
    const id = kindOf[k]!;
    const at = kindFill[id]!++;
    kindStarts[id]![at] = a.start;
    kindEnds[id]![at] = end;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  const alive = yield* sortedIntervals(aliveStarts, aliveEnds, pause);
  const running = yield* sortedIntervals(runningStarts, runningEnds, pause);
  const ready = yield* sortedIntervals(readyStarts, readyEnds, pause);
  const waiting = yield* sortedIntervals(waitingStarts, waitingEnds, pause);
  const byKind: Intervals[] = [];
  // In name order: kind ids are in order of first appearance.
  for (const kind of kinds) {
    const id = kindIds.get(kind)!;
    byKind.push(yield* sortedIntervals(kindStarts[id]!, kindEnds[id]!, pause));
  }
  // Every await is also in `waiting`, so the four series' ends and starts are every moment.
  const fixed = [alive, running, ready, waiting];
  const axis = yield* axisOf(fixed.flatMap((set) => [set.starts, set.ends]), trace.end, pause);
  const counts: Uint32Array[] = [];
  for (const set of [...fixed, ...byKind]) counts.push(yield* sweep(axis, set, pause));
  const waitingByKind: Record<string, Uint32Array> = {};
  kinds.forEach((kind, k) => {
    waitingByKind[kind] = counts[4 + k]!;
  });
  return { time: axis, alive: counts[0]!, running: counts[1]!, ready: counts[2]!, waiting: counts[3]!, waitingByKind };
}

export function seriesStats(time: Float64Array, values: Uint32Array, end: number): SeriesStats {
  let peak = 0;
  let peakAt = 0;
  let area = 0;
  for (let i = 0; i < time.length; i++) {
    const v = values[i]!;
    if (v > peak) {
      peak = v;
      peakAt = time[i]!;
    }
    const next = i + 1 < time.length ? time[i + 1]! : end;
    area += v * (next - time[i]!);
  }
  return { peak, peakAt, mean: end > 0 ? Math.round((area / end) * 1e6) / 1e6 : 0 };
}

export function concurrencySummary(series: ConcurrencySeries, end: number): ConcurrencySummary {
  return inOneGo(concurrencySummaryBuild(series, end, NEVER));
}

/** concurrencySummary, pausing (yielding) between its series whenever `pause` says so. */
export function* concurrencySummaryBuild(series: ConcurrencySeries, end: number, pause: Pause): Generator<void, ConcurrencySummary, void> {
  const alive = seriesStats(series.time, series.alive, end);
  if (pause.due()) yield;
  const running = seriesStats(series.time, series.running, end);
  if (pause.due()) yield;
  const ready = seriesStats(series.time, series.ready, end);
  if (pause.due()) yield;
  return { alive, running, ready, waiting: seriesStats(series.time, series.waiting, end) };
}

export function loopStats(trace: Trace, taskSource: (task: number) => number): LoopStats[] {
  return inOneGo(loopStatsBuild(trace, taskSource, NEVER));
}

/** loopStats, pausing (yielding) whenever `pause` says so. */
export function* loopStatsBuild(trace: Trace, taskSource: (task: number) => number, pause: Pause): Generator<void, LoopStats[], void> {
  const busy = new Float64Array(trace.sources.length);
  const steps = new Uint32Array(trace.sources.length);
  for (let k = 0; k < trace.steps.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const step = trace.steps[k]!;
    const source = taskSource(step.task);
    busy[source]! += (step.end ?? trace.end) - step.start;
    steps[source]!++;
  }
  return trace.sources.map((s) => ({
    source: s.id,
    busy: us(busy[s.id]!),
    wall: trace.end,
    utilisation: trace.end > 0 ? Math.round((busy[s.id]! / trace.end) * 1e6) / 1e6 : 0,
    steps: steps[s.id]!,
  }));
}
