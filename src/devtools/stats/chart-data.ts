/**
 * The statistics charts' data and options, from the analysis and the trace: concurrency over
 * the timeline's window, tasks by outcome, a histogram of task durations, the event loop's
 * utilisation over the window, and for the page's own work: native operations in flight and
 * the main thread's blocked share. Long series are reduced to a few hundred buckets
 * (each keeping its maximum), so a million-event session charts instantly.
 */
import type { ChartConfiguration } from "chart.js";
import type { ConcurrencySeries } from "../../trace/analysis.ts";
import type { Trace } from "../../trace/model.ts";
import { NATIVE_GROUP_LABELS, NATIVE_GROUPS, nativeGroupOf, PART_KINDS, type NativeGroup } from "../../trace/native-names.ts";
import { formatTime } from "../format.ts";
import type { Palette } from "../timeline/palette.ts";
import type { TimeWindow } from "../timeline/viewport.ts";

const BUCKETS = 300;
const UTILISATION_BUCKETS = 60;

const timeAxis = (window: TimeWindow) => ({
  type: "linear" as const,
  min: window.start,
  max: window.end,
  ticks: { maxTicksLimit: 8, callback: (value: number | string) => formatTime(Number(value)) },
});

export function concurrencyChart(series: ConcurrencySeries, window: TimeWindow, palette: Palette): ChartConfiguration<"line"> {
  const span = Math.max(window.end - window.start, 1e-9);
  const lines = { alive: series.alive, running: series.running, waiting: series.waiting, ready: series.ready };
  const out = Object.fromEntries(Object.keys(lines).map((k) => [k, new Array<number>(BUCKETS).fill(0)])) as Record<keyof typeof lines, number[]>;
  const { time } = series;
  // The value holding at the window's start, then every change inside it.
  let i = 0;
  while (i + 1 < time.length && time[i + 1]! <= window.start) i++;
  for (; i < time.length && time[i]! <= window.end; i++) {
    const from = Math.max(0, Math.floor(((time[i]! - window.start) / span) * BUCKETS));
    const next = i + 1 < time.length ? time[i + 1]! : window.end;
    const to = Math.min(BUCKETS - 1, Math.max(from, Math.ceil(((Math.min(next, window.end) - window.start) / span) * BUCKETS) - 1));
    for (const key of Object.keys(lines) as (keyof typeof lines)[]) {
      const v = lines[key][i]!;
      const bucket = out[key];
      for (let b = from; b <= to; b++) if (v > bucket[b]!) bucket[b] = v;
    }
  }
  const x = (b: number): number => window.start + ((b + 0.5) / BUCKETS) * span;
  const dataset = (label: string, key: keyof typeof lines, color: string, fill: boolean) => ({
    label, data: out[key].map((y, b) => ({ x: x(b), y })), borderColor: color, backgroundColor: fill ? `${color}33` : color,
    fill, stepped: true as const, pointRadius: 0, borderWidth: 1.5,
  });
  return {
    type: "line",
    data: {
      datasets: [
        dataset("Alive", "alive", palette.running, true),
        dataset("Waiting", "waiting", palette.wait.task, false),
        dataset("Ready", "ready", palette.ready, false),
        dataset("Running", "running", palette.done, false),
      ],
    },
    options: {
      parsing: false,
      interaction: { mode: "index", intersect: false },
      scales: { x: timeAxis(window), y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { tooltip: { callbacks: { title: (items) => formatTime(items[0]?.parsed.x ?? 0) } } },
    },
  };
}

export function outcomeChart(trace: Trace, palette: Palette): ChartConfiguration<"doughnut"> {
  const counts = { done: 0, error: 0, cancelled: 0, pending: 0 };
  for (const task of trace.tasks) counts[task.outcome]++;
  return {
    type: "doughnut",
    data: {
      labels: ["done", "error", "cancelled", "pending"],
      datasets: [{
        data: [counts.done, counts.error, counts.cancelled, counts.pending],
        backgroundColor: [palette.done, palette.error, palette.cancel, palette.textDim],
        borderColor: palette.background,
        borderWidth: 1,
      }],
    },
    options: { cutout: "55%", plugins: { legend: { position: "right" } } },
  };
}

/** Bucket edges in ms: 1-2-5 steps from 100 µs to 10 s. */
const DURATION_EDGES = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/** "50–100 ms", or "500 ms–1 s" when the units differ. */
function range(from: number, to: number): string {
  const [a, b] = [formatTime(from), formatTime(to)];
  const unit = (text: string): string => text.slice(text.indexOf(" "));
  return unit(a) === unit(b) ? `${a.slice(0, a.indexOf(" "))}–${b}` : `${a}–${b}`;
}

export function durationChart(trace: Trace, palette: Palette): ChartConfiguration<"bar"> {
  const counts = new Array<number>(DURATION_EDGES.length + 1).fill(0);
  for (const task of trace.tasks) {
    if (task.end === null) continue;
    const d = task.end - task.created;
    let b = 0;
    while (b < DURATION_EDGES.length && d >= DURATION_EDGES[b]!) b++;
    counts[b]!++;
  }
  const labels = counts.map((_, b) => (b === 0 ? `< ${formatTime(DURATION_EDGES[0]!)}`
    : b === DURATION_EDGES.length ? `≥ ${formatTime(DURATION_EDGES[b - 1]!)}`
    : range(DURATION_EDGES[b - 1]!, DURATION_EDGES[b]!)));
  // Trim empty buckets at both ends.
  let lo = 0;
  let hi = counts.length - 1;
  while (lo < hi && counts[lo] === 0) lo++;
  while (hi > lo && counts[hi] === 0) hi--;
  return {
    type: "bar",
    data: { labels: labels.slice(lo, hi + 1), datasets: [{ label: "Finished tasks", data: counts.slice(lo, hi + 1), backgroundColor: palette.running }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

interface Span {
  readonly start: number;
  readonly end: number | null;
}

/** The share of each bucket of the window that `spans` cover, as bars (0–100 %). */
function coverageChart(spans: readonly Span[], end: number, window: TimeWindow, sources: number, label: string, color: string): ChartConfiguration<"bar"> {
  const span = Math.max(window.end - window.start, 1e-9);
  const width = span / UTILISATION_BUCKETS;
  const busy = new Float64Array(UTILISATION_BUCKETS);
  for (const item of spans) {
    const s = Math.max(item.start, window.start);
    const e = Math.min(item.end ?? end, window.end);
    if (e <= s) continue;
    for (let b = Math.floor((s - window.start) / width); b < UTILISATION_BUCKETS; b++) {
      const bs = window.start + b * width;
      const overlap = Math.min(e, bs + width) - Math.max(s, bs);
      if (overlap <= 0) break;
      busy[b]! += overlap;
    }
  }
  return {
    type: "bar",
    data: {
      labels: Array.from(busy, (_, b) => formatTime(window.start + b * width)),
      datasets: [{
        label,
        data: Array.from(busy, (v) => Math.min(100, (v / width / Math.max(1, sources)) * 100)),
        backgroundColor: color,
        barPercentage: 1,
        categoryPercentage: 0.9,
      }],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: { x: { ticks: { maxTicksLimit: 8, maxRotation: 0 } }, y: { min: 0, max: 100, ticks: { callback: (v: number | string) => `${v} %` } } },
    },
  };
}

export function utilisationChart(trace: Trace, window: TimeWindow, palette: Palette): ChartConfiguration<"bar"> {
  return coverageChart(trace.steps, trace.end, window, trace.sources.length, "Loop busy (%)", palette.running);
}

/** How much of each moment the page's main thread spent in long tasks (its own blocking code). */
export function blockedChart(trace: Trace, window: TimeWindow, palette: Palette): ChartConfiguration<"bar"> {
  const longTasks = trace.nativeOps.filter((op) => op.kind === "longTask");
  return coverageChart(longTasks, trace.end, window, trace.sources.length, "Main thread blocked (%)", palette.native.blocking);
}

/** Native work in flight over the window, one line per kind of work that has any. */
export function nativeConcurrencyChart(trace: Trace, window: TimeWindow, palette: Palette): ChartConfiguration<"line"> {
  const span = Math.max(window.end - window.start, 1e-9);
  const changes = new Map<NativeGroup, { time: number; delta: number }[]>();
  for (const op of trace.nativeOps) {
    const group = nativeGroupOf(op.kind);
    // Long tasks and callbacks are the thread's own work, charted as blocking, not in flight; a
    // request's queueing and a worker's messages are parts of operations counted already.
    if (group === "blocking" || group === "other" || PART_KINDS.has(op.kind)) continue;
    let list = changes.get(group);
    if (list === undefined) changes.set(group, (list = []));
    list.push({ time: op.start, delta: 1 }, { time: op.end ?? trace.end, delta: -1 });
  }
  const x = (b: number): number => window.start + ((b + 0.5) / BUCKETS) * span;
  const bucketOf = (t: number): number => Math.min(BUCKETS - 1, Math.max(0, Math.floor(((t - window.start) / span) * BUCKETS)));
  const datasets = NATIVE_GROUPS.filter((group) => changes.has(group)).map((group) => {
    // Ends before starts at the same instant: back-to-back operations are not two at once.
    const list = changes.get(group)!.sort((a, b) => a.time - b.time || a.delta - b.delta);
    const peak = new Array<number>(BUCKETS).fill(0);
    /** `level` operations were in flight over [from, to): raise the buckets that overlap it. */
    const hold = (from: number, to: number, level: number): void => {
      const s = Math.max(from, window.start);
      const e = Math.min(to, window.end);
      if (level <= 0 || e <= s) return;
      for (let b = bucketOf(s); b <= bucketOf(e - span * 1e-9); b++) if (level > peak[b]!) peak[b] = level;
    };
    let level = 0;
    let since = window.start;
    for (const change of list) {
      hold(since, change.time, level);
      level += change.delta;
      since = change.time;
    }
    hold(since, window.end, level);
    const color = palette.native[group];
    return {
      label: NATIVE_GROUP_LABELS[group], data: peak.map((y, b) => ({ x: x(b), y })), borderColor: color, backgroundColor: color,
      fill: false, stepped: true as const, pointRadius: 0, borderWidth: 1.5,
    };
  });
  return {
    type: "line",
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: "index", intersect: false },
      scales: { x: timeAxis(window), y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { tooltip: { callbacks: { title: (items) => formatTime(items[0]?.parsed.x ?? 0) } } },
    },
  };
}
