/**
 * Instrumentation: the profiler's view into the runtime.
 *
 * Instruments are global to the realm: every event loop of every copy of the runtime in the
 * page reports to the same list, which lives on `globalThis` under a registered symbol. Hooks
 * are named after the points where asyncio registers, enters and leaves a task. Every call
 * site is guarded by `instruments.length !== 0`, so an absent instrument costs one branch.
 * An instrument that throws is removed and reported, never allowed to break the program it
 * observes (trio's `_instrumentation.py` does the same).
 */
import type { Task } from "./task.ts";
import type { LiveTasks } from "./live-tasks.ts";

/** What a task is suspended on. `id` is the awaited task's or resource's id, when it has one. */
export interface AwaitTarget {
  readonly kind: AwaitKind;
  readonly label: string;
  readonly id?: number;
  /** The awaited resource itself, where a live walk needs more than its id (a lock's holder). */
  readonly resource?: Resource;
}

export type AwaitKind =
  | "sleep" | "future" | "task" | "gather" | "wait" | "waitFor" | "shield" | "promise"
  | "lock" | "event" | "condition" | "semaphore" | "barrier"
  | "queue.get" | "queue.put" | "queue.join"
  | "thread" | "stream.read" | "stream.drain" | "stream.connect" | "subprocess";

export type TaskOutcome = "done" | "error" | "cancelled";

/** The kinds of synchronisation primitive that report resource operations. */
export type ResourceKind = "lock" | "event" | "condition" | "semaphore" | "barrier" | "queue";

/**
 * What happened to a resource. `value` carries the state after the operation, where one
 * number describes it: a semaphore's free slots, a queue's size, a barrier's waiting count.
 */
export type ResourceOp =
  | "create" | "acquire" | "release" | "put" | "get" | "set" | "clear" | "notify"
  | "taskDone" | "shutdown" | "break" | "reset";

/** A synchronisation primitive as instruments see it: a stable id and a readable label. */
export interface Resource {
  readonly id: number;
  readonly kind: ResourceKind;
  label(): string;
  /** The task holding it now, for resources held by one task at a time (a lock); null when free or unknown. */
  holder?(): Task<unknown> | null;
}

/**
 * Every hook is optional and called synchronously: keep them cheap. Times are read by the
 * instrument itself (e.g. `performance.now()`), so an instrument pays for what it needs.
 */
export interface Instrument {
  taskSpawned?(task: Task<unknown>, parent: Task<unknown> | null): void;
  /** The task became ready to run; `wokenBy` is the task whose step resolved what it awaited (null: timer or host). */
  taskScheduled?(task: Task<unknown>, wokenBy: Task<unknown> | null): void;
  /**
   * A step of `task` begins. `chained` is true when the loop ran nothing since the previous
   * task step ended (only loop bookkeeping): this step starts where that one ended, so an
   * instrument may date it by that step's end instead of reading a clock again. Runtimes
   * copied before this hook argument existed and the build transform's async calls do not pass it.
   */
  beforeTaskStep?(task: Task<unknown>, chained?: boolean): void;
  /** `waitingOn` is what the task now awaits, or null when the step ended the task. */
  afterTaskStep?(task: Task<unknown>, waitingOn: AwaitTarget | null): void;
  /** `error` is what the task raised, for outcome "error" (passing it here does not mark it retrieved). */
  taskExited?(task: Task<unknown>, outcome: TaskOutcome, error?: unknown): void;
  cancelRequested?(task: Task<unknown>, msg: string | undefined, by: Task<unknown> | null): void;
  /**
   * A timeout scope of `task` is armed for `deadline` (loop clock). `scope` identifies the
   * scope while it lives: scopes nest, and a reschedule arms the same scope again.
   */
  timeoutArmed?(task: Task<unknown>, deadline: number, scope: number): void;
  /** The scope's deadline passed: it is about to cancel `task`. */
  timeoutExpired?(task: Task<unknown>, scope: number): void;
  /** The scope was left, or rescheduled, before its deadline. */
  timeoutDisarmed?(task: Task<unknown>, scope: number): void;
  slowStep?(task: Task<unknown>, ms: number): void;
  /** Someone read the error of a task that failed (its exception is not "never retrieved"). */
  exceptionRetrieved?(task: Task<unknown>): void;
  /** A lock, event, condition, semaphore, barrier or queue changed state. */
  resourceOp?(resource: Resource, op: ResourceOp, task: Task<unknown> | null, value?: number): void;
  /**
   * Runs `step` (the task's coroutine advanced to its next suspension) and returns its result,
   * inside whatever context the instrument wants a step of `task` to run in, e.g. the console
   * task DevTools links async stack traces through. The last instrument added with it is the
   * realm's step runner; without one, steps run as they are (no call, no closure).
   */
  runStep?<R>(task: Task<unknown>, step: () => R): R;
}

