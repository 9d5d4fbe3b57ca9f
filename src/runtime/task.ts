/**
 * Task: a coroutine driven by the event loop (asyncio/tasks.py).
 *
 * Invariants (as tasks.py states them for `Task`):
 * - A task is either ready (a step is scheduled on the loop), waiting on exactly one
 *   future (`_futWaiter`), or done.
 * - `cancel()` while waiting cancels the awaited future, which wakes the task with
 *   `CancelledError`; otherwise `_mustCancel` makes the next step throw it in.
 * - A step runs the coroutine to its next suspension point, synchronously; it is never split.
 * - When done, the task drops its coroutine, so finished tasks keep no generator alive.
 */
import { CancelledError, RuntimeError, isCancelledError } from "./errors.ts";
import { getEventLoop, running } from "./current.ts";
import { Future, FutureState, describeValue, type Operation } from "./future.ts";
import { emit, emitExited, emitScheduled, emitSpawned, emitStepBegin, emitStepEnd, instruments, nextTaskId, realm, type AwaitTarget, type Instrument, type TaskOutcome } from "./instrument.ts";
import type { EventLoop, SliceMark } from "./event-loop.ts";
import { hostNow } from "./host.ts";
import { HostPromiseFuture, isGenerator, isThenable } from "./host-promise.ts";

/** A coroutine object, a coroutine function, or an async function (an opaque task). */
export type CoroutineSource<T> =
  | Generator<unknown, T, unknown>
  | Operation<T>
  | ((signal: AbortSignal) => Generator<unknown, T, unknown>)
  | ((signal: AbortSignal) => PromiseLike<T>);

export interface TaskOptions {
  name?: string;
  loop?: EventLoop;
}

/** How the task's work is written: a generator coroutine, or an opaque async function. */
export type TaskKind = "coroutine" | "async";

const NO_ERROR: unique symbol = Symbol("no error");
const YIELD_TARGET: AwaitTarget = Object.freeze({ kind: "sleep", label: "sleep(0)" });

type AnyFunction = (signal?: AbortSignal) => unknown;

export class Task<T> extends Future<T> {
  /** Unique per realm, increasing. */
  readonly id: number;
  /** The task that was running when this one was created. */
  readonly parent: Task<unknown> | null;
  /** @internal */ _kind: TaskKind;
  /** @internal */ _name: string | undefined;
  /** @internal */ _coro: Generator<unknown, T, unknown> | null;
  /** @internal */ _fn: AnyFunction | null;
  /** @internal */ _futWaiter: Future<unknown> | null = null;
  /** @internal Neighbours in the loop's list of live tasks (`LiveTaskList`). */
  _prevLive: Task<unknown> | null = null;
  /** @internal */ _nextLive: Task<unknown> | null = null;
  /** @internal */ _waitingOn: AwaitTarget | null = null;
  /**
   * @internal When the task began waiting on `_futWaiter`: the start of the loop's current
   * slice (host clock, at most one slice early), which the loop reads anyway — no clock read here.
   */
  _waitingSince: SliceMark | null = null;
  /** @internal Set by an internal await to describe its next suspension better than the future can. */
  _nextTarget: AwaitTarget | null = null;
  /** @internal */ _mustCancel = false;
  /** @internal */ _numCancelsRequested = 0;
  /** @internal */ _controller: AbortController | null = null;
  /**
   * @internal What the scheduled step does: NO_ERROR (send undefined), an error to throw in,
   * or the completed future whose result it resumes with (a wake-up). One field for the
   * three: a task is scheduled for one step at a time, and only the runtime's own errors
   * (never a future) are thrown in this way.
   */
  _next: unknown = NO_ERROR;

  constructor(source: CoroutineSource<T>, options: TaskOptions = {}) {
    const loop = options.loop ?? getEventLoop();
    super(loop);
    this.id = nextTaskId();
    this.parent = running.task;
    this._name = options.name;
    if (typeof source === "function") {
      this._fn = source as AnyFunction;
      this._coro = null;
      this._kind = source.constructor.name === "AsyncFunction" ? "async" : "coroutine";
    } else if (isGenerator(source)) {
      this._fn = null;
      this._coro = source;
      this._kind = "coroutine";
    } else if (isIterableObject(source)) {
      // An operation such as sleep(100) or a taskGroup(...): run it as the task's body.
      this._fn = null;
      this._coro = delegate(source as Operation<T>);
      this._kind = "coroutine";
    } else {
      throw new TypeError(`createTask() expects a coroutine (generator), a coroutine function or an async function; got ${describeValue(source)}`);
    }
    loop._tasks.add(this);
    this._scheduleStep(NO_ERROR);
    if (instruments.length !== 0) {
      emitSpawned(this, this.parent);
      emitScheduled(this, this.parent);
    }
  }

