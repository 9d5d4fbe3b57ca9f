/**
 * Who awaits whom at a moment (like Python 3.14's asyncio.capture_call_graph), who holds
 * which lock or semaphore, and the critical path of a task.
 */
import type { Trace } from "../model.ts";
import { awaitsOf, stepsOf, us, type TraceIndex } from "./trace-index.ts";
import { partitionPoint } from "../sorted.ts";

export interface AwaitEdge {
  readonly task: number;
  readonly kind: string;
  readonly label: string;
  readonly since: number;
  readonly targetTask: number | null;
  readonly resource: number | null;
  /** Tasks holding the awaited lock or semaphore at that moment (from its acquire/release operations). */
  readonly holders: readonly number[];
}

export interface AwaitGraph {
  readonly at: number;
  /** One edge per task suspended at `at`, in task order. */
  readonly edges: readonly AwaitEdge[];
  /** Tasks running a step at `at`. */
  readonly running: readonly number[];
  /** Tasks woken and waiting for their next step at `at`. */
  readonly ready: readonly number[];
}

/**
 * Holders of each lock/semaphore at `at`: an `acquire` by a task adds it; a `release` removes
 * that task if it holds, else the oldest holder (asyncio lets another task release).
 */
export function holdersAt(trace: Trace, at: number): Map<number, number[]> {
  const holders = new Map<number, number[]>();
  for (const op of trace.resourceOps) {
    if (op.time > at) break;
    if (op.task === null && op.op !== "release") continue;
    let list = holders.get(op.resource);
    if (op.op === "acquire") {
      if (list === undefined) holders.set(op.resource, (list = []));
      list.push(op.task!);
    } else if (op.op === "release" && list !== undefined && list.length > 0) {
      const k = op.task === null ? -1 : list.indexOf(op.task);
      list.splice(k >= 0 ? k : 0, 1);
    }
  }
  return holders;
}

/** A slice of time a task on the critical path spent one way. */
export interface PathSegment {
  readonly task: number;
  readonly state: "running" | "ready" | "waiting";
  readonly start: number;
  readonly end: number;
  /** For waiting segments: what was awaited. */
  readonly kind: string | null;
  readonly label: string | null;
}

export interface CriticalPath {
  readonly task: number;
  /** Chronological; together they cover the task's lifetime as far as the trace tells. */
  readonly segments: readonly PathSegment[];
  readonly running: number;
  readonly ready: number;
  readonly waiting: number;
}

export function awaitGraph(index: TraceIndex, at: number = index.trace.end): AwaitGraph {
  const { trace } = index;
  const holders = holdersAt(trace, at);
  const edges: AwaitEdge[] = [];
  const running: number[] = [];
  const ready: number[] = [];
  trace.tasks.forEach((task, p) => {
    if (task.created > at || (task.end !== null && task.end <= at)) return;
    const steps = stepsOf(index, p);
    for (let k = steps.length - 1; k >= 0; k--) {
      const step = trace.steps[steps[k]!]!;
      if (step.start > at) continue;
      if (step.end === null || step.end > at) running.push(task.id);
      break;
    }
    const awaits = awaitsOf(index, p);
    let waiting = false;
    for (let k = awaits.length - 1; k >= 0; k--) {
      const a = trace.awaits[awaits[k]!]!;
      if (a.start > at) continue;
      if (a.end === null || a.end > at) {
        waiting = true;
        edges.push({
          task: task.id, kind: a.kind, label: a.label, since: a.start, targetTask: a.targetTask, resource: a.resource,
          holders: a.resource === null ? [] : (holders.get(a.resource) ?? []).slice(),
        });
      }
      break;
    }
    if (!waiting && !running.includes(task.id) && isReadyAt(index, p, at)) ready.push(task.id);
  });
  return { at, edges, running, ready };
}

function isReadyAt(index: TraceIndex, p: number, at: number): boolean {
  const { trace } = index;
  const task = trace.tasks[p]!;
  if (task.ready !== null && task.ready.time <= at) return true;
  const steps = stepsOf(index, p);
  for (let k = 0; k < steps.length; k++) {
    const step = trace.steps[steps[k]!]!;
    if (step.ready !== null && step.ready <= at && step.start > at) return true;
  }
  return false;
}

