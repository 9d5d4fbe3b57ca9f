/**
 * Recording real runtime programs into deterministic traces: the virtual clock, and a
 * recorder clock that adds 0.125 ms per reading to the loop's time, so steps have lengths
 * and every run of a program gives the very same trace.
 */
import { addInstrument, removeInstrument, EventLoop, type Task } from "../../../src/runtime/index.ts";
import { readFileSync } from "node:fs";
import { Recorder, SessionBuilder, analyze, importTrace, type RecorderOptions, type TaskRecord, type Trace, type TraceAnalysis } from "../../../src/trace/index.ts";

export const TIME_ORIGIN = 1_700_000_000_000;

export function deterministicRecorder(options: RecorderOptions = {}): Recorder {
  let ticks = 0;
  return new Recorder({
    clock: (task: Task<unknown> | null) => (task !== null ? task.getLoop().time() : 0) + (ticks += 0.125),
    timeOrigin: TIME_ORIGIN,
    ...options,
  });
}

/** Runs `body` with a recorder installed and returns the session as a trace. */
export async function record(body: (recorder: Recorder) => Promise<unknown>, options: RecorderOptions = {}): Promise<Trace> {
  const recorder = deterministicRecorder(options);
  addInstrument(recorder);
  try {
    await body(recorder);
  } finally {
    removeInstrument(recorder);
  }
  const builder = new SessionBuilder({ url: "https://example.test/", title: "golden", userAgent: "vitest" });
  const result = builder.append(recorder.takeBatch());
  if (!result.ok) throw new Error(`${result.error.path}: ${result.error.message}`);
  return builder.trace();
}

/**
 * A loop whose tasks never finish (deadlocks): `body` starts them, then the loop runs for
 * `ms` of virtual time and is closed, so nothing of it runs into a later test's recording.
 */
export async function runStuck(body: (loop: EventLoop) => void, ms = 100): Promise<void> {
  const loop = new EventLoop({ clock: "virtual" });
  loop.setExceptionHandler(() => {});
  body(loop);
  await loop.runUntilComplete(loop.createTask(function* idle() {
    const done = loop.createFuture<void>();
    loop.callLater(ms, () => done.setResult());
    yield* done;
  }, { name: "observer" }));
  loop.close();
}

/** The analysis as plain JSON (typed arrays become arrays), for whole-result comparisons. */
export function plain(analysis: TraceAnalysis): unknown {
  return JSON.parse(JSON.stringify(analysis, (_key, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value)));
}

export function analyzed(trace: Trace): unknown {
  return plain(analyze(trace, { criticalPaths: trace.tasks.filter((t) => t.parent === null).map((t) => t.id) }));
}

/**
 * The trace with ids counted from 1 in order of appearance (task and resource ids are
 * realm-wide counters, so they depend on what ran before), and stacks cut to their first
 * line (they hold machine paths): what golden files pin.
 */
export function normalized(trace: Trace): Trace {
  const taskIds = new Map(trace.tasks.map((t, k) => [t.id, k + 1]));
  const resourceIds = new Map(trace.resources.map((r, k) => [r.id, k + 1]));
  const task = (id: number | null): number | null => (id === null ? null : taskIds.get(id)!);
  const resource = (id: number | null): number | null => (id === null ? null : resourceIds.get(id)!);
  const label = (text: string): string => text.replace(/#(\d+)/g, (_m, id: string) => `#${resourceIds.get(Number(id)) ?? "?"}`);
  return {
    ...trace,
    tasks: trace.tasks.map((t) => ({
      ...t, id: task(t.id)!, parent: task(t.parent),
      error: t.error === null ? null : { ...t.error, stack: t.error.stack?.split("\n")[0] ?? null },
      ready: t.ready === null ? null : { ...t.ready, waker: task(t.ready.waker) },
    })),
    steps: trace.steps.map((s) => ({ ...s, task: task(s.task)!, waker: task(s.waker) })),
    awaits: trace.awaits.map((a) => ({ ...a, task: task(a.task)!, targetTask: task(a.targetTask), resource: resource(a.resource), label: label(a.label) })),
    cancellations: trace.cancellations.map((c) => ({ ...c, task: task(c.task)!, by: task(c.by) })),
    timeouts: trace.timeouts.map((t) => ({ ...t, task: task(t.task)! })),
    resources: trace.resources.map((r) => ({ ...r, id: resource(r.id)!, label: label(r.label) })),
    resourceOps: trace.resourceOps.map((o) => ({ ...o, resource: resource(o.resource)!, task: task(o.task) })),
    nativeOps: trace.nativeOps.map((n) => ({ ...n, task: task(n.task) })),
  };
}

/** The trace in the file at `path`; throws with the importer's reason when it is not one. */
export function readTrace(path: string): Trace {
  const result = importTrace(readFileSync(path));
  if (!result.ok) throw new Error(`${path} is not a valid trace: ${result.error.path}: ${result.error.message}`);
  return result.trace;
}

/** The task named `name`; throws, naming the tasks there are, when there is none. */
export function byName(trace: Trace, name: string): TaskRecord {
  const task = trace.tasks.find((t) => t.name === name);
  if (task === undefined) throw new Error(`no task named ${name} in ${trace.tasks.map((t) => t.name).join(", ")}`);
  return task;
}

/** mulberry32, so a failing case can be found again from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
