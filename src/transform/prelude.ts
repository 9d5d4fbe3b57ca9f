/**
 * The prelude: the only code the build transform adds to an app. Every transformed async
 * function calls `enter` first; while nobody records, that call is one length check and
 * returns null, and every other hook returns at once on that null.
 *
 * While an instrument listens (the extension's recorder, or any instrument added to a runtime
 * copy of this realm), each call of an async function becomes a task of kind "async" as the
 * runtime's instruments see tasks: spawned under the task that called it, stepping between
 * its awaits, each await labelled by its source text, exiting with its outcome.
 *
 * Invariants:
 * - It imports nothing and takes every built-in it uses when its module loads, so a page that
 *   replaces `Promise.prototype.then` or `queueMicrotask` later changes nothing here.
 * - It never changes what the app does: awaited values pass through untouched, nothing is
 *   thrown, and an instrument that throws is removed and reported (as src/runtime/instrument.ts
 *   does), never allowed to break the app.
 * - Steps never nest, as the runtime's never do: when an async function calls another, the
 *   caller's step ends where the callee's begins, and resumes when the callee first suspends
 *   or returns. `current` is the call running now, or null outside any.
 * - Ids come from the realm's shared counter (the runtime's `Symbol.for("aioscope.realm.v1")`
 *   state), so these tasks never collide with a runtime copy's.
 */

/** The instrument hooks the prelude calls: a subset of src/runtime/instrument.ts's `Instrument`. */
interface PreludeInstrument {
  taskSpawned?(task: AsyncCall, parent: AsyncCall | null): void;
  taskScheduled?(task: AsyncCall, wokenBy: AsyncCall | null): void;
  beforeTaskStep?(task: AsyncCall): void;
  afterTaskStep?(task: AsyncCall, waitingOn: AwaitTarget | null): void;
  taskExited?(task: AsyncCall, outcome: "done" | "error", error?: unknown): void;
  exceptionRetrieved?(task: AsyncCall): void;
}

interface AwaitTarget {
  readonly kind: "promise" | "task";
  readonly label: string;
  readonly id?: number;
}

interface RealmState {
  nextTaskId: number;
  nextResourceId: number;
  readonly instruments: PreludeInstrument[];
}

/** Where an async function is written, in the app's original source. */
export interface AsyncSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly function: string | null;
}

export const PRELUDE_VERSION = "async-transform 1.0.0";

// Taken now, before the app can replace them.
const NativePromise = Promise;
const promisePrototype = NativePromise.prototype;
const promiseThen = promisePrototype.then;
const getPrototypeOf = Object.getPrototypeOf;
const defineProperty = Object.defineProperty;
const reflectApply = Reflect.apply;
/** `callFunction(fn, thisArg, ...args)`: Function.prototype.call, kept as the page first had it. */
const callFunction: (fn: unknown, thisArg: unknown, ...args: unknown[]) => unknown =
  Function.prototype.call.bind(Function.prototype.call) as (fn: unknown, thisArg: unknown, ...args: unknown[]) => unknown;
const weakMapGet = WeakMap.prototype.get;
const weakMapSet = WeakMap.prototype.set;
const weakMapDelete = WeakMap.prototype.delete;
const arrayPush = Array.prototype.push;
const arraySplice = Array.prototype.splice;
const arrayIndexOf = Array.prototype.indexOf;
const arrayReduce = Array.prototype.reduce;
const functionBind = Function.prototype.bind;
/** `promiseThen.call` as a function of its own. */
const thenCall = reflectApply(functionBind, Function.prototype.call, [promiseThen]) as (...args: unknown[]) => unknown;
/**
 * `promise.then(onFulfilled, onRejected)`, called from `Array.prototype.reduce`: V8 tells a
 * debugger of a `then` only when a script's function calls it, and DevTools then captures a
 * stack for the reaction (microseconds a call). The prelude's reactions run none of the app's
 * code, so they need none, and the app's `await`s keep theirs.
 */