  /** "coroutine" for generator tasks, "async" for opaque async-function tasks. */
  get kind(): TaskKind {
    return this._kind;
  }

  getName(): string {
    return this._name ?? `Task-${this.id}`;
  }

  setName(name: string): void {
    this._name = String(name);
    this._target = undefined;
  }

  /** The coroutine, while the task runs one; null for async-function tasks and once done. */
  getCoro(): Generator | null {
    return this._kind === "coroutine" ? this._coro : null;
  }

  /** What the task is suspended on now, or null when it is ready, running or done. */
  waitingOn(): AwaitTarget | null {
    return this._waitingOn;
  }

  /**
   * Requests cancellation: `CancelledError` is thrown into the coroutine at its suspension
   * point on its next step; it may catch it. Async-function tasks see their AbortSignal fire.
   * Returns false if the task is already done.
   */
  override cancel(msg?: string): boolean {
    if (this._state !== FutureState.PENDING) return false;
    this._numCancelsRequested++;
    if (instruments.length !== 0) emit("cancelRequested", this, msg, running.task);
    if (this._controller !== null && !this._controller.signal.aborted) this._controller.abort(new CancelledError(msg));
    if (this._futWaiter !== null && this._futWaiter.cancel(msg)) {
      // The awaited future wakes us with CancelledError (asyncio: the task "is cancelled" now).
      return true;
    }
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /** How many cancellation requests are pending (not yet `uncancel()`ed). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Withdraws one cancellation request; returns the remaining count. */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) this._mustCancel = false;
    }
    return this._numCancelsRequested;
  }

  /** Tasks complete by running their coroutine: this throws, as asyncio's Task does. */
  override setResult(_value: T): never {
    throw new RuntimeError("Task does not support setResult(): its coroutine's return value is its result");
  }

  /** Tasks complete by running their coroutine: this throws, as asyncio's Task does. */
  override setException(_error: unknown): never {
    throw new RuntimeError("Task does not support setException(): the error its coroutine throws is its error");
  }

  /** @internal */
  override _describe(): string {
    const name = `name=${this.getName()}`;
    if (this._state === FutureState.PENDING) {
      const cancelling = this._numCancelsRequested > 0 ? " cancelling" : "";
      const waiting = this._waitingOn !== null ? ` waiting on ${this._waitingOn.label}` : "";
      return `Task pending${cancelling} ${name}${waiting}`;
    }
    if (this._state === FutureState.CANCELLED) return `Task cancelled ${name}`;
    return this._hasException
      ? `Task finished ${name} exception=${describeValue(this._exception)}`
      : `Task finished ${name} result=${describeValue(this._result)}`;
  }

  /** @internal */
  override _awaitTarget(): AwaitTarget {
    // A task's `_target` (a future's label) caches what awaiting the task shows.
    return this._target ??= { kind: "task", label: this.getName(), id: this.id };
  }

  /** @internal */
  override _onRetrieved(): void {
    this._loop._unretrieved.delete(this);
    if (instruments.length !== 0) emit("exceptionRetrieved", this);
  }

  /** @internal */
  _scheduleWakeup(future: Future<unknown>, origin: Task<unknown> | null): void {
    this._next = future;
    this._loop._schedule(this);
    if (instruments.length !== 0) emitScheduled(this, origin);
  }

  /** @internal */
  _scheduleStep(error: unknown): void {
    this._next = error;
    this._loop._schedule(this);
  }

  /** @internal Runs the scheduled step: the loop calls this from its ready queue. */
  _run(): void {
    const next = this._next;
    this._next = NO_ERROR;
    if (next instanceof Future) this._wakeup(next);
    else this._step(next, undefined);
  }

  /** @internal The future this task awaited is done: resume with its result or error. */
  _wakeup(future: Future<unknown>): void {
    if (future._state === FutureState.CANCELLED) {
      // What result() would throw, made by the loop: no stack worth capturing.
      this._step(future._makeCancelledError(true), undefined);
      return;
    }
    let value: unknown;
    try {
      value = future.result();
    } catch (error) {
      this._step(error, undefined);
      return;
    }
    this._step(NO_ERROR, value);
  }

  /** @internal One step: run the coroutine to its next suspension point (tasks.py `__step`). */
  _step(error: unknown, value: unknown): void {
    if (this._state !== FutureState.PENDING) {
      throw new RuntimeError(`_step(): ${this} is already done`);
    }
    if (this._mustCancel) {
      if (!isCancelledError(error)) error = this._makeCancelledError(true);
      this._mustCancel = false;
    }
    this._futWaiter = null;
    this._waitingOn = null;
    const loop = this._loop;
    const outerTask = running.task;
    running.task = this;
    const instrumented = instruments.length !== 0;
    if (instrumented) emitStepBegin(this, loop._afterStep);
    // -1: not timed (debug mode was off when the step began, even if the step turns it on).
    const startedAt = loop._debug ? hostNow() : -1;
    let outcome: TaskOutcome | null = null;
    try {
      // Only while instrumented: an instrument may run the step inside its own context.
      const runner = instrumented ? realm.stepRunner : null;
      const step = runner == null ? this._advance(error, value) : advanceInside(runner, this, error, value);
      if (step.done === true) {
        if (this._mustCancel) {
          this._mustCancel = false;
          super.cancel(this._cancelMessage);
          outcome = "cancelled";
        } else {
          Future.prototype.setResult.call(this, step.value);
          outcome = "done";
        }
      } else {
        this._suspend(step.value);
      }
    } catch (thrown) {
      if (isCancelledError(thrown)) {
        this._cancelledError = thrown as CancelledError;
        super.cancel();
        outcome = "cancelled";
      } else {
        Future.prototype.setException.call(this, thrown);
        loop._unretrieved.add(this);
        outcome = "error";
      }
    } finally {
      running.task = outerTask;
    }
    if (startedAt >= 0) this._reportIfSlow(hostNow() - startedAt);
    if (outcome !== null) this._finish(outcome);
    if (instrumented && instruments.length !== 0) {
      emitStepEnd(this, outcome === null ? this._waitingOn : null);
      if (outcome !== null) emitExited(this, outcome, outcome === "error" ? this._exception : undefined);
    }
    loop._afterStep = true;
  }

  /** @internal Runs the coroutine to its next suspension point, starting it on the first step. */
  _advance(error: unknown, value: unknown): IteratorResult<unknown, T> {
    let coro = this._coro;
    if (coro === null) {
      if (error !== NO_ERROR) {
        // Cancelled before it started: the function is never called (as a coroutine
        // closed before its first send).
        throw error;
      }
      coro = this._start();
    }
    return error === NO_ERROR ? coro.next(value) : coro.throw(error);
  }

  /** @internal Calls the task's function: a generator function makes a coroutine task, an async function an opaque one. */
  private _start(): Generator<unknown, T, unknown> {
    const fn = this._fn!;
    this._fn = null;
    const result = fn.length > 0 ? fn(this._signal()) : fn();
    if (isGenerator(result)) {
      this._kind = "coroutine";
      return this._coro = result as Generator<unknown, T, unknown>;
    }
    if (isThenable(result)) {
      this._kind = "async";
      return this._coro = awaitOpaque(this, result as PromiseLike<T>, fn.name);
    }
    throw new TypeError(`createTask(): the task function ${fn.name || "(anonymous)"} returned ${describeValue(result)}, not a generator or a promise`);
  }

  /** @internal The AbortSignal handed to the task's function; it aborts when the task is cancelled. */
  _signal(): AbortSignal {
    this._controller ??= new AbortController();
    if (this._numCancelsRequested > 0 && !this._controller.signal.aborted) this._controller.abort(new CancelledError(this._cancelMessage));
    return this._controller.signal;
  }

  /** @internal What the coroutine yielded decides how the task waits (tasks.py `__step_run_and_handle_result`). */
  private _suspend(yielded: unknown): void {
    const loop = this._loop;
    if (yielded === undefined) {
      // A bare `yield`, as sleep(0): give every other ready callback one turn.
      this._nextTarget = null;
      this._waitingOn = YIELD_TARGET;
      this._scheduleStep(NO_ERROR);
      if (instruments.length !== 0) emitScheduled(this, this);
      return;
    }
    let future: Future<unknown>;
    if (yielded instanceof Future) {
      future = yielded;
    } else if (isThenable(yielded)) {
      future = new HostPromiseFuture(loop, yielded, null, "promise");
    } else {
      const hint = isGenerator(yielded) || isIterableObject(yielded)
        ? "a coroutine or operation: use `yield*` to await it"
        : "not awaitable: yield a Future, a Task or a promise, or use `yield*` on an operation";
      // tasks.py raises RuntimeError ("Task got bad yield"), as errors.ts documents.
      this._failSoon(new RuntimeError(`${this} yielded ${describeValue(yielded)}, which is ${hint}`));
      return;
    }
    if (future._loop !== loop) {
      this._failSoon(new RuntimeError(`${this} awaited ${future}, which belongs to a different event loop`));
      return;
    }
    if (future === this) {
      this._failSoon(new RuntimeError(`Task cannot await on itself: ${this}`));
      return;
    }
    const target = this._nextTarget ?? future._awaitTarget();
    this._nextTarget = null;
    this._waitingOn = target;
    this._futWaiter = future;
    this._waitingSince = loop._slice;
    future._addWaiter(this);
    if (this._mustCancel && future.cancel(this._cancelMessage)) this._mustCancel = false;
  }

  /**
   * @internal Throw `error` into the coroutine on its next step, so it can see where it went
   * wrong. Until then it waits as a bare yield does: one turn of the loop (tasks.py `call_soon`s
   * the step), and instruments see a step that did not end the task.
   */
  private _failSoon(error: Error): void {
    this._nextTarget = null;
    this._waitingOn = YIELD_TARGET;
    this._scheduleStep(error);
    if (instruments.length !== 0) emitScheduled(this, this);
  }

  private _finish(_outcome: TaskOutcome): void {
    this._coro = null;
    this._fn = null;
    this._waitingOn = null;
    this._nextTarget = null;
    this._loop._tasks.remove(this);
  }

  private _reportIfSlow(ms: number): void {
    const loop = this._loop;
    if (ms <= loop._slowStepMs) return;
    if (instruments.length !== 0) emit("slowStep", this, ms);
    console.warn(`aioscope: executing ${this} took ${ms.toFixed(1)} ms (slowStepMs=${loop._slowStepMs})`);
  }
}

