/**
 * The statistics the view shows, from the trace model's analysis — computed when the view is
 * first shown for a trace, and again only when the trace changes (a live session is
 * re-analysed at most once a second while it grows, and less often when the analysis costs
 * more: it then takes at most a fifth of the panel's time).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  concurrencySeries, concurrencySummary, findings, loopStats, nameStats, resourceWaits, taskStats,
  type ConcurrencySeries, type ConcurrencySummary, type Insight, type LoopStats, type NameStats, type NativeStats, type ResourceWaitStats, type TaskStats, type Warning,
} from "../../trace/analysis.ts";
import type { TimelineModel } from "../timeline/model.ts";

export interface SessionStats {
  readonly model: TimelineModel;
  readonly series: ConcurrencySeries;
  readonly summary: ConcurrencySummary;
  readonly loops: readonly LoopStats[];
  readonly tasks: readonly TaskStats[];
  readonly byName: readonly NameStats[];
  readonly resources: readonly ResourceWaitStats[];
  /** The page's own work per document: main-thread blocking, requests, timers. */
  readonly native: readonly NativeStats[];
  readonly warnings: readonly Warning[];
  /** What to change, ranked by the time it would save. */
  readonly insights: readonly Insight[];
}

const REANALYSE_MS = 1000;
const MAX_SHARE_OF_TIME = 0.2;

export function analyseSession(model: TimelineModel): SessionStats {
  const { trace, index } = model;
  const series = concurrencySeries(trace);
  const tasks = taskStats(index);
  return {
    model,
    series,
    summary: concurrencySummary(series, trace.end),
    loops: loopStats(trace, (id) => trace.tasks[index.taskPos.get(id) ?? 0]?.source ?? 0),
    tasks,
    byName: nameStats(trace, tasks),
    resources: resourceWaits(trace),
    ...findings(index),
  };
}

/** The analysis of `model`, following it as it changes but at most once a second. */
export function useStats(model: TimelineModel): SessionStats {
  const first = useMemo(() => analyseSession(model), []);
  const [stats, setStats] = useState(first);
  const last = useRef(performance.now());
  const cost = useRef(0);
  useEffect(() => {
    if (stats.model === model) return;
    const sameSession = stats.model.trace.metadata.timeOrigin === model.trace.metadata.timeOrigin;
    const interval = Math.max(REANALYSE_MS, cost.current / MAX_SHARE_OF_TIME);
    const wait = sameSession ? Math.max(0, last.current + interval - performance.now()) : 0;
    const timer = setTimeout(() => {
      const started = performance.now();
      const next = analyseSession(model);
      last.current = performance.now();
      cost.current = last.current - started;
      setStats(next);
    }, wait);
    return () => clearTimeout(timer);
  }, [model]);
  return stats;
}