/** Every hook of Instrument, by name: a record, so that a hook added to Instrument and not here fails to compile. */
const HOOKS: Record<keyof Instrument, true> = {
  taskSpawned: true, taskScheduled: true, beforeTaskStep: true, afterTaskStep: true, taskExited: true, cancelRequested: true,
  timeoutArmed: true, timeoutExpired: true, timeoutDisarmed: true, slowStep: true, exceptionRetrieved: true, resourceOp: true,
  runStep: true,
};
export const INSTRUMENT_HOOKS = Object.keys(HOOKS) as readonly (keyof Instrument)[];

/** The runtime as a page-wide hook sees it when a copy registers (see `__AIOSCOPE_HOOK__`). */
export interface RegisteredRuntime {
  readonly version: string;
  addInstrument(instrument: Instrument): void;
  removeInstrument(instrument: Instrument): void;
  /** This copy's live tasks (live-tasks.ts); absent in copies older than it. */
  liveTasks?(limit: number): LiveTasks | null;
  /** Cancels a live task of this copy (live-tasks.ts); absent in copies older than it. */
  cancelTask?(id: number, message: string): boolean;
}

/** live-tasks.ts provides the walk when it loads (it imports the task classes, which import this module). */
export interface LiveWalk {
  liveTasks(limit: number): LiveTasks;
  cancelLiveTask(id: number, message: string): boolean;
}

let liveWalk: LiveWalk | null = null;

/** @internal Called once by live-tasks.ts. */
export function provideLiveWalk(walk: LiveWalk): void {
  liveWalk = walk;
}

/** Installed by the aioscope extension before page scripts run; every runtime copy registers. */
export interface RuntimeHook {
  registerRuntime(runtime: RegisteredRuntime): void;
}

export const RUNTIME_VERSION = "1.0.0";

interface RealmState {
  nextTaskId: number;
  nextResourceId: number;
  readonly instruments: Instrument[];
  /** The instrument whose `runStep` every step goes through, if any (absent in realms made by older copies). */
  stepRunner?: Instrument | null;
}

const REALM_KEY = Symbol.for("aioscope.realm.v1");
const realmHolder = globalThis as typeof globalThis & { [REALM_KEY]?: RealmState };

/** Shared by every copy of the runtime in this realm: ids stay unique, instruments see all. */
export const realm: RealmState = realmHolder[REALM_KEY] ??= { nextTaskId: 1, nextResourceId: 1, instruments: [], stepRunner: null };

/** The live list every call site checks; mutated in place so all copies see changes. */
export const instruments: Instrument[] = realm.instruments;

/**
 * Start reporting to `instrument`. Adding the same instrument twice has no effect.
 *
 * @example
 * const log: Instrument = { taskExited: (t, outcome) => console.warn(t.getName(), outcome) };
 * addInstrument(log);
 */
export function addInstrument(instrument: Instrument): void {
  // Plain loops and index writes: the extension calls this inside pages, whose Array.prototype
  // methods may have been replaced since.
  for (let k = 0; k < instruments.length; k++) if (instruments[k] === instrument) return;
  instruments[instruments.length] = instrument;
  if (typeof instrument.runStep === "function") realm.stepRunner = instrument;
}

/**
 * Stop reporting to `instrument`; unknown instruments are ignored.
 *
 * @example
 * removeInstrument(log);
 */
export function removeInstrument(instrument: Instrument): void {
  let index = -1;
  for (let k = 0; k < instruments.length; k++) if (instruments[k] === instrument) index = k;
  if (index < 0) return;
  for (let k = index; k < instruments.length - 1; k++) instruments[k] = instruments[k + 1]!;
  instruments.length -= 1;
  if (realm.stepRunner === instrument) {
    // The latest runner still attached takes over.
    realm.stepRunner = null;
    for (let k = 0; k < instruments.length; k++) if (typeof instruments[k]!.runStep === "function") realm.stepRunner = instruments[k]!;
  }
}

/** A resource id unique across every runtime copy in the realm. */
export function nextResourceId(): number {
  return realm.nextResourceId++;
}