function quietThen(promise: unknown, onFulfilled: (value: unknown) => void, onRejected: (reason: unknown) => void): void {
  reflectApply(arrayReduce, [onRejected], [reflectApply(functionBind, thenCall, [undefined, promise]), onFulfilled]);
}
const enqueueMicrotask: (callback: () => void) => void =
  typeof queueMicrotask === "function" ? queueMicrotask : (callback) => void reflectApply(promiseThen, NativePromise.resolve(), [callback]);
const reportError: (...args: unknown[]) => void = typeof console !== "undefined" && typeof console.error === "function"
  ? console.error.bind(console) : () => undefined;
const hostPerformance: { now(): number } | undefined =
  typeof performance !== "undefined" && typeof performance.now === "function" ? performance : undefined;
const now = hostPerformance !== undefined ? hostPerformance.now.bind(hostPerformance) : Date.now;

const REALM_KEY = Symbol.for("aioscope.realm.v1");
const holder = globalThis as { [REALM_KEY]?: RealmState };
const realm: RealmState = holder[REALM_KEY] ?? createRealm();
const instruments = realm.instruments;

function createRealm(): RealmState {
  const state: RealmState = { nextTaskId: 1, nextResourceId: 1, instruments: [] };
  // Not enumerable: the app's view of its global object stays as it was.
  defineProperty(globalThis, REALM_KEY, { value: state, writable: true, configurable: true, enumerable: false });
  return state;
}

const loopClock = Object.freeze({ time: now });

/** One call of an async function, as instruments see a runtime task. */
class AsyncCall {
  readonly id: number;
  readonly kind = "async";
  readonly name: string;
  readonly parent: AsyncCall | null;
  readonly site: AsyncSite;
  /** What runs while this call is suspended, or ran before it resumed: control goes back there. */
  caller: AsyncCall | null;
  suspended = false;
  /** Has suspended or returned once: its call expression has given the caller its promise. */
  returned = false;
  /** The last child call that handed its promise back to this one (links `await child()`). */
  lastReturnedChild: AsyncCall | null = null;
  failed = false;
  error: unknown = undefined;
  /** The resumption that the current suspension is waiting for, so a stale one is ignored. */
  suspension = 0;
  /** Report the resumption of an await on a native promise or a plain value (made once a call). */
  onSettled: (() => void) | undefined = undefined;
  onRejected: ((reason: unknown) => void) | undefined = undefined;
  /** A `for await` suspension about to take effect (see `suspendLoop`), or null. */
  loopTarget: AwaitTarget | null = null;

  constructor(name: string, site: AsyncSite, parent: AsyncCall | null, caller: AsyncCall | null) {
    this.id = realm.nextTaskId++;
    this.name = name;
    this.site = site;
    this.parent = parent;
    this.caller = caller;
  }

  getName(): string {
    return this.name;
  }

  /** Recorders with a loop clock read time here; async functions run on the host's clock. */
  getLoop(): { time(): number } {
    return loopClock;
  }

  toString(): string {
    return `<AsyncCall ${this.suspended ? "suspended" : "running"} name=${this.name} id=${this.id}>`;
  }
}

let current: AsyncCall | null = null;

/**
 * Calls that failed, by the error they failed with, until someone is seen to receive that
 * error: an instrumented function whose await rejects with it, or that throws it on. Without
 * this, an error handled through `Promise.all` or a stored promise would look unhandled.
 */
const failedCalls = new WeakMap<object, AsyncCall>();

function noteRetrieved(error: unknown): void {
  if ((typeof error !== "object" && typeof error !== "function") || error === null) return;
  const failed = reflectApply(weakMapGet, failedCalls, [error]) as AsyncCall | undefined;
  if (failed === undefined) return;
  reflectApply(weakMapDelete, failedCalls, [error]);
  emit("exceptionRetrieved", failed);
}

type HookName = keyof PreludeInstrument;

