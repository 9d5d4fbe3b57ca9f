/** Deadlines for a block of work: timeout, timeoutAt and waitFor (asyncio/timeouts.py, tasks.py). */
import { getRunningLoop } from "./current.ts";
import { RuntimeError, TimeoutError, isCancelledError } from "./errors.ts";
import type { Handle } from "./event-loop.ts";
import { ensureFuture, isOperation, type Awaitable } from "./ensure-future.ts";
import { Future, type Operation } from "./future.ts";
import { emit, instruments, nextResourceId } from "./instrument.ts";
import { HostPromiseFuture, isGenerator, isThenable } from "./host-promise.ts";
import { currentTask, awaitAs, type Task } from "./task.ts";

const TimeoutState = {
  CREATED: "created",
  ENTERED: "active",
  EXPIRING: "expiring",
  EXPIRED: "expired",
  EXITED: "finished",
} as const;
type TimeoutState = (typeof TimeoutState)[keyof typeof TimeoutState];

/**
 * A timeout scope (asyncio.Timeout). When its deadline passes, the task running the scope is
 * cancelled; the CancelledError that reaches the scope's edge becomes TimeoutError. A
 * cancellation from anywhere else stays a CancelledError. Only the expired scope converts.
 */
export class Timeout {
  /** @internal */ _state: TimeoutState = TimeoutState.CREATED;
  /** @internal */ _when: number | null;
  /** @internal */ _handle: Handle | null = null;
  /** @internal */ _task: Task<unknown> | null = null;
  /** @internal */ _cancelling = 0;
  /** @internal Identifies the scope to instruments. */
  readonly _id = nextResourceId();

  constructor(when: number | null) {
    this._when = when;
  }

  /** The deadline on the loop's clock (ms), or null for none. */
  when(): number | null {
    return this._when;
  }

  /** Moves the deadline (null: none). Only while the scope is active. */
  reschedule(when: number | null): void {
    if (this._state !== TimeoutState.ENTERED) {
      if (this._state === TimeoutState.CREATED) throw new RuntimeError("Timeout has not been entered");
      throw new RuntimeError(`Cannot change state of ${this._state} Timeout`);
    }
    this._when = when;
    this._disarm();
    if (when === null) return;
    const loop = getRunningLoop();
    // One shared callback with the scope as its argument: no closure per scope.
    this._handle = when <= loop.time() ? loop._callSoonInternal(expire, this) : loop._callAtInternal(when, expire, this);
    if (instruments.length !== 0) emit("timeoutArmed", this._task!, when, this._id);
  }

  /** True once the deadline has passed and the scope cancelled its task. */
  expired(): boolean {
    return this._state === TimeoutState.EXPIRING || this._state === TimeoutState.EXPIRED;
  }

  /** As asyncio's `Timeout.__repr__`: the deadline shows only while the scope is active. */
  toString(): string {
    const when = this._state === TimeoutState.ENTERED ? ` when=${this._when}` : "";
    return `<Timeout [${this._state}]${when}>`;
  }

  /** @internal */
  _enter(): void {
    if (this._state !== TimeoutState.CREATED) throw new RuntimeError("Timeout has already been entered");
    const task = currentTask();
    if (task === null) throw new RuntimeError("Timeout should be used inside a task");
    this._state = TimeoutState.ENTERED;
    this._task = task;
    this._cancelling = task.cancelling();
    this.reschedule(this._when);
  }

  /**
   * @internal Leaves the scope. Returns the error to raise instead of `error` (a
   * TimeoutError), or undefined to let the outcome stand.
   */
  _exit(failed: boolean, error: unknown): TimeoutError | undefined {
    this._disarm();
    if (this._state === TimeoutState.EXPIRING) {
      this._state = TimeoutState.EXPIRED;
      if (this._task!.uncancel() <= this._cancelling && failed && isCancelledError(error)) {
        return new TimeoutError(`the deadline passed (${this._when} on the loop clock)`, { cause: error });
      }
    } else if (this._state === TimeoutState.ENTERED) {
      this._state = TimeoutState.EXITED;
    }
    return undefined;
  }

  /** Cancels the pending deadline, if one is armed, and says so to instruments. */
  private _disarm(): void {
    if (this._handle === null) return;
    this._handle.cancel();
    this._handle = null;
    if (instruments.length !== 0) emit("timeoutDisarmed", this._task!, this._id);
  }

  /** @internal The deadline passed: cancel the scope's task. */
  _onTimeout(): void {
    if (this._state !== TimeoutState.ENTERED) return;
    this._handle = null;
    // Reported first: the cancellation that follows is the timeout's doing.
    if (instruments.length !== 0) emit("timeoutExpired", this._task!, this._id);
    this._task!.cancel();
    this._state = TimeoutState.EXPIRING;
  }
}

function expire(scope: unknown): void {
  (scope as Timeout)._onTimeout();
}