/** A task id unique across every runtime copy in the realm, increasing. */
export function nextTaskId(): number {
  return realm.nextTaskId++;
}

type HookName = keyof Instrument;

/**
 * Calls `hook` on every instrument that has it. An instrument that throws is removed and the
 * error reported, so a broken profiler never breaks the program it watches. Fixed arity (no
 * rest array): this runs several times per task step while recording.
 */
export function emit<K extends HookName>(hook: K, ...args: Parameters<NonNullable<Instrument[K]>>): void;
export function emit(hook: HookName, a: unknown, b?: unknown, c?: unknown, d?: unknown): void {
  for (let k = 0; k < instruments.length; k++) {
    const instrument = instruments[k]!;
    const fn = instrument[hook] as ((a: unknown, b: unknown, c: unknown, d: unknown) => void) | undefined;
    if (fn === undefined) continue;
    try {
      fn.call(instrument, a, b, c, d);
    } catch (error) {
      k = dropBroken(k, hook, error);
    }
  }
}

/** Removes the instrument at `k`, which threw from `hook`; returns the index to go on from. */
function dropBroken(k: number, hook: HookName, error: unknown): number {
  instruments.splice(k, 1);
  console.error(`aioscope: instrument removed after its ${hook} hook threw:`, error);
  return k - 1;
}

// The hooks of every task, each with its own loop: `emit(hook, …)` reads the hook by a
// variable name, a lookup that costs more than a recorder's whole hook once several hooks
// share it. These read it by a fixed name. The step path is Task._step: it calls
// emitStepBegin and emitStepEnd around the coroutine's run, and nothing else runs a step;
// a task's life begins with emitSpawned and emitScheduled, and ends with emitExited.

export function emitSpawned(task: Task<unknown>, parent: Task<unknown> | null): void {
  for (let k = 0; k < instruments.length; k++) {
    const instrument = instruments[k]!;
    if (instrument.taskSpawned === undefined) continue;
    try {
      instrument.taskSpawned(task, parent);
    } catch (error) {
      k = dropBroken(k, "taskSpawned", error);
    }
  }
}

export function emitExited(task: Task<unknown>, outcome: TaskOutcome, error: unknown): void {
  for (let k = 0; k < instruments.length; k++) {
    const instrument = instruments[k]!;
    if (instrument.taskExited === undefined) continue;
    try {
      instrument.taskExited(task, outcome, error);
    } catch (thrown) {
      k = dropBroken(k, "taskExited", thrown);
    }
  }
}

export function emitStepBegin(task: Task<unknown>, chained: boolean): void {
  for (let k = 0; k < instruments.length; k++) {
    const instrument = instruments[k]!;
    if (instrument.beforeTaskStep === undefined) continue;
    try {
      instrument.beforeTaskStep(task, chained);
    } catch (error) {
      k = dropBroken(k, "beforeTaskStep", error);
    }
  }
}

export function emitStepEnd(task: Task<unknown>, waitingOn: AwaitTarget | null): void {
  for (let k = 0; k < instruments.length; k++) {
    const instrument = instruments[k]!;
    if (instrument.afterTaskStep === undefined) continue;
    try {
      instrument.afterTaskStep(task, waitingOn);
    } catch (error) {
      k = dropBroken(k, "afterTaskStep", error);
    }
  }
}

export function emitScheduled(task: Task<unknown>, wokenBy: Task<unknown> | null): void {
  for (let k = 0; k < instruments.length; k++) {
    const instrument = instruments[k]!;
    if (instrument.taskScheduled === undefined) continue;
    try {
      instrument.taskScheduled(task, wokenBy);
    } catch (error) {
      k = dropBroken(k, "taskScheduled", error);
    }
  }
}

function registerWithHook(): void {
  const hook = (globalThis as { __AIOSCOPE_HOOK__?: Partial<RuntimeHook> }).__AIOSCOPE_HOOK__;
  if (hook === undefined || typeof hook.registerRuntime !== "function") return;
  try {
    hook.registerRuntime({
      version: RUNTIME_VERSION, addInstrument, removeInstrument,
      liveTasks: (limit: number) => liveWalk === null ? null : liveWalk.liveTasks(limit),
      cancelTask: (id: number, message: string) => liveWalk !== null && liveWalk.cancelLiveTask(id, message),
    });
  } catch (error) {
    console.error("aioscope: the page hook refused this runtime copy:", error);
  }
}

registerWithHook();