function emit(hook: HookName, a: unknown, b?: unknown, c?: unknown): void {
  for (let k = 0; k < instruments.length; k++) {
    const instrument = instruments[k]!;
    const fn = instrument[hook] as ((a: unknown, b: unknown, c: unknown) => void) | undefined;
    if (fn === undefined) continue;
    try {
      callFunction(fn, instrument, a, b, c);
    } catch (error) {
      reflectApply(arraySplice, instruments, [k, 1]);
      k--;
      reportError(`aioscope: instrument removed after its ${hook} hook threw:`, error);
    }
  }
}

/** `call` runs again, taking over from whatever ran (nothing, when a microtask resumes it). */
function resume(call: AsyncCall): void {
  if (current !== null && current !== call && current.loopTarget !== null) settleLoop(current);
  call.suspended = false;
  call.suspension++;
  const interrupted = current;
  if (interrupted !== null && interrupted !== call) emit("afterTaskStep", interrupted, null);
  call.caller = interrupted === call ? call.caller : interrupted;
  current = call;
  emit("beforeTaskStep", call);
}

/** `call` stops running: control goes back to its caller, whose step goes on. */
function handBack(call: AsyncCall): void {
  const caller = call.caller;
  current = caller;
  if (!call.returned) {
    call.returned = true;
    if (caller !== null && caller === call.parent) caller.lastReturnedChild = call;
  }
  if (caller !== null) emit("beforeTaskStep", caller);
}

/**
 * The first statement of every transformed async function. Null (one check) while nothing
 * records; otherwise the new task, running.
 */
function enter(name: string, file: string, line: number, column: number): AsyncCall | null {
  if (instruments.length === 0) return null;
  const parent = current;
  // An async generator started by a `for await` loop: the loop's function is its parent, and
  // control goes back to whatever the loop hands back to.
  if (parent !== null && parent.loopTarget !== null) settleLoop(parent);
  const call = new AsyncCall(name, { file, line, column, function: name }, parent, current);
  emit("taskSpawned", call, parent);
  if (current !== null) emit("afterTaskStep", current, null);
  emit("taskScheduled", call, parent);
  current = call;
  emit("beforeTaskStep", call);
  return call;
}

/** Marks the start of an `await f(...)`, so the call it awaits can be linked to. */
function mark(call: AsyncCall | null): AsyncCall | null {
  if (call !== null) call.lastReturnedChild = null;
  return call;
}

/**
 * Before an await: `value` is what is awaited, returned untouched. Records the suspension and
 * arranges to record the resumption at the moment the awaiting function continues: for a
 * native promise, a reaction registered before the await's own (reactions run in order); for
 * a plain value, a microtask queued before the await's. Anything else (a thenable) is resumed
 * by `resumed`, or by the next thing the function does.
 */
function suspend<T>(call: AsyncCall | null, value: T, label: string, flags = 0): T {
  if (call === null) return value;
  if (call.loopTarget !== null) settleLoop(call);
  if (call.suspended) resume(call);
  let target: AwaitTarget;
  const child = (flags & 1) !== 0 ? call.lastReturnedChild : null;
  if (child !== null) target = { kind: "task", label, id: child.id };
  else target = { kind: "promise", label };
  emit("afterTaskStep", call, target);
  call.suspended = true;
  ++call.suspension;
  // These run just before the function continues: its await can end no other way.
  const onSettled = call.onSettled ??= () => {
    if (call.suspended) resume(call);
  };
  const onRejected = call.onRejected ??= (reason: unknown) => {
    if (call.suspended) resume(call);
    noteRetrieved(reason);
  };
  if ((flags & 2) !== 0) {
    // A yield: the generator runs again when its consumer asks, which `resumed` reports.
  } else if (typeof value === "object" && value !== null) {
    if (getPrototypeOf(value) === promisePrototype) {
      try {
        quietThen(value, onSettled, onRejected);
      } catch {
        // Not a real promise after all: `resumed` will notice the resumption.
      }
    }
  } else if (typeof value !== "function") {
    enqueueMicrotask(onSettled);
  }
  handBack(call);
  return value;
}

