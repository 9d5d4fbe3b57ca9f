/**
 * The trace model, format v1: one set of types for the page (recorder), the panel, the CLI
 * and the files people save. docs/trace-format.md describes it field by field, and
 * docs/trace-format.schema.json is its JSON Schema.
 *
 * Invariants every `Trace` keeps (the importer checks them, the session builder keeps them):
 * - Times are milliseconds from `metadata.timeOrigin`, finite, ≥ 0 and ≤ `end`, with at most
 *   microsecond precision (every time is an integer number of µs divided by 1000).
 * - Every array is in recording order, which is non-decreasing in its primary time
 *   (`created`, `start`, `armed` or `time`); records with equal times keep the order in
 *   which they happened.
 * - Every id a record refers to exists in the trace: no dangling task, parent, resource,
 *   native operation or source ids.
 * - A record whose `end` is null was still open when the trace was taken.
 */

export const TRACE_FORMAT = "aioscope-trace";
export const TRACE_VERSION = 1;
/** The version of the recorder and session builder that wrote a trace. */
export const RECORDER_VERSION = "1.0.0";

/**
 * Ids are unique in a trace. A source's own ids (task ids from its runtime, resource ids,
 * native operation ids) become `source * 2^32 + id`, so source 0 keeps them unchanged and
 * several frames never collide.
 */
export const SOURCE_ID_STRIDE = 2 ** 32;

export function traceId(source: number, localId: number): number {
  return source * SOURCE_ID_STRIDE + localId;
}

/** The id the source's own runtime gave the task, resource or native operation. */
export function localIdOf(id: number): number {
  return id % SOURCE_ID_STRIDE;
}

export function sourceOfId(id: number): number {
  return Math.floor(id / SOURCE_ID_STRIDE);
}

