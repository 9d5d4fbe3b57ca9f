/**
 * Concurrency over time as step series: at `time[i]` the counts become `alive[i]`,
 * `running[i]`… and hold until `time[i + 1]` (the last until the trace's end). Intervals are
 * half-open [start, end): a zero-length step changes nothing.
 *
 * Built from sorted Float64Arrays of interval starts and ends (native numeric sorts, no
 * comparator), so a million-event trace takes a fraction of a second.
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

class Intervals {
  starts: number[] = [];
  ends: number[] = [];

  add(start: number, end: number): void {
    this.starts.push(start);
    this.ends.push(end);
  }

  sorted(): [Float64Array, Float64Array] {
    return [Float64Array.from(this.starts).sort(), Float64Array.from(this.ends).sort()];
  }
}

/** Counts on the `axis` of an interval set given as sorted starts and ends. */
function sweep(axis: Float64Array, starts: Float64Array, ends: Float64Array): Uint32Array {
  const out = new Uint32Array(axis.length);
  let s = 0;
  let e = 0;
  for (let i = 0; i < axis.length; i++) {
    const t = axis[i]!;
    while (s < starts.length && starts[s]! <= t) s++;
    while (e < ends.length && ends[e]! <= t) e++;
    out[i] = s - e;
  }
  return out;
}

export function concurrencySeries(trace: Trace): ConcurrencySeries {
  const end = trace.end;
  const alive = new Intervals();
  for (const task of trace.tasks) alive.add(task.created, task.end ?? Infinity);
  const running = new Intervals();
  const ready = new Intervals();
  for (const step of trace.steps) {
    running.add(step.start, step.end ?? Infinity);
    if (step.ready !== null) ready.add(step.ready, step.start);
  }
  for (const task of trace.tasks) if (task.ready !== null) ready.add(task.ready.time, Infinity);
  const waiting = new Intervals();
  const byKind = new Map<string, Intervals>();
  for (const a of trace.awaits) {
    const stop = a.end ?? Infinity;
    waiting.add(a.start, stop);
    let set = byKind.get(a.kind);
    if (set === undefined) byKind.set(a.kind, (set = new Intervals()));
    set.add(a.start, stop);
  }
  const all = [alive, running, ready, waiting];
  let total = 1;
  for (const set of all) total += set.starts.length * 2;
  const raw = new Float64Array(total);
  let n = 0;
  raw[n++] = 0;
  for (const set of all) {
    for (const t of set.starts) raw[n++] = t;
    for (const t of set.ends) raw[n++] = t;
  }
  raw.sort();
  let m = 0;
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t > end) break; // Infinity: still open at the end
    if (m === 0 || raw[m - 1] !== t) raw[m++] = t;
  }
  const axis = raw.slice(0, m);
  const waitingByKind: Record<string, Uint32Array> = {};
  for (const kind of [...byKind.keys()].sort()) waitingByKind[kind] = sweep(axis, ...byKind.get(kind)!.sorted());
  return {
    time: axis,
    alive: sweep(axis, ...alive.sorted()),
    running: sweep(axis, ...running.sorted()),
    ready: sweep(axis, ...ready.sorted()),
    waiting: sweep(axis, ...waiting.sorted()),
    waitingByKind,
  };
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
