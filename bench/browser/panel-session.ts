/**
 * A synthetic session for the panel benchmark, built with the trace model's own types: by
 * default 100 000 tasks and about 1 000 000 records (steps, awaits, cancellations, timeouts,
 * resource operations), over a minute, one event loop. It keeps every Trace invariant the
 * importer checks (sorted arrays, µs times, ids that exist, steps that never overlap on the
 * loop, awaits between a task's steps), so it imports like a real recording.
 *
 * Deterministic: a seeded generator, so every run draws the same session.
 */
import {
  RECORDER_VERSION, TRACE_FORMAT, TRACE_VERSION,
  type AwaitRecord, type CancellationRecord, type ResourceOpRecord, type ResourceRecord, type StepRecord, type TaskRecord, type TimeoutRecord, type Trace,
} from "../../src/trace/model.ts";
import { seededRandom } from "../../test/unit/trace/helpers.ts";

export interface SessionShape {
  readonly tasks: number;
  /** Roughly how many records of all kinds. */
  readonly records: number;
  /** Session length, ms. */
  readonly lengthMs: number;
}

export const BUDGET_SHAPE: SessionShape = { tasks: 100_000, records: 1_000_000, lengthMs: 60_000 };

const GROUP_SIZE = 100;
const LOCKS = 16;
const QUEUES = 16;
const ms = (us: number): number => us / 1000;

interface PlannedStep {
  task: number;
  start: number;
  ready: number;
  /** The await that follows it: kind index, or -1 for the last step. */
  wait: number;
}