/** Position (in the task's own step list) of its last step starting at or before `t`, or -1. */
function stepAt(index: TraceIndex, steps: Int32Array, t: number): number {
  return partitionPoint(0, steps.length, (k) => index.trace.steps[steps[k]!]!.start <= t) - 1;
}

/**
 * The chain of work that decided when `taskId` finished, walking back from its end: its
 * steps, the time it sat ready, and for each await either the wait itself (a timer, the
 * host) or — when another task's step woke it — that task's own history up to the wake-up.
 * A wake-up by a loop callback (gather, wait) follows the child task that finished last
 * before it, the usual reason such a callback ran.
 */
export function criticalPath(index: TraceIndex, taskId: number): CriticalPath | null {
  const { trace } = index;
  const rootPos = index.taskPos.get(taskId);
  if (rootPos === undefined) return null;
  const root = trace.tasks[rootPos]!;
  const floor = root.created;
  const segments: PathSegment[] = [];
  const push = (task: number, state: PathSegment["state"], start: number, end: number, kind: string | null = null, label: string | null = null): boolean => {
    const s = Math.max(start, floor);
    if (end > s) segments.push({ task, state, start: s, end, kind, label });
    return start <= floor;
  };
  let children: Map<number, number[]> | undefined;
  let pos = rootPos;
  let t = root.end ?? trace.end;
  let steps = stepsOf(index, pos);
  let k = stepAt(index, steps, t);
  for (let guard = trace.steps.length + trace.tasks.length + 1; guard > 0 && k >= 0 && t > floor; guard--) {
    const task = trace.tasks[pos]!;
    const step = trace.steps[steps[k]!]!;
    if (push(task.id, "running", step.start, Math.min(t, step.end ?? trace.end))) break;
    t = step.start;
    if (step.ready === null) break;
    if (push(task.id, "ready", step.ready, t)) break;
    t = step.ready;
    let next: number | undefined;
    if ((step.wake === "spawn" || step.wake === "task" || step.wake === "cancel") && step.waker !== null && step.waker !== task.id) {
      next = index.taskPos.get(step.waker);
      if (step.wake === "spawn" && task.id === root.id) break;
    } else if (k > 0) {
      const awaits = awaitsOf(index, pos);
      const previous = trace.awaits[lastBefore(index, awaits, t)];
      if (step.wake === "callback" && previous !== undefined) {
        children ??= childrenByParent(trace);
        next = lastChildToEnd(trace, children.get(task.id), previous.start, t);
        if (next !== undefined) t = trace.tasks[next]!.end!;
      }
      if (next === undefined && previous !== undefined) {
        if (push(task.id, "waiting", previous.start, t, previous.kind, previous.label)) break;
        t = previous.start;
      }
    }
    if (next !== undefined) {
      pos = next;
      steps = stepsOf(index, pos);
      k = stepAt(index, steps, t);
    } else k--;
  }
  segments.reverse();
  let running = 0;
  let ready = 0;
  let waiting = 0;
  for (const s of segments) {
    const d = s.end - s.start;
    if (s.state === "running") running += d;
    else if (s.state === "ready") ready += d;
    else waiting += d;
  }
  return { task: taskId, segments, running: us(running), ready: us(ready), waiting: us(waiting) };
}

/** Index (into `awaits`) of the task's last await that ended at or before `t`. */
function lastBefore(index: TraceIndex, awaits: Int32Array, t: number): number {
  for (let k = awaits.length - 1; k >= 0; k--) {
    const a = index.trace.awaits[awaits[k]!]!;
    if (a.end !== null && a.end <= t) return awaits[k]!;
  }
  return -1;
}

function childrenByParent(trace: Trace): Map<number, number[]> {
  const children = new Map<number, number[]>();
  trace.tasks.forEach((task, p) => {
    if (task.parent === null) return;
    const list = children.get(task.parent);
    if (list === undefined) children.set(task.parent, [p]);
    else list.push(p);
  });
  return children;
}

function lastChildToEnd(trace: Trace, children: readonly number[] | undefined, from: number, to: number): number | undefined {
  let best: number | undefined;
  let bestEnd = -Infinity;
  for (const p of children ?? []) {
    const end = trace.tasks[p]!.end;
    if (end !== null && end >= from && end <= to && end >= bestEnd) {
      best = p;
      bestEnd = end;
    }
  }
  return best;
}
