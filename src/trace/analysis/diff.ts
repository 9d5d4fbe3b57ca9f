/**
 * Two recordings of the same program compared, for a person asking "did my change make it
 * better" and for CI asking "did it regress": per task name, how many and how long (p50, p95)
 * before → after; the session's wall time; the critical path of its main task; warnings and
 * insights that appeared or went away. Numbered names ("crawl page 7") are compared as one
 * group ("crawl page #"), since the numbers differ from run to run.
 */
import type { Trace } from "../model.ts";
import type { TraceAnalysis } from "../analysis.ts";
import { criticalPath, type CriticalPath } from "./graph.ts";
import { percentile, type TraceIndex } from "./trace-index.ts";
import { nameGroup, numberedGroup } from "./tasks.ts";

export { numberedGroup };

/** One side of the comparison: a trace, its index and its analysis. */
export interface DiffSide {
  readonly trace: Trace;
  readonly index: TraceIndex;
  readonly analysis: TraceAnalysis;
}

export interface DurationSummary {
  readonly count: number;
  /** Of the tasks that finished; null when none did. */
  readonly p50: number | null;
  readonly p95: number | null;
}

export interface NameDiff {
  /** The name with its numbers replaced by `#`. */
  readonly group: string;
  readonly before: DurationSummary | null;
  readonly after: DurationSummary | null;
}

export interface CriticalPathDiff {
  /** The main task: the longest-lived root task after, matched by name before. */
  readonly task: string;
  readonly before: Pick<CriticalPath, "running" | "ready" | "waiting"> | null;
  readonly after: Pick<CriticalPath, "running" | "ready" | "waiting">;
}

export interface TraceDiff {
  readonly wall: { readonly before: number; readonly after: number };
  readonly names: readonly NameDiff[];
  readonly criticalPath: CriticalPathDiff | null;
  /** Warnings and insights by what they say (their numbers left out), new after and gone. */
  readonly warnings: { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly insights: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

export interface Regression {
  /** "wall time", or the group and which figure ("crawl page # p95"). */
  readonly what: string;
  readonly before: number;
  readonly after: number;
  /** after / before − 1. */
  readonly change: number;
}

function durations(side: DiffSide): Map<string, DurationSummary> {
  const finished = new Map<string, number[]>();
  const counts = new Map<string, number>();
  for (const task of side.trace.tasks) {
    const group = numberedGroup(nameGroup(task.name, task.id));
    counts.set(group, (counts.get(group) ?? 0) + 1);
    if (task.end === null) continue;
    let list = finished.get(group);
    if (list === undefined) finished.set(group, (list = []));
    list.push(task.end - task.created);
  }
  const out = new Map<string, DurationSummary>();
  for (const [group, count] of counts) {
    const sorted = Float64Array.from(finished.get(group) ?? []).sort();
    out.set(group, { count, p50: percentile(sorted, 50), p95: percentile(sorted, 95) });
  }
  return out;
}

function mainTaskPath(before: DiffSide, after: DiffSide): CriticalPathDiff | null {
  const roots = after.trace.tasks.filter((t) => t.parent === null && t.end !== null);
  if (roots.length === 0) return null;
  const main = roots.reduce((a, b) => (b.end! - b.created > a.end! - a.created ? b : a));
  const afterPath = criticalPath(after.index, main.id);
  if (afterPath === null) return null;
  const group = numberedGroup(main.name);
  const twin = before.trace.tasks.find((t) => t.parent === null && t.end !== null && numberedGroup(t.name) === group);
  const beforePath = twin === undefined ? null : criticalPath(before.index, twin.id);
  const figures = (path: CriticalPath) => ({ running: path.running, ready: path.ready, waiting: path.waiting });
  return { task: main.name, before: beforePath === null ? null : figures(beforePath), after: figures(afterPath) };
}

/** What they say, without the numbers that differ between runs. */
function changes(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const beforeKeys = new Set(before.map(numberedGroup));
  const afterKeys = new Set(after.map(numberedGroup));
  return { added: after.filter((text) => !beforeKeys.has(numberedGroup(text))), removed: before.filter((text) => !afterKeys.has(numberedGroup(text))) };
}

export function diffTraces(before: DiffSide, after: DiffSide): TraceDiff {
  const a = durations(before);
  const b = durations(after);
  const groups = [...new Set([...a.keys(), ...b.keys()])];
  const names: NameDiff[] = groups.map((group) => ({ group, before: a.get(group) ?? null, after: b.get(group) ?? null }));
  // The largest change in time first; new and gone groups after those present in both.
  const weight = (d: NameDiff): number => (d.before?.p50 != null && d.after?.p50 != null ? Math.abs(d.after.p50 - d.before.p50) : -1);
  names.sort((x, y) => weight(y) - weight(x) || x.group.localeCompare(y.group));
  return {
    wall: { before: before.trace.end, after: after.trace.end },
    names,
    criticalPath: mainTaskPath(before, after),
    warnings: changes(before.analysis.warnings.map((w) => w.message), after.analysis.warnings.map((w) => w.message)),
    insights: changes(before.analysis.insights.map((i) => i.title), after.analysis.insights.map((i) => i.title)),
  };
}

/**
 * What grew by more than `threshold` (0.2 for 20 %): the wall time, and each group's p50 and
 * p95. Changes under `minMs` are noise on a busy machine, whatever their ratio.
 */
export function regressions(diff: TraceDiff, threshold: number, minMs = 5): Regression[] {
  const out: Regression[] = [];
  const check = (what: string, before: number | null | undefined, after: number | null | undefined): void => {
    if (before == null || after == null || before <= 0) return;
    const change = after / before - 1;
    if (change > threshold && after - before >= minMs) out.push({ what, before, after, change });
  };
  check("wall time", diff.wall.before, diff.wall.after);
  for (const name of diff.names) {
    check(`${name.group} p50`, name.before?.p50, name.after?.p50);
    check(`${name.group} p95`, name.before?.p95, name.after?.p95);
  }
  return out.sort((x, y) => y.change - x.change);
}