/**
 * A `for await` loop is about to await its iterator's next result: before the loop (`value` is
 * the iterable, returned untouched) and after each pass of its body. The body's first
 * statement and the statement after the loop report the resumption.
 *
 * The loop calls the iterator's `next()` only after this, synchronously: an async generator
 * consumed there starts or resumes inside that call, and must see the loop's function as the
 * one running (its parent). So the suspension is pending until then, and takes effect at the
 * first of: a call or resumption that begins under it, the function's own next hook, or a
 * microtask (queued now, so it runs before the awaited result can resume the loop).
 */
function suspendLoop<T>(call: AsyncCall | null, value: T, label: string): T {
  if (call === null || call.suspended || call.loopTarget !== null || current !== call) return value;
  call.loopTarget = { kind: "promise", label };
  const suspension = ++call.suspension;
  enqueueMicrotask(() => {
    if (call.loopTarget !== null && call.suspension === suspension) settleLoop(call);
  });
  return value;
}

/** The pending `for await` suspension of `call` takes effect. */
function settleLoop(call: AsyncCall): void {
  const target = call.loopTarget!;
  call.loopTarget = null;
  emit("afterTaskStep", call, target);
  call.suspended = true;
  call.suspension++;
  if (current === call) handBack(call);
}

/** After an await: the function runs again (if the suspension's own hook did not say so yet). */
function resumed<T>(call: AsyncCall | null, value: T): T {
  if (call === null) return value;
  if (call.loopTarget !== null) settleLoop(call);
  if (call.suspended) resume(call);
  return value;
}

/** The function threw `error` (the `catch` of the wrapper, which rethrows it). */
function fail(call: AsyncCall | null, error: unknown): void {
  if (call === null) return;
  noteRetrieved(error); // thrown on: the failed call it came from was heard
  call.failed = true;
  call.error = error;
}

/** The function returned or threw: the `finally` of the wrapper. */
function exit(call: AsyncCall | null): void {
  if (call === null) return;
  if (call.loopTarget !== null) settleLoop(call);
  if (call.suspended) resume(call); // it left from an await whose resumption was not seen
  if (current !== call) return; // already exited (cannot happen with the transform's code)
  emit("afterTaskStep", call, null);
  if (call.failed) {
    emit("taskExited", call, "error", call.error);
    const error = call.error;
    if ((typeof error === "object" || typeof error === "function") && error !== null) reflectApply(weakMapSet, failedCalls, [error, call]);
  } else emit("taskExited", call, "done");
  call.error = undefined;
  handBack(call);
}

/** What the transformed modules import. Frozen: the app cannot change it. */
export const hooks = Object.freeze({ enter, mark, suspend, suspendLoop, resumed, fail, exit });

function addInstrument(instrument: PreludeInstrument): void {
  if (reflectApply(arrayIndexOf, instruments, [instrument]) < 0) reflectApply(arrayPush, instruments, [instrument]);
}

function removeInstrument(instrument: PreludeInstrument): void {
  const index = reflectApply(arrayIndexOf, instruments, [instrument]) as number;
  if (index >= 0) reflectApply(arraySplice, instruments, [index, 1]);
}

// Report to the extension's hook, if it is there, as every runtime copy does.
const pageHook = (globalThis as { __AIOSCOPE_HOOK__?: { registerRuntime?: unknown } }).__AIOSCOPE_HOOK__;
if (pageHook !== undefined && pageHook !== null && typeof pageHook.registerRuntime === "function") {
  try {
    reflectApply(pageHook.registerRuntime, pageHook, [Object.freeze({ version: PRELUDE_VERSION, addInstrument, removeInstrument })]);
  } catch (error) {
    reportError("aioscope: the page hook refused the async-function prelude:", error);
  }
}
