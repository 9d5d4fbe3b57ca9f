/**
 * What deserves a person's attention: slow steps that blocked the loop, long tasks that
 * blocked the main thread outside any task step, task errors nobody retrieved, tasks still
 * pending at the end, a deadlock, and a trace that misses events (dropped, or never recorded
 * because the page froze what the recording had to wrap).
 */
import type { ErrorInfo, SourceInfo } from "../model.ts";
import { us, type TraceIndex } from "./trace-index.ts";
import { awaitGraph, type AwaitEdge } from "./graph.ts";
import { nativeStats, type NativeStats } from "./native.ts";
import { CHECK, inOneGo, NEVER, type Pause } from "./pause.ts";

export type Warning =
  | { readonly kind: "slowStep"; readonly task: number; readonly start: number; readonly duration: number; readonly message: string }
  | { readonly kind: "unretrievedError"; readonly task: number; readonly error: ErrorInfo | null; readonly message: string }
  | { readonly kind: "pendingAtEnd"; readonly tasks: readonly number[]; readonly message: string }
  | {
    readonly kind: "deadlock";
    /** Every live task: all of them wait, and nothing outside them could wake any. */
    readonly tasks: readonly number[];
    /** A wait-for cycle among them (first task repeated at the end), when the awaits name their targets. */
    readonly cycle: readonly number[] | null;
    readonly waits: readonly AwaitEdge[];
    readonly message: string;
  }
  | {
    readonly kind: "longTask";
    readonly source: number;
    readonly start: number;
    readonly duration: number;
    /** The long task and long animation frame operations that reported it. */
    readonly ops: readonly number[];
    /**
     * Tasks with a step inside it that was a long task by itself (50 ms or more), longest first:
     * the step alone was under the slow-step threshold, but it is what blocked the thread.
     */
    readonly tasks: readonly number[];
    readonly message: string;
  }
  | { readonly kind: "droppedEvents"; readonly count: number; readonly message: string }
  | {
    readonly kind: "notRecorded";
    readonly source: number;
    /** The functions the page froze before the recording could wrap them (`SourceInfo.notRecorded`). */
    readonly names: readonly string[];
    readonly message: string;
  };

/** The browser's own threshold (ms): a task this long is a long task. */
const LONG_TASK_MS = 50;

/** A task step of at least `LONG_TASK_MS`. */
interface LongStep { readonly task: number; readonly source: number; readonly start: number; readonly end: number }

export interface WarningOptions {
  /**
   * A step — or a long task of the page's own code — longer than this (ms) blocked the loop.
   * Default 100, as asyncio's slow_callback_duration.
   */
  slowStepMs?: number;
}

/** Await kinds a timer or the host ends by itself, whatever the other tasks do. */
const SELF_ENDING_KINDS = new Set(["sleep", "promise"]);
/** `wait(…, 500ms)` carries its timeout only in its label. */
const WAIT_WITH_TIMEOUT = /\d(?:\.\d+)?ms\)$/;

/** `native`: the trace's native statistics, when the caller has them already. */
export function warnings(index: TraceIndex, options: WarningOptions = {}, native: readonly NativeStats[] = nativeStats(index.trace)): Warning[] {
  return inOneGo(warningsBuild(index, options, native, NEVER));
}

