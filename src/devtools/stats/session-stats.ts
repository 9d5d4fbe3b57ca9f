/**
 * The statistics the view shows, from the trace model's analysis, as one build that can
 * pause (see stats-job.ts): between its parts, and inside the longest (the concurrency
 * series, the per-task statistics, the warnings and the insights that read every step, task or lock hold).
 */
import { findingsBuild, type ConcurrencySeries, type TraceAnalysis } from "../../trace/analysis.ts";
import { concurrencySeriesBuild, concurrencySummaryBuild, loopStatsBuild } from "../../trace/analysis/concurrency.ts";
import { nameStatsBuild, taskStatsBuild } from "../../trace/analysis/tasks.ts";
import { resourceWaitsBuild } from "../../trace/analysis/resources.ts";
import { inOneGo, NEVER, type Pause } from "../../trace/analysis/pause.ts";
import type { TimelineModel } from "../timeline/model.ts";

/** What the statistics view shows: the parts of the trace model's analysis it draws, and the model they are of. */
export type SessionStats = Pick<TraceAnalysis, "summary" | "loops" | "tasks" | "byName" | "resources" | "native" | "warnings" | "insights"> & {
  readonly model: TimelineModel;
  /** TraceAnalysis's `concurrency`. */
  readonly series: ConcurrencySeries;
};

/** The analysis of `model`, pausing (yielding) whenever `pause` says so; its return value is the statistics. */
export function* analyzeSessionBuild(model: TimelineModel, pause: Pause): Generator<void, SessionStats, void> {
  const { trace, index } = model;
  const series = yield* concurrencySeriesBuild(trace, pause);
  if (pause.due()) yield;
  const summary = yield* concurrencySummaryBuild(series, trace.end, pause);
  if (pause.due()) yield;
  const tasks = yield* taskStatsBuild(index, pause);
  if (pause.due()) yield;
  const loops = yield* loopStatsBuild(trace, (id) => trace.tasks[index.taskPos.get(id) ?? 0]?.source ?? 0, pause);
  if (pause.due()) yield;
  const byName = yield* nameStatsBuild(trace, tasks, pause);
  if (pause.due()) yield;
  const resources = yield* resourceWaitsBuild(trace, pause);
  if (pause.due()) yield;
  return { model, series, summary, loops, tasks, byName, resources, ...(yield* findingsBuild(index, {}, pause)) };
}

/** The analysis of `model` in one go. */
export function analyzeSession(model: TimelineModel): SessionStats {
  return inOneGo(analyzeSessionBuild(model, NEVER));
}
