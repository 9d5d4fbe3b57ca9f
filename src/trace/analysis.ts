/**
 * Analysis of a trace: pure functions of the model, the same for the panel (in a worker) and
 * the CLI. Results are plain objects and typed arrays, so they survive structured clone.
 *
 * @example
 * const result = analyze(trace, { slowStepMs: 50 });
 * result.summary.alive.peak;            // the most tasks alive at once
 * result.warnings.filter((w) => w.kind === "deadlock");
 * result.insights[0]?.savingMs;      // the change that would save the most time
 * criticalPath(indexTrace(trace), mainTaskId);
 */
import type { Trace, WakeKind } from "./model.ts";
import { indexTrace, type TraceIndex } from "./analysis/trace-index.ts";
import { concurrencySeries, concurrencySummary, loopStats, type ConcurrencySeries, type ConcurrencySummary, type LoopStats } from "./analysis/concurrency.ts";
import { nameStats, taskStats, wakeEdges, type NameStats, type TaskStats, type WakeEdge } from "./analysis/tasks.ts";
import { awaitGraph, criticalPath, type AwaitGraph, type CriticalPath } from "./analysis/graph.ts";
import { resourceWaits, type ResourceWaitStats } from "./analysis/resources.ts";
import { warningsBuild, type Warning, type WarningOptions } from "./analysis/warnings.ts";
import { nativeStats, type NativeStats } from "./analysis/native.ts";
import { insightsBuild, type Insight, type InsightOptions } from "./analysis/insights.ts";
import { inOneGo, NEVER, type Pause } from "./analysis/pause.ts";

export { indexTrace, percentile, type TraceIndex } from "./analysis/trace-index.ts";
export { concurrencySeries, concurrencySummary, loopStats, seriesStats } from "./analysis/concurrency.ts";
export type { ConcurrencySeries, ConcurrencySummary, LoopStats, SeriesStats } from "./analysis/concurrency.ts";
export { nameStats, taskStats, wakeEdges, nameGroup, DEFAULT_NAME_GROUP } from "./analysis/tasks.ts";
export type { NameStats, TaskStats, WakeEdge } from "./analysis/tasks.ts";
export { awaitGraph, criticalPath, holdersAt } from "./analysis/graph.ts";
export type { AwaitEdge, AwaitGraph, CriticalPath, PathSegment } from "./analysis/graph.ts";
export { resourceWaits } from "./analysis/resources.ts";
export type { ResourceWaitStats } from "./analysis/resources.ts";
export { warnings } from "./analysis/warnings.ts";
export type { Warning, WarningOptions } from "./analysis/warnings.ts";
export { nativeStats, BLOCKING_KINDS } from "./analysis/native.ts";
export { insights } from "./analysis/insights.ts";
export { snapshotCycles, snapshotRows, stuckOnCycles, describeCycle, describeLiveAwait, taskLabel } from "./analysis/snapshot.ts";
export type {
  FrameSnapshot, SnapshotAwait, SnapshotCycle, SnapshotRow, SnapshotRuntime, SnapshotTask, SnapshotTaskState,
} from "./analysis/snapshot.ts";
export { diffTraces, numberedGroup, regressions } from "./analysis/diff.ts";
export type { CriticalPathDiff, DiffSide, DurationSummary, NameDiff, Regression, TraceDiff } from "./analysis/diff.ts";
export type { Insight, InsightKind, InsightOptions } from "./analysis/insights.ts";
export type { BlockedSpan, NativeStats, OutcomeCounts } from "./analysis/native.ts";

export interface AnalysisOptions extends WarningOptions, InsightOptions {
  /** Also compute the critical path of these tasks. */
  criticalPaths?: readonly number[];
}

export interface TraceAnalysis {
  readonly end: number;
  readonly concurrency: ConcurrencySeries;
  readonly summary: ConcurrencySummary;
  /** Per source (frame): the event loop's utilisation by task steps. */
  readonly loops: readonly LoopStats[];
  readonly tasks: readonly TaskStats[];
  readonly byName: readonly NameStats[];
  readonly wakeups: readonly WakeEdge[];
  readonly wakeKinds: Readonly<Record<WakeKind, number>>;
  readonly resources: readonly ResourceWaitStats[];
  /** Per source with native operations: main-thread blocking, requests and timers. */
  readonly native: readonly NativeStats[];
  /** Who awaits whom at the end of the trace. */
  readonly awaitGraph: AwaitGraph;
  readonly criticalPaths: readonly CriticalPath[];
  readonly warnings: readonly Warning[];
  /** What to change, ranked by the time it would save. */
  readonly insights: readonly Insight[];
}

/** What deserves attention, each built on the one before: native statistics, warnings, insights. */
export interface Findings {
  readonly native: readonly NativeStats[];
  readonly warnings: readonly Warning[];
  readonly insights: readonly Insight[];
}

export function findings(index: TraceIndex, options: WarningOptions & InsightOptions = {}): Findings {
  return inOneGo(findingsBuild(index, options, NEVER));
}

/** findings, pausing (yielding) whenever `pause` says so (see analysis/pause.ts). */
export function* findingsBuild(index: TraceIndex, options: WarningOptions & InsightOptions, pause: Pause): Generator<void, Findings, void> {
  const native = nativeStats(index.trace);
  if (pause.due()) yield;
  const found = yield* warningsBuild(index, options, native, pause);
  if (pause.due()) yield;
  return { native, warnings: found, insights: yield* insightsBuild(index, found, options, pause) };
}

export function analyze(trace: Trace, options: AnalysisOptions = {}): TraceAnalysis {
  const index: TraceIndex = indexTrace(trace);
  const concurrency = concurrencySeries(trace);
  const tasks = taskStats(index);
  const { edges, byKind } = wakeEdges(trace);
  const sourceOf = new Map(trace.tasks.map((t) => [t.id, t.source]));
  const found = findings(index, options);
  const paths: CriticalPath[] = [];
  for (const id of options.criticalPaths ?? []) {
    const path = criticalPath(index, id);
    if (path !== null) paths.push(path);
  }
  return {
    end: trace.end,
    concurrency,
    summary: concurrencySummary(concurrency, trace.end),
    loops: loopStats(trace, (id) => sourceOf.get(id) ?? 0),
    tasks,
    byName: nameStats(trace, tasks),
    wakeups: edges,
    wakeKinds: byKind,
    resources: resourceWaits(trace),
    native: found.native,
    awaitGraph: awaitGraph(index),
    criticalPaths: paths,
    warnings: found.warnings,
    insights: found.insights,
  };
}