/** Times keep microsecond precision, so they survive Chrome's µs timestamps exactly. */
export function quantize(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** `native` is reserved for work outside the runtime shown as a task; v1 recorders do not write it. */
export type TaskKind = "coroutine" | "async" | "native";
export type TaskOutcome = "done" | "error" | "cancelled" | "pending";

/**
 * What made a task ready to run:
 * `spawn` its creation (`waker` = parent), `task` a step of `waker` resolved what it awaited,
 * `self` it yielded (`sleep(0)`), `timer` a loop timer (sleep), `host` a host promise settled,
 * `callback` a loop callback outside any task (e.g. gather's bookkeeping), `cancel` a
 * cancellation request (`waker` = who asked, null for the loop), `timeout` its deadline passed.
 */
export type WakeKind = "spawn" | "task" | "self" | "timer" | "host" | "callback" | "cancel" | "timeout";
export const WAKE_KINDS: readonly WakeKind[] = ["spawn", "task", "self", "timer", "host", "callback", "cancel", "timeout"];

/** How an await ended; null while the task still waits. */
export type AwaitOutcome = "resumed" | "cancelled" | "timeout";
export const AWAIT_OUTCOMES: readonly AwaitOutcome[] = ["resumed", "cancelled", "timeout"];

/** The await kinds the runtime reports today; readers accept any short string for forward compatibility. */
export const KNOWN_AWAIT_KINDS: readonly string[] = [
  "sleep", "future", "task", "gather", "wait", "waitFor", "shield", "promise",
  "lock", "event", "condition", "semaphore", "barrier", "queue.get", "queue.put", "queue.join",
  "thread", "stream.read", "stream.drain", "stream.connect", "subprocess",
];

/**
 * Await kinds of real I/O (a worker, a connection, a process): their label names the peer
 * (a function, "host:port", a program and pid), which is what groups them in the resource view.
 */
export const IO_AWAIT_KINDS: ReadonlySet<string> = new Set(["thread", "stream.read", "stream.drain", "stream.connect", "subprocess"]);

/** Await kinds whose target id names a resource (lock, queue…); for the others it names a task. */
export const RESOURCE_AWAIT_KINDS: ReadonlySet<string> = new Set([
  "lock", "event", "condition", "semaphore", "barrier", "queue.get", "queue.put", "queue.join",
]);

export const KNOWN_RESOURCE_KINDS: readonly string[] = ["lock", "event", "condition", "semaphore", "barrier", "queue"];
export const KNOWN_RESOURCE_OPS: readonly string[] = [
  "create", "acquire", "release", "put", "get", "set", "clear", "notify", "taskDone", "shutdown", "break", "reset",
];

/** Operations of the host that the extension observes outside the runtime. */
export type NativeKind =
  | "fetch" | "xhr" | "setTimeout" | "setInterval" | "requestAnimationFrame" | "requestIdleCallback"
  | "abortSignal" | "Promise.all" | "Promise.allSettled" | "Promise.race" | "Promise.any"
  | "longTask" | "longAnimationFrame" | "other"
  | "script" | "module" | "worker" | "workerMessage" | "requestQueue" | "event";
export const NATIVE_KINDS: readonly NativeKind[] = [
  "fetch", "xhr", "setTimeout", "setInterval", "requestAnimationFrame", "requestIdleCallback",
  "abortSignal", "Promise.all", "Promise.allSettled", "Promise.race", "Promise.any",
  "longTask", "longAnimationFrame", "other",
  // Appended, never inserted: a batch names a kind by its index here.
  "script", "module", "worker", "workerMessage", "requestQueue", "event",
];

/** How a native operation ended; null while it is still pending. */
export type NativeOutcome = "ok" | "error" | "aborted" | "cancelled";
export const NATIVE_OUTCOMES: readonly NativeOutcome[] = ["ok", "error", "aborted", "cancelled"];

export type MarkerKind = "navigation" | "load" | "recordingStart" | "recordingStop" | "user";
export const MARKER_KINDS: readonly MarkerKind[] = ["navigation", "load", "recordingStart", "recordingStop", "user"];

/** Where a trace's times come from: `performance.now()`, the event loops' clocks, or a custom function. */
export type ClockKind = "host" | "loop" | "custom";
export const CLOCK_KINDS: readonly ClockKind[] = ["host", "loop", "custom"];

export interface TraceMetadata {
  readonly url: string | null;
  readonly title: string | null;
  readonly userAgent: string | null;
  /** Epoch milliseconds (as `Date.now()`) of time 0. */
  readonly timeOrigin: number;
  readonly recorderVersion: string;
  readonly clock: ClockKind;
}

/** One recording realm: a frame (or worker) of the page, with its own runtime ids and clock. */
export interface SourceInfo {
  /** Its index in `sources`. */
  readonly id: number;
  readonly label: string;
  readonly url: string | null;
  /** The extension's frame id (0 is the top frame); null outside the extension. */
  readonly frameId: number | null;
  /** Epoch milliseconds of this source's own time 0; its times are rebased onto the trace's. */
  readonly timeOrigin: number;
  readonly droppedEvents: number;
  /**
   * The runtime copies that reported into this source, in the order they registered with the
   * page hook; absent when not known (recordings made without the extension, older files).
   * A copy the page bundled itself is page code: what this source's tasks say came, in part
   * or in whole, through it (see `pageBundledRuntime`).
   */
  readonly runtimes?: readonly RuntimeCopy[];
  /**
   * The page's functions this source's recording needed to wrap and could not, because the page
   * had frozen them (as SES `lockdown()` does), by name (`Promise.prototype.then`): what went
   * through them is missing from the trace. Absent when every one was wrapped.
   */
  readonly notRecorded?: readonly string[];
}

/** A copy of the runtime that registered with the page hook. */
export interface RuntimeCopy {
  /** Its version, as it said. */
  readonly version: string;
  /** `aioscope`: the copy the extension injects; `page`: a copy bundled into the page's own code. */
  readonly origin: RuntimeOrigin;
}

export type RuntimeOrigin = "aioscope" | "page";
export const RUNTIME_ORIGINS: readonly RuntimeOrigin[] = ["aioscope", "page"];

/** Whether a copy of the runtime bundled by the page itself reported into `source`. */
export function pageBundledRuntime(source: SourceInfo | undefined): boolean {
  return source?.runtimes?.some((copy) => copy.origin === "page") ?? false;
}

export interface CreationSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly function: string | null;
}

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack: string | null;
}

/** A wake-up that has not led to a step yet (the task was ready when the trace was taken). */
export interface PendingWake {
  readonly time: number;
  readonly kind: WakeKind;
  readonly waker: number | null;
}