export function syntheticSession(shape: SessionShape = BUDGET_SHAPE, seed = 42): Trace {
  const rand = seededRandom(seed);
  const lengthUs = shape.lengthMs * 1000;
  // Per task: `steps` steps alternating with steps − 1 awaits (a pending task ends in an open await).
  // records ≈ tasks + steps + awaits (steps − tasks) + resource operations (2 in 5 awaits) + a
  // few per cent of marks: about 2.1 × steps.
  const stepsPerTask = Math.max(2, shape.records / shape.tasks / 2.1);
  const groups = Math.ceil(shape.tasks / GROUP_SIZE);

  const tasks: TaskRecord[] = [];
  const planned: PlannedStep[] = [];
  const lifetime: { created: number; pending: boolean; cancelled: boolean; error: boolean; timeout: boolean }[] = [];
  for (let p = 0; p < shape.tasks; p++) {
    const group = Math.floor(p / GROUP_SIZE);
    const isGroup = p % GROUP_SIZE === 0;
    const groupStart = Math.floor((group / groups) * (lengthUs - 2_000_000));
    const created = isGroup ? groupStart : groupStart + 1 + Math.floor((p % GROUP_SIZE) * 15_000 * rand());
    const roll = rand();
    lifetime.push({ created, pending: roll < 0.01, cancelled: roll >= 0.01 && roll < 0.04, error: roll >= 0.04 && roll < 0.08, timeout: roll >= 0.08 && roll < 0.1 });
    let t = created;
    const count = isGroup ? 2 : Math.floor(stepsPerTask - 0.5 + rand());
    for (let k = 0; k < count; k++) {
      const ready = t + (k === 0 ? 5 : 0);
      planned.push({ task: p, start: ready + 2 + Math.floor(rand() * 40), ready, wait: k === count - 1 ? -1 : Math.floor(rand() * 5) });
      t = ready + 50 + Math.floor((isGroup ? 1_500_000 : 400_000) * rand() * rand());
    }
  }
  // Tasks are listed by creation time: sort positions, then renumber.
  const order = lifetime.map((_, p) => p).sort((a, b) => lifetime[a]!.created - lifetime[b]!.created || a - b);
  const idOf = new Int32Array(shape.tasks);
  order.forEach((p, k) => (idOf[p] = k + 1));

  // The loop runs one step at a time: each step ends before the next one starts.
  planned.sort((a, b) => a.start - b.start || a.task - b.task);
  for (let k = 1; k < planned.length; k++) {
    if (planned[k]!.start <= planned[k - 1]!.start) planned[k]!.start = planned[k - 1]!.start + 1;
  }
  const steps: StepRecord[] = [];
  const awaits: AwaitRecord[] = [];
  const cancellations: CancellationRecord[] = [];
  const timeouts: TimeoutRecord[] = [];
  const resourceOps: ResourceOpRecord[] = [];
  const lastEnd = new Float64Array(shape.tasks);
  const openAwait = new Int32Array(shape.tasks).fill(-1);
  const kinds = ["sleep", "task", "lock", "queue.get", "promise"];
  let end = 0;
  for (let k = 0; k < planned.length; k++) {
    const step = planned[k]!;
    const next = k + 1 < planned.length ? planned[k + 1]!.start : step.start + 100;
    const stepEnd = Math.min(step.start + 3 + Math.floor(rand() * 60), next);
    const task = step.task;
    const id = idOf[task]!;
    const previous = openAwait[task]!;
    const ready = Math.max(step.ready, lastEnd[task]!, previous >= 0 ? awaits[previous]!.start : 0);
    if (previous >= 0) {
      const wait = awaits[previous]!;
      awaits[previous] = { ...wait, end: ms(Math.min(ready, step.start)), outcome: "resumed" };
    }
    const first = lastEnd[task] === 0;
    steps.push({ task: id, start: ms(step.start), end: ms(stepEnd), ready: ms(Math.min(ready, step.start)), wake: first ? "spawn" : "timer", waker: null });
    lastEnd[task] = stepEnd;
    end = Math.max(end, stepEnd);
    if (step.wait >= 0) {
      const kind = kinds[step.wait]!;
      const resource = kind === "lock" ? 1 + (task % LOCKS) : kind === "queue.get" ? 1 + LOCKS + (task % QUEUES) : null;
      const sibling = kind === "task" && task % GROUP_SIZE > 1 ? idOf[task - 1]! : null;
      openAwait[task] = awaits.length;
      awaits.push({
        task: id, start: ms(stepEnd), end: null, kind: sibling === null && kind === "task" ? "future" : kind,
        label: resource !== null ? `${kind === "lock" ? "Lock" : "Queue"}#${resource}` : kind === "sleep" ? "sleep(20)" : kind === "promise" ? "fetch /api/item" : "future",
        targetTask: sibling, resource, outcome: null,
      });
      if (resource !== null) resourceOps.push({ time: ms(stepEnd), resource, op: kind === "lock" ? "acquire" : "get", task: id, value: 0 });
    } else openAwait[task] = -1;
  }
  end += 10;
  for (let p = 0; p < shape.tasks; p++) {
    const life = lifetime[p]!;
    const id = idOf[p]!;
    const group = p - (p % GROUP_SIZE);
    const parent = p === group ? null : idOf[group]!;
    let outcome: TaskRecord["outcome"] = "done";
    let taskEnd: number | null = ms(lastEnd[p]!);
    if (life.pending && openAwait[p]! >= 0) {
      outcome = "pending";
      taskEnd = null;
    } else {
      const open = openAwait[p]!;
      if (open >= 0) awaits[open] = { ...awaits[open]!, end: taskEnd, outcome: life.cancelled ? "cancelled" : "resumed" };
      const last = lastEnd[p]!;
      if (life.cancelled) {
        outcome = "cancelled";
        cancellations.push({ time: ms(Math.max(life.created, last - 5)), task: id, by: parent, message: "no longer needed" });
      } else if (life.error) outcome = "error";
      if (life.timeout) {
        timeouts.push({ task: id, armed: ms(life.created), deadline: ms(Math.max(life.created, last - 10)), expired: last - 2 >= life.created ? ms(last - 2) : null });
      }
    }
    tasks[id - 1] = {
      id, source: 0, name: p === group ? `group ${p / GROUP_SIZE}` : `worker ${p % 37}`, parent, kind: "coroutine", created: ms(life.created),
      site: { file: "https://example.test/app.js", line: 10 + (p % 90), column: 5, function: "worker" },
      end: taskEnd, outcome, error: outcome === "error" ? { name: "HttpError", message: "503 from /api/item", stack: null } : null,
      errorRetrieved: outcome === "error" ? taskEnd : null, preexisting: false, ready: null,
    };
  }
  const byTime = <T>(list: T[], time: (item: T) => number): T[] => list.sort((a, b) => time(a) - time(b));
  const resources: ResourceRecord[] = [];
  for (let r = 1; r <= LOCKS + QUEUES; r++) {
    resources.push({ id: r, source: 0, kind: r <= LOCKS ? "lock" : "queue", label: r <= LOCKS ? `Lock#${r}` : `Queue#${r}`, created: 0, preexisting: false });
  }
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    metadata: { url: "https://example.test/", title: "synthetic benchmark session", userAgent: null, timeOrigin: 1_700_000_000_000, recorderVersion: RECORDER_VERSION, clock: "host" },
    sources: [{ id: 0, label: "page", url: "https://example.test/", frameId: 0, timeOrigin: 1_700_000_000_000, droppedEvents: 0 }],
    end: ms(end),
    droppedEvents: 0,
    tasks,
    steps,
    awaits: byTime(awaits, (a) => a.start),
    cancellations: byTime(cancellations, (c) => c.time),
    timeouts: byTime(timeouts, (t) => t.armed),
    resources,
    resourceOps: byTime(resourceOps, (o) => o.time),
    nativeOps: [],
    markers: [
      { time: 0, source: 0, kind: "recordingStart", label: "benchmark", detail: null },
      { time: ms(end), source: 0, kind: "recordingStop", label: "benchmark", detail: null },
    ],
  };
}

/** Records of every kind: what the panel counts as the session's events. */
export function recordCount(trace: Trace): number {
  return trace.tasks.length + trace.steps.length + trace.awaits.length + trace.cancellations.length + trace.timeouts.length
    + trace.resources.length + trace.resourceOps.length + trace.nativeOps.length + trace.markers.length;
}