function* delegate<T>(operation: Operation<T>): Generator<unknown, T, unknown> {
  return yield* operation;
}

function isIterableObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

/** An async-function task's body: one await on its promise, which its AbortSignal can end. */
function* awaitOpaque<T>(task: Task<T>, promise: PromiseLike<T>, label: string): Generator<unknown, T, unknown> {
  task._signal();
  const future = new HostPromiseFuture<T>(task._loop, promise, task._controller, label ? `${label}()` : "async function");
  return yield* future;
}

/**
 * Wraps a coroutine in a task scheduled to run soon on the current loop (or the realm's
 * default loop when called outside one), and returns the task.
 *
 * @example
 * const t = createTask(function* () { yield* sleep(100); return 42 }, { name: "answer" });
 * console.warn(yield* t); // 42
 */
export function createTask<T>(source: CoroutineSource<T>, options: TaskOptions = {}): Task<T> {
  return new Task(source, options);
}

/**
 * The task whose step is running, or null outside a task step.
 *
 * @example
 * function* worker() { console.warn(currentTask()?.getName()) }
 */
export function currentTask(): Task<unknown> | null {
  return running.task;
}

/**
 * A step run inside the step runner's context. Its own function, so that the closure's
 * captured variables live here: captured in `_step`, they cost a context allocated on every
 * step, recorded or not.
 */
function advanceInside<T>(runner: Instrument, task: Task<T>, error: unknown, value: unknown): IteratorResult<unknown, T> {
  return runner.runStep!(task, () => task._advance(error, value));
}

/**
 * The tasks of `loop` (by default the running or default loop) that are not done yet.
 *
 * @example
 * for (const t of allTasks()) console.warn(String(t));
 */
export function allTasks(loop: EventLoop = getEventLoop()): Set<Task<unknown>> {
  return new Set(loop._tasks.toArray());
}

/** Marks what the current task's next suspension waits on (for composed operations). */
export function describeNextAwait(target: AwaitTarget): void {
  const task = running.task;
  if (task !== null) task._nextTarget = target;
}

/** Awaits `future` and shows the current task as waiting on `target` meanwhile. */
export function* awaitAs<T>(future: Future<T>, target: AwaitTarget): Generator<unknown, T, unknown> {
  if (!future.done()) {
    describeNextAwait(target);
    yield future;
  }
  return future.result();
}

export type { Operation };