/** warnings, pausing (yielding) whenever `pause` says so: between its checks, and inside those that read every step or task. */
export function* warningsBuild(index: TraceIndex, options: WarningOptions, native: readonly NativeStats[], pause: Pause): Generator<void, Warning[], void> {
  const { trace } = index;
  const slowStepMs = options.slowStepMs ?? 100;
  const name = (id: number): string => trace.tasks[index.taskPos.get(id) ?? -1]?.name ?? `#${id}`;
  const out: Warning[] = [];
  if (trace.droppedEvents > 0) {
    out.push({ kind: "droppedEvents", count: trace.droppedEvents, message: `${trace.droppedEvents} events were dropped (the recorder's buffer was full): the trace is incomplete, tasks shown pending may have finished, and no deadlock can be proven` });
  }
  for (const source of trace.sources) {
    if (source.notRecorded !== undefined && source.notRecorded.length > 0) out.push(notRecorded(source, source.notRecorded, trace.sources.length > 1));
  }
  const slowSteps: LongStep[] = [];
  const longSteps: LongStep[] = [];
  for (let k = 0; k < trace.steps.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const step = trace.steps[k]!;
    const end = step.end ?? trace.end;
    const duration = us(end - step.start);
    if (duration < LONG_TASK_MS) continue;
    const long = { task: step.task, source: trace.tasks[index.taskPos.get(step.task)!]!.source, start: step.start, end };
    longSteps.push(long);
    if (duration > slowStepMs) {
      slowSteps.push(long);
      out.push({ kind: "slowStep", task: step.task, start: step.start, duration, message: `a step of ${name(step.task)} blocked the event loop for ${duration} ms (more than ${slowStepMs} ms)` });
    }
  }
  for (const stats of native) {
    for (const span of stats.blockedSpans) {
      const duration = us(span.end - span.start);
      if (duration <= slowStepMs) continue;
      // A slow task step inside it is the same blocking, already reported with its task's name.
      if (slowSteps.some((step) => step.source === span.source && step.start < span.end && span.start < step.end)) continue;
      const where = native.length > 1 ? ` in ${trace.sources[span.source]?.label ?? `source ${span.source}`}` : "";
      const inside = longSteps
        .filter((step) => step.source === span.source && step.start < span.end && span.start < step.end)
        .sort((a, b) => (b.end - b.start) - (a.end - a.start));
      const tasks = [...new Set(inside.map((step) => step.task))];
      const by = inside.length > 0
        ? `; mostly a step of ${name(inside[0]!.task)} (${us(inside[0]!.end - inside[0]!.start)} ms)`
        : span.scripts.length > 0 ? `; longest script: ${span.scripts[0]}` : "";
      out.push({
        kind: "longTask", source: span.source, start: span.start, duration, ops: span.ops, tasks,
        message: `the main thread was blocked for ${duration} ms at ${us(span.start)} ms${where} (a long task, more than ${slowStepMs} ms)${by}`,
      });
    }
  }
  if (pause.due()) yield;
  const awaited = new Set<number>();
  for (let k = 0; k < trace.awaits.length; k++) {
    const target = trace.awaits[k]!.targetTask;
    if (target !== null) awaited.add(target);
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  for (let p = 0; p < trace.tasks.length; p++) {
    if ((p & CHECK) === 0 && pause.due()) yield;
    const task = trace.tasks[p]!;
    if (task.outcome === "error" && task.errorRetrieved === null && !awaited.has(task.id)) {
      const what = task.error !== null ? `${task.error.name}: ${task.error.message}` : "an error";
      out.push({ kind: "unretrievedError", task: task.id, error: task.error, message: `${task.name} failed with ${what}, and nobody retrieved it` });
    }
  }
  if (pause.due()) yield;
  const pending = trace.tasks.filter((t) => t.outcome === "pending").map((t) => t.id);
  if (pending.length > 0) {
    out.push({ kind: "pendingAtEnd", tasks: pending, message: `${pending.length} task${pending.length === 1 ? " was" : "s were"} still pending at the end: ${pending.slice(0, 5).map(name).join(", ")}${pending.length > 5 ? "…" : ""}` });
  }
  // The recorder drops the newest events when it is overloaded: a task's exit, or the step
  // that broke a cycle, may be among them, so the end state proves no deadlock then.
  if (pause.due()) yield;
  const deadlock = trace.droppedEvents > 0 ? null : findDeadlock(index, pending);
  if (deadlock !== null) out.push(deadlock);
  return out;
}

/** What is missing where `source`'s recording could not wrap its `notRecorded`; the source is named when the trace has several (`named`). */
function notRecorded(source: SourceInfo, names: readonly string[], named: boolean): Warning {
  const where = named ? ` in ${source.label}${source.url === null ? "" : ` (${source.url})`}` : "";
  const missing = names.filter((name) => !NOT_RECORDED_MEANS.has(name));
  const consequences = [
    ...(missing.length === 0 ? [] : [`what went through ${list(missing)} is missing from the trace`]),
    ...names.flatMap((name) => NOT_RECORDED_MEANS.get(name) ?? []),
  ];
  return {
    kind: "notRecorded", source: source.id, names,
    message: `the page froze ${list(names)} before the recording could wrap ${names.length === 1 ? "it" : "them"}${where}: ${consequences.join("; ")}`,
  };
}

/** What leaving a function unwrapped means, for those whose calls are not themselves recorded (a file may name anything). */
const NOT_RECORDED_MEANS: ReadonlyMap<string, string> = new Map([
  ["Promise.prototype.then", ".then, .catch and .finally continuations carry no cause (which operation's callback started what)"],
  ["Function.prototype.toString", "the page can tell aioscope's wrappers from its own functions by their source (nothing is missing)"],
]);

function list(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]!}`;
}

/**
 * A deadlock at the end of the trace: every live task waits, none on something a timer, the
 * host or a native operation ends by itself, no live task has an unexpired timeout, and no
 * native operation is still pending. The wait-for graph (awaited tasks, holders of awaited
 * locks and semaphores) then shows the cycle, when the awaits name their targets.
 */
function findDeadlock(index: TraceIndex, live: readonly number[]): Warning | null {
  const { trace } = index;
  if (live.length === 0) return null;
  if (trace.nativeOps.some((op) => op.end === null)) return null;
  const graph = awaitGraph(index, trace.end);
  if (graph.running.length > 0 || graph.ready.length > 0) return null;
  const edgeOf = new Map(graph.edges.map((e) => [e.task, e]));
  const liveSet = new Set(live);
  for (const t of trace.timeouts) if (t.expired === null && t.deadline > trace.end && liveSet.has(t.task)) return null;
  for (const id of live) {
    const edge = edgeOf.get(id);
    if (edge === undefined) return null; // not waiting: it could still run
    if (SELF_ENDING_KINDS.has(edge.kind)) return null;
    if (edge.kind === "wait" && WAIT_WITH_TIMEOUT.test(edge.label)) return null;
  }
  const successors = (id: number): number[] => {
    const edge = edgeOf.get(id)!;
    const next = edge.targetTask !== null ? [edge.targetTask, ...edge.holders] : [...edge.holders];
    return next.filter((n) => liveSet.has(n));
  };
  const cycle = findCycle(live, successors);
  const names = new Map(trace.tasks.map((t) => [t.id, t.name]));
  const waits = live.map((id) => edgeOf.get(id)!);
  const described = cycle !== null
    ? `wait-for cycle: ${cycle.map((id) => names.get(id)).join(" → ")}`
    : `each waits on something only another of them could finish: ${waits.slice(0, 4).map((w) => `${names.get(w.task)} on ${w.label}`).join(", ")}${waits.length > 4 ? "…" : ""}`;
  return {
    kind: "deadlock", tasks: live, cycle, waits,
    message: `deadlock: all ${live.length} live task${live.length === 1 ? "" : "s"} wait and nothing can wake them; ${described}`,
  };
}

/** A cycle in the graph (iterative DFS, first found in task order), closed by repeating its first node. */
export function findCycle(nodes: readonly number[], successors: (id: number) => number[]): number[] | null {
  const state = new Map<number, 1 | 2>(); // 1 on the stack, 2 finished
  for (const start of nodes) {
    if (state.has(start)) continue;
    const stack: { id: number; next: number[]; k: number }[] = [{ id: start, next: successors(start), k: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.k >= top.next.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const n = top.next[top.k++]!;
      const s = state.get(n);
      if (s === 1) {
        const from = stack.findIndex((f) => f.id === n);
        return [...stack.slice(from).map((f) => f.id), n];
      }
      if (s === undefined) {
        state.set(n, 1);
        stack.push({ id: n, next: successors(n), k: 0 });
      }
    }
  }
  return null;
}
