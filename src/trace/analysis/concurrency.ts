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

/** Sorts `values` in place unless they are in order already (a trace's starts mostly are). */
function sortedInPlace(values: Float64Array): Float64Array {
  for (let i = 1; i < values.length; i++) if (values[i - 1]! > values[i]!) return values.sort();
  return values;
}

/** Fills a series' starts and ends through `add`, given how many intervals it has. */
function intervals(count: number, fill: (add: (start: number, end: number) => void) => void): Intervals {
  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  let n = 0;
  fill((start, end) => {
    starts[n] = start;
    ends[n++] = end;
  });
  return { starts: sortedInPlace(starts), ends: sortedInPlace(ends) };
}

/** Two sorted arrays as one sorted array. */
function merge(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) out[o++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  out.set(a.subarray(i), o);
  out.set(b.subarray(j), o + a.length - i);
  return out;
}

/** 0 and every distinct time of `sorted` up to `end`: the moments some count can change. */
function axisOf(sorted: readonly Float64Array[], end: number): Float64Array {
  let all = sorted.slice();
  while (all.length > 1) {
    const next: Float64Array[] = [];
    for (let k = 0; k < all.length; k += 2) next.push(k + 1 < all.length ? merge(all[k]!, all[k + 1]!) : all[k]!);
    all = next;
  }
  const times = all[0] ?? new Float64Array(0);
  const axis = new Float64Array(times.length + 1);
  let m = 1; // axis[0] = 0
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (t > end) break; // Infinity: still open at the end
    if (axis[m - 1] !== t) axis[m++] = t;
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
function sweep(axis: Float64Array, { starts, ends }: Intervals): Uint32Array {
  const out = new Uint32Array(axis.length);
  const last = axis.length === 0 ? -Infinity : axis[axis.length - 1]!;
  let s = 0;
  let e = 0;
  let count = 0;
  let at = 0;
  for (;;) {
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
  }
  if (at + 1 < axis.length) out.fill(out[at]!, at + 1);
  return out;
}

export function concurrencySeries(trace: Trace): ConcurrencySeries {
  const { tasks, steps, awaits } = trace;
  let readySteps = 0;
  for (const step of steps) if (step.ready !== null) readySteps++;
  let readyTasks = 0;
  for (const task of tasks) if (task.ready !== null) readyTasks++;
  const perKind = new Map<string, number>();
  for (const a of awaits) perKind.set(a.kind, (perKind.get(a.kind) ?? 0) + 1);
  const alive = intervals(tasks.length, (add) => {
    for (const task of tasks) add(task.created, task.end ?? Infinity);
  });
  const running = intervals(steps.length, (add) => {
    for (const step of steps) add(step.start, step.end ?? Infinity);
  });
  const ready = intervals(readySteps + readyTasks, (add) => {
    for (const step of steps) if (step.ready !== null) add(step.ready, step.start);
    for (const task of tasks) if (task.ready !== null) add(task.ready.time, Infinity);
  });
  const waiting = intervals(awaits.length, (add) => {
    for (const a of awaits) add(a.start, a.end ?? Infinity);
  });
  const kinds = [...perKind.keys()].sort();
  const byKind = kinds.map((kind) => intervals(perKind.get(kind)!, (add) => {
    for (const a of awaits) if (a.kind === kind) add(a.start, a.end ?? Infinity);
  }));
  // Every await is also in `waiting`, so the four series' ends and starts are every moment.
  const fixed = [alive, running, ready, waiting];
  const axis = axisOf(fixed.flatMap((set) => [set.starts, set.ends]), trace.end);
  const [aliveCounts, runningCounts, readyCounts, waitingCounts, ...kindCounts] = [...fixed, ...byKind].map((set) => sweep(axis, set));
  const waitingByKind: Record<string, Uint32Array> = {};
  kinds.forEach((kind, k) => {
    waitingByKind[kind] = kindCounts[k]!;
  });
  return { time: axis, alive: aliveCounts!, running: runningCounts!, ready: readyCounts!, waiting: waitingCounts!, waitingByKind };
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
  return {
    alive: seriesStats(series.time, series.alive, end),
    running: seriesStats(series.time, series.running, end),
    ready: seriesStats(series.time, series.ready, end),
    waiting: seriesStats(series.time, series.waiting, end),
  };
}

export function loopStats(trace: Trace, taskSource: (task: number) => number): LoopStats[] {
  const busy = new Float64Array(trace.sources.length);
  const steps = new Uint32Array(trace.sources.length);
  for (const step of trace.steps) {
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
