/**
 * Per-task time accounting as tokio-console shows it, per-name aggregates, and who woke whom.
 *
 * For a task alive over [created, end]: busy is the time in its steps, scheduled the time it
 * was ready but not yet running (each step's `start - ready`, and a pending wake-up's time
 * until the trace's end), idle the rest (suspended in awaits). total = busy + scheduled + idle.
 */
import { localIdOf, WAKE_KINDS, type Trace, type WakeKind } from "../model.ts";
import { percentile, us, type TraceIndex } from "./trace-index.ts";
import { CHECK, inOneGo, NEVER, type Pause } from "./pause.ts";

export interface TaskStats {
  readonly task: number;
  readonly name: string;
  readonly total: number;
  readonly busy: number;
  readonly scheduled: number;
  readonly idle: number;
  readonly steps: number;
  readonly awaits: number;
}

export interface NameStats {
  /** The task name; default names (`Task-<id>`) are counted together as `Task-<n>`. */
  readonly name: string;
  readonly count: number;
  readonly done: number;
  readonly errors: number;
  readonly cancelled: number;
  readonly pending: number;
  /** Tasks of this name whose timeout expired. */
  readonly timeouts: number;
  /** Durations (end - created) of the tasks that finished, nearest-rank percentiles; null if none did. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
  readonly busy: number;
  readonly steps: number;
}

/** How often `waker` (a task, or null for timers, the host and loop callbacks) woke `task` this way. */
export interface WakeEdge {
  readonly task: number;
  readonly kind: WakeKind;
  readonly waker: number | null;
  readonly count: number;
}

export const DEFAULT_NAME_GROUP = "Task-<n>";

/** "crawl page 17" → "crawl page #": a name without the numbers that differ from run to run and task to task. */
export function numberedGroup(name: string): string {
  return name.replace(/\d+(?:\.\d+)?/g, "#");
}

export function nameGroup(name: string, id: number): string {
  return name === `Task-${localIdOf(id)}` ? DEFAULT_NAME_GROUP : name;
}

export function taskStats(index: TraceIndex): TaskStats[] {
  return inOneGo(taskStatsBuild(index, NEVER));
}

/** taskStats, pausing (yielding) whenever `pause` says so (see pause.ts). */
export function* taskStatsBuild(index: TraceIndex, pause: Pause): Generator<void, TaskStats[], void> {
  const { trace } = index;
  const n = trace.tasks.length;
  const busy = new Float64Array(n);
  const scheduled = new Float64Array(n);
  const steps = new Uint32Array(n);
  const awaits = new Uint32Array(n);
  for (let k = 0; k < trace.steps.length; k++) {
    const step = trace.steps[k]!;
    const p = index.taskPos.get(step.task)!;
    busy[p]! += (step.end ?? trace.end) - step.start;
    if (step.ready !== null) scheduled[p]! += step.start - step.ready;
    steps[p]!++;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  for (let k = 0; k < trace.awaits.length; k++) {
    awaits[index.taskPos.get(trace.awaits[k]!.task)!]!++;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  const out: TaskStats[] = [];
  for (let p = 0; p < n; p++) {
    if ((p & CHECK) === 0 && pause.due()) yield;
    const task = trace.tasks[p]!;
    if (task.ready !== null) scheduled[p]! += trace.end - task.ready.time;
    const total = (task.end ?? trace.end) - task.created;
    out.push({
      task: task.id,
      name: task.name,
      total: us(total),
      busy: us(busy[p]!),
      scheduled: us(scheduled[p]!),
      idle: us(Math.max(0, total - busy[p]! - scheduled[p]!)),
      steps: steps[p]!,
      awaits: awaits[p]!,
    });
  }
  return out;
}

export function nameStats(trace: Trace, stats: readonly TaskStats[]): NameStats[] {
  return inOneGo(nameStatsBuild(trace, stats, NEVER));
}

/** nameStats, pausing (yielding) whenever `pause` says so (see pause.ts). */
export function* nameStatsBuild(trace: Trace, stats: readonly TaskStats[], pause: Pause): Generator<void, NameStats[], void> {
  const timedOut = new Set<number>();
  for (const t of trace.timeouts) if (t.expired !== null) timedOut.add(t.task);
  interface Acc { count: number; done: number; errors: number; cancelled: number; pending: number; timeouts: number; durations: number[]; busy: number; steps: number }
  const groups = new Map<string, Acc>();
  for (let p = 0; p < trace.tasks.length; p++) {
    if ((p & CHECK) === 0 && pause.due()) yield;
    const task = trace.tasks[p]!;
    const key = nameGroup(task.name, task.id);
    let acc = groups.get(key);
    if (acc === undefined) groups.set(key, (acc = { count: 0, done: 0, errors: 0, cancelled: 0, pending: 0, timeouts: 0, durations: [], busy: 0, steps: 0 }));
    acc.count++;
    if (task.outcome === "done") acc.done++;
    else if (task.outcome === "error") acc.errors++;
    else if (task.outcome === "cancelled") acc.cancelled++;
    else acc.pending++;
    if (timedOut.has(task.id)) acc.timeouts++;
    if (task.end !== null) acc.durations.push(us(task.end - task.created));
    acc.busy += stats[p]!.busy;
    acc.steps += stats[p]!.steps;
  }
  const result: NameStats[] = [];
  for (const [name, acc] of groups) {
    if (pause.due()) yield;
    const sorted = Float64Array.from(acc.durations).sort();
    result.push({
      name, count: acc.count, done: acc.done, errors: acc.errors, cancelled: acc.cancelled, pending: acc.pending,
      timeouts: acc.timeouts, p50: percentile(sorted, 50), p95: percentile(sorted, 95),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : null, busy: us(acc.busy), steps: acc.steps,
    });
  }
  return result.sort((x, y) => y.busy - x.busy || y.count - x.count || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** Who woke whom, counted per (task, kind, waker); most frequent first. */
export function wakeEdges(trace: Trace): { edges: WakeEdge[]; byKind: Record<WakeKind, number> } {
  const byKind = Object.fromEntries(WAKE_KINDS.map((k) => [k, 0])) as Record<WakeKind, number>;
  const counts = new Map<string, { task: number; kind: WakeKind; waker: number | null; count: number }>();
  const add = (task: number, kind: WakeKind, waker: number | null): void => {
    byKind[kind]++;
    const key = `${task}|${kind}|${waker ?? ""}`;
    const known = counts.get(key);
    if (known !== undefined) known.count++;
    else counts.set(key, { task, kind, waker, count: 1 });
  };
  for (const step of trace.steps) if (step.wake !== null) add(step.task, step.wake, step.waker);
  for (const task of trace.tasks) if (task.ready !== null) add(task.id, task.ready.kind, task.ready.waker);
  const edges = [...counts.values()].sort((x, y) => y.count - x.count || x.task - y.task
    || WAKE_KINDS.indexOf(x.kind) - WAKE_KINDS.indexOf(y.kind) || (x.waker ?? -1) - (y.waker ?? -1));
  return { edges, byKind };
}