export interface TaskRecord {
  readonly id: number;
  readonly source: number;
  readonly name: string;
  readonly parent: number | null;
  readonly kind: TaskKind;
  readonly created: number;
  readonly site: CreationSite | null;
  readonly end: number | null;
  readonly outcome: TaskOutcome;
  readonly error: ErrorInfo | null;
  /** When someone first read the task's error; null if nobody has. */
  readonly errorRetrieved: number | null;
  /** The task existed before the recording began: `created` is when it was first seen. */
  readonly preexisting: boolean;
  readonly ready: PendingWake | null;
}

/** A running slice of a task on its source's event loop. */
export interface StepRecord {
  readonly task: number;
  readonly start: number;
  readonly end: number | null;
  /** When the task became ready for this step (so `start - ready` is the loop's latency); null if unknown. */
  readonly ready: number | null;
  readonly wake: WakeKind | null;
  /** The task that woke it (see WakeKind), if any. */
  readonly waker: number | null;
}

/** A suspension of a task between two steps. */
export interface AwaitRecord {
  readonly task: number;
  readonly start: number;
  /** When the task was woken; null while it still waits. */
  readonly end: number | null;
  readonly kind: string;
  readonly label: string;
  /** The awaited task, for task-like awaits (task, waitFor, shield) on a task. */
  readonly targetTask: number | null;
  /** The awaited resource, for lock, event, condition, semaphore, barrier and queue awaits. */
  readonly resource: number | null;
  readonly outcome: AwaitOutcome | null;
}

export interface CancellationRecord {
  readonly time: number;
  readonly task: number;
  /** The task that asked; null when a loop callback did (e.g. a timeout), or someone outside the page's tasks. */
  readonly by: number | null;
  readonly message: string | null;
  /** Who asked from outside the page's tasks, when someone did: "DevTools" for the panel's "Cancel task". */
  readonly canceller?: string;
}

export interface TimeoutRecord {
  readonly task: number;
  readonly armed: number;
  readonly deadline: number;
  readonly expired: number | null;
}

export interface ResourceRecord {
  readonly id: number;
  readonly source: number;
  readonly kind: string;
  readonly label: string;
  readonly created: number;
  readonly preexisting: boolean;
}

export interface ResourceOpRecord {
  readonly time: number;
  readonly resource: number;
  readonly op: string;
  readonly task: number | null;
  /** The state after the operation where one number tells it (free slots, queue size…). */
  readonly value: number | null;
}

export interface NativeOpRecord {
  readonly id: number;
  readonly source: number;
  readonly kind: NativeKind;
  readonly label: string;
  readonly start: number;
  readonly end: number | null;
  readonly outcome: NativeOutcome | null;
  /** The task that started it, if a task step was running. */
  readonly task: number | null;
  /** The group it belongs to (e.g. the Promise.all that awaits this fetch). */
  readonly parent: number | null;
  /**
   * The native operation during whose callback this one was created: the event dispatch
   * (`click on button#go`), the timer that fired, the fetch whose `.then` continuation ran…
   * Null when none was running, or when a runtime task's step was (then `task` says which).
   */
  readonly cause: number | null;
  readonly detail: string | null;
  /** Firings of repeating operations (setInterval, requestAnimationFrame loops). */
  readonly ticks: readonly number[];
}

export interface MarkerRecord {
  readonly time: number;
  readonly source: number;
  readonly kind: MarkerKind;
  readonly label: string;
  readonly detail: string | null;
}

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  readonly metadata: TraceMetadata;
  readonly sources: readonly SourceInfo[];
  /** The time of the last recorded event: the session's length. */
  readonly end: number;
  /** Events the recorders could not keep (their buffers were full); the trace misses them. */
  readonly droppedEvents: number;
  readonly tasks: readonly TaskRecord[];
  readonly steps: readonly StepRecord[];
  readonly awaits: readonly AwaitRecord[];
  readonly cancellations: readonly CancellationRecord[];
  readonly timeouts: readonly TimeoutRecord[];
  readonly resources: readonly ResourceRecord[];
  readonly resourceOps: readonly ResourceOpRecord[];
  readonly nativeOps: readonly NativeOpRecord[];
  readonly markers: readonly MarkerRecord[];
}

/** What was wrong with an input, and where: `path` is a JSONPath such as `$.tasks[3].created`. */
export interface TraceError {
  readonly path: string;
  readonly message: string;
}
