/**
 * Everything the details pane says about one task, gathered from the trace through the
 * timeline model's indexes (no scan of the whole trace per selection, except for who it
 * woke, which the pane does not list).
 */
import { taskStats, type TaskStats } from "../../trace/analysis.ts";
import type { AwaitRecord, CancellationRecord, NativeOpRecord, StepRecord, TaskRecord, TimeoutRecord } from "../../trace/model.ts";
import type { TimelineModel } from "../timeline/model.ts";

export interface TimeoutFact {
  readonly timeout: TimeoutRecord;
  /** The await the expiry interrupted, if the task was waiting then. */
  readonly interrupted: AwaitRecord | null;
}

export interface TaskFacts {
  readonly task: TaskRecord;
  readonly stats: TaskStats;
  readonly parent: TaskRecord | null;
  readonly steps: readonly StepRecord[];
  readonly awaits: readonly AwaitRecord[];
  readonly cancellations: readonly CancellationRecord[];
  readonly timeouts: readonly TimeoutFact[];
  readonly children: readonly TaskRecord[];
  readonly nativeOps: readonly NativeOpRecord[];
}

/** Per-task time accounting for the whole trace, computed once per trace when first asked. */
const statsCache = new WeakMap<object, readonly TaskStats[]>();

function statsOf(model: TimelineModel): readonly TaskStats[] {
  let stats = statsCache.get(model.trace);
  if (stats === undefined) statsCache.set(model.trace, (stats = taskStats(model.index)));
  return stats;
}

export function taskFacts(model: TimelineModel, node: number): TaskFacts {
  const { trace, index } = model;
  const task = trace.tasks[node]!;
  const steps: StepRecord[] = [];
  for (let k = index.stepOffsets[node]!; k < index.stepOffsets[node + 1]!; k++) steps.push(trace.steps[index.stepList[k]!]!);
  const awaits: AwaitRecord[] = [];
  for (let k = index.awaitOffsets[node]!; k < index.awaitOffsets[node + 1]!; k++) awaits.push(trace.awaits[index.awaitList[k]!]!);
  const cancellations: CancellationRecord[] = [];
  for (let k = model.cancelOffsets[node]!; k < model.cancelOffsets[node + 1]!; k++) cancellations.push(trace.cancellations[model.cancelList[k]!]!);
  const timeouts: TimeoutFact[] = [];
  for (let k = model.timeoutOffsets[node]!; k < model.timeoutOffsets[node + 1]!; k++) {
    const timeout = trace.timeouts[model.timeoutList[k]!]!;
    const at = timeout.expired;
    const interrupted = at === null ? null : (awaits.find((a) => a.start <= at && (a.end ?? trace.end) >= at) ?? null);
    timeouts.push({ timeout, interrupted });
  }
  const children: TaskRecord[] = [];
  const nativeOps: NativeOpRecord[] = [];
  for (let c = model.childOffsets[node]!; c < model.childOffsets[node + 1]!; c++) {
    const child = model.childList[c]!;
    if (child < model.taskCount) children.push(trace.tasks[child]!);
    else nativeOps.push(trace.nativeOps[child - model.taskCount]!);
  }
  const parentPos = model.parent[node]!;
  return {
    task, stats: statsOf(model)[node]!, parent: parentPos >= 0 ? trace.tasks[parentPos]! : null,
    steps, awaits, cancellations, timeouts, children, nativeOps,
  };
}