function* runScope<T>(scope: Timeout, body: (scope: Timeout) => Generator<unknown, T, unknown>): Generator<unknown, T, unknown> {
  scope._enter();
  let result: T;
  try {
    result = yield* body(scope);
  } catch (error) {
    const replacement = scope._exit(true, error);
    throw replacement ?? error;
  }
  scope._exit(false, undefined);
  return result;
}

/**
 * Runs `body` with a deadline `ms` from now (null: none). On expiry the body is cancelled
 * and TimeoutError is raised from the scope.
 *
 * @example
 * const page = yield* timeout(2000, function* () { return yield* download(url) });
 */
export function timeout<T>(ms: number | null, body: (scope: Timeout) => Generator<unknown, T, unknown>): Operation<T> {
  return {
    [Symbol.iterator]() {
      const when = ms === null ? null : getRunningLoop().time() + ms;
      return runScope(new Timeout(when), body);
    },
  };
}

/**
 * As `timeout`, with an absolute deadline on the loop's clock (`loop.time()`).
 *
 * @example
 * const deadline = getRunningLoop().time() + 5000;
 * yield* timeoutAt(deadline, function* (scope) { yield* stepOne(); scope.reschedule(deadline + 1000); yield* stepTwo() });
 */
export function timeoutAt<T>(deadline: number | null, body: (scope: Timeout) => Generator<unknown, T, unknown>): Operation<T> {
  return { [Symbol.iterator]: () => runScope(new Timeout(deadline), body) };
}

/**
 * Awaits `awaitable` for at most `timeoutMs` (null: forever). On expiry the awaitable is
 * cancelled and awaited until it has finished, then TimeoutError is raised — unless it
 * swallowed the cancellation and returned a value (returned) or raised another error
 * (propagated). Cancelling the waiting task cancels the awaitable too.
 *
 * @example
 * try { const data = yield* waitFor(fetchJson("/slow"), 1000) } catch (e) { if (e instanceof TimeoutError) useCache() }
 */
export function waitFor<T>(awaitable: Awaitable<T>, timeoutMs: number | null): Operation<T> {
  return {
    *[Symbol.iterator]() {
      if (timeoutMs !== null && timeoutMs <= 0) {
        const future = ensureFuture(awaitable);
        if (future.done()) return future.result();
        yield* cancelAndWait(future);
        try {
          return future.result();
        } catch (error) {
          if (isCancelledError(error)) throw new TimeoutError(`waitFor(): the timeout (${timeoutMs} ms) had already passed`, { cause: error });
          throw error;
        }
      }
      // What timeout(timeoutMs, body) does, written out: two generators fewer per call.
      const scope = new Timeout(timeoutMs === null ? null : getRunningLoop().time() + timeoutMs);
      scope._enter();
      let result: T;
      try {
        // A coroutine or operation is awaited right here, one generator (and one level for a
        // cancellation to be thrown through) fewer than through awaitWithTarget.
        result = awaitsInline(awaitable) ? yield* (awaitable as Operation<T>) : yield* awaitWithTarget(awaitable, timeoutMs);
      } catch (error) {
        throw scope._exit(true, error) ?? error;
      }
      scope._exit(false, undefined);
      return result;
    },
  };
}

/** CPython 3.12+ awaits a coroutine inline, inside the timeout scope, with no extra task. */
function awaitsInline(awaitable: Awaitable<unknown>): boolean {
  return !(awaitable instanceof Future) && (isGenerator(awaitable) || (isOperation(awaitable) && !isThenable(awaitable)));
}

/** Awaits a future or a promise in the current task, showing it as a waitFor target. */
function* awaitWithTarget<T>(awaitable: Awaitable<T>, timeoutMs: number | null): Generator<unknown, T, unknown> {
  const future = awaitable instanceof Future ? awaitable as Future<T> : new HostPromiseFuture<T>(getRunningLoop(), awaitable as PromiseLike<T>, null, "promise");
  // The label is built only here: a coroutine awaited inline never shows it.
  const label = `waitFor(${timeoutMs === null ? "no timeout" : `${timeoutMs}ms`})`;
  const target = future._awaitTarget();
  return yield* awaitAs(future, { kind: "waitFor", label: `${label}: ${target.label}`, ...(target.id !== undefined ? { id: target.id } : {}) });
}

/** Cancels `future` and waits until it has finished, whatever it does with the request. */
function* cancelAndWait(future: Future<unknown>): Generator<unknown, void, unknown> {
  const loop = getRunningLoop();
  const waiter = loop.createFuture<void>();
  const release = (): void => {
    if (!waiter.done()) waiter.setResult();
  };
  future.addDoneCallback(release);
  try {
    future.cancel();
    // Not interruptible by design, as tasks.py `_cancel_and_wait`: the caller still gets
    // its own cancellation afterwards.
    yield* awaitAs(waiter, { kind: "waitFor", label: "waitFor(0ms): cancelling" });
  } finally {
    future.removeDoneCallback(release);
  }
}

