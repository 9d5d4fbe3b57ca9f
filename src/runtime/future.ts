/**
 * Future: a result that will exist later (asyncio/futures.py).
 *
 * Invariant: `_state` moves once, from PENDING to FINISHED or CANCELLED. Done callbacks are
 * never called synchronously: completing a future schedules each of them on its loop with
 * `callSoon`, in the order they were added. A task waiting on a future is one such callback,
 * kept as the task itself so the loop can report who woke it.
 */
import { CancelledError, InvalidStateError, cancelledErrorWithoutStack } from "./errors.ts";
import { running } from "./current.ts";
import type { AwaitTarget } from "./instrument.ts";
import type { EventLoop } from "./event-loop.ts";
import type { Task } from "./task.ts";

export const FutureState = { PENDING: "pending", CANCELLED: "cancelled", FINISHED: "finished" } as const;
export type FutureState = (typeof FutureState)[keyof typeof FutureState];

export type DoneCallback<T> = (future: Future<T>) => void;

/**
 * Something parked on a future and woken through the loop when it completes, without a done
 * callback's Handle: a task waiting on it, or a gather counting its children.
 */
export interface FutureWaiter {
  /**
   * Schedule the waiter's wake-up on the loop (never run it synchronously). `origin` is the
   * task on whose behalf it is woken (the one that completed the future, see `running.origin`).
   */
  _scheduleWakeup(future: Future<unknown>, origin: Task<unknown> | null): void;
}

type CallbackEntry = ((future: never) => void) | FutureWaiter;

/** Anything usable with `yield*`: its iterator's return value is the result. */
export interface Operation<T> {
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/** A future's promise for `then`/`await`, when one was asked for: a field would cost every future. */
const promises = new WeakMap<Future<unknown>, Promise<unknown>>();

const DEFAULT_FUTURE_TARGET: AwaitTarget = Object.freeze({ kind: "future", label: "Future" });

export class Future<T> implements PromiseLike<T>, Operation<T> {
  /** @internal */ _state: FutureState = FutureState.PENDING;
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: unknown = undefined;
  /** @internal */ _hasException = false;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal */ _cancelledError: CancelledError | undefined = undefined;
  /**
   * @internal The first done callback or waiter: most futures get exactly one (a task or a
   * gather waiting on it), and a slot spares them an array. Typed loosely so that Future<T>
   * stays covariant in T.
   */
  _callback: CallbackEntry | null = null;
  /** @internal The callbacks added after `_callback`, in order; they always run after it. */
  _callbacks: CallbackEntry[] | null = null;
  /** @internal The error has not been read by anyone yet. */
  _logTraceback = false;
  /** @internal What a task awaiting this future is shown as waiting on. */
  _target: AwaitTarget | undefined = undefined;
  /** @internal */ readonly _loop: EventLoop;

  constructor(loop: EventLoop) {
    this._loop = loop;
  }

  getLoop(): EventLoop {
    return this._loop;
  }

  done(): boolean {
    return this._state !== FutureState.PENDING;
  }

  cancelled(): boolean {
    return this._state === FutureState.CANCELLED;
  }

  /**
   * The result; throws the future's error, `CancelledError` if it was cancelled, or
   * `InvalidStateError` while it is pending.
   */
  result(): T {
    if (this._state === FutureState.CANCELLED) throw this._makeCancelledError();
    if (this._state !== FutureState.FINISHED) throw new InvalidStateError(`result() called on ${this}: the result is not ready yet`);
    this._markRetrieved();
    if (this._hasException) throw this._exception;
    return this._result as T;
  }

  /** The error, or null if the future succeeded; throws as `result()` does when cancelled or pending. */
  exception(): unknown {
    if (this._state === FutureState.CANCELLED) throw this._makeCancelledError();
    if (this._state !== FutureState.FINISHED) throw new InvalidStateError(`exception() called on ${this}: the result is not ready yet`);
    this._markRetrieved();
    return this._hasException ? this._exception : null;
  }

  setResult(value: T): void {
    if (this._state !== FutureState.PENDING) throw new InvalidStateError(`setResult() called on ${this}: it is already done`);
    this._result = value;
    this._state = FutureState.FINISHED;
    this._scheduleCallbacks();
  }

  setException(error: unknown): void {
    if (this._state !== FutureState.PENDING) throw new InvalidStateError(`setException() called on ${this}: it is already done`);
    this._exception = error;
    this._hasException = true;
    this._state = FutureState.FINISHED;
    this._logTraceback = true;
    this._scheduleCallbacks();
  }

  /** Cancels the future and schedules its callbacks; false if it was already done. */
  cancel(msg?: string): boolean {
    if (this._state !== FutureState.PENDING) return false;
    this._state = FutureState.CANCELLED;
    this._cancelMessage = msg;
    this._scheduleCallbacks();
    return true;
  }

  /** Calls `callback(future)` through the loop once the future is done (at once if it is). */
  addDoneCallback(callback: DoneCallback<T>): void {
    if (this._state !== FutureState.PENDING) {
      this._loop._callSoonInternal(callback as (f: unknown) => void, this);
    } else {
      this._addCallbackEntry(callback);
    }
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    let removed = 0;
    if (this._callback === callback) {
      this._callback = null;
      removed++;
    }
    const callbacks = this._callbacks;
    if (callbacks === null) return removed;
    const kept = callbacks.filter((c) => c !== callback);
    if (kept.length !== callbacks.length) {
      removed += callbacks.length - kept.length;
      this._callbacks = kept.length === 0 ? null : kept;
    }
    return removed;
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this._asPromise().then(onFulfilled, onRejected);
  }

  *[Symbol.iterator](): Generator<unknown, T, unknown> {
    if (this._state === FutureState.PENDING) yield this;
    return this.result();
  }

  toString(): string {
    return `<${this._describe()}>`;
  }

  /** @internal The words inside `<…>`; tasks add their name and what they wait on. */
  _describe(): string {
    // Spelled out, not read from constructor.name: minifiers rename classes. Tasks override this.
    const kind = this._target === undefined ? "Future" : `Future ${this._target.label}`;
    if (this._state === FutureState.PENDING) return `${kind} pending`;
    if (this._state === FutureState.CANCELLED) return `${kind} cancelled`;
    return this._hasException
      ? `${kind} finished exception=${describeValue(this._exception)}`
      : `${kind} finished result=${describeValue(this._result)}`;
  }

  /** @internal What a task yielding this future waits on. */
  _awaitTarget(): AwaitTarget {
    return this._target ?? DEFAULT_FUTURE_TARGET;
  }

  /** @internal Park a task on this future (asyncio adds `task.__wakeup` as a done callback). */
  _addWaiter(waiter: FutureWaiter): void {
    if (this._state !== FutureState.PENDING) {
      // A bare `yield` of a finished future (`yield*` never parks on one): wake the task
      // through the loop, as add_done_callback does on a done future, rather than never.
      waiter._scheduleWakeup(this, running.task);
      return;
    }
    this._addCallbackEntry(waiter);
  }

  /** @internal Appends a callback or waiter; the slot is used only while nothing else is registered, so order holds. */
  _addCallbackEntry(entry: CallbackEntry): void {
    if (this._callback === null && this._callbacks === null) this._callback = entry;
    else if (this._callbacks === null) this._callbacks = [entry];
    else this._callbacks.push(entry);
  }

  /**
   * @internal The error a cancelled future raises: the one its task ended with, once, else a
   * new one — without a stack when the loop makes it (`fromLoop`), as no user frame is on it.
   */
  _makeCancelledError(fromLoop = false): CancelledError {
    const stored = this._cancelledError;
    if (stored !== undefined) {
      this._cancelledError = undefined;
      return stored;
    }
    return fromLoop ? cancelledErrorWithoutStack(this._cancelMessage) : new CancelledError(this._cancelMessage);
  }

  /** @internal */
  _markRetrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      this._onRetrieved();
    }
  }

  /** @internal Tasks report the retrieval to instruments and the loop. */
  _onRetrieved(): void {}

  /** @internal */
  _scheduleCallbacks(): void {
    const first = this._callback;
    const callbacks = this._callbacks;
    if (first === null && callbacks === null) return;
    this._callback = null;
    this._callbacks = null;
    if (first !== null) this._scheduleCallback(first);
    if (callbacks === null) return;
    for (let k = 0; k < callbacks.length; k++) this._scheduleCallback(callbacks[k]!);
  }

  private _scheduleCallback(callback: CallbackEntry): void {
    if (typeof callback === "function") this._loop._callSoonInternal(callback as (f: unknown) => void, this);
    else callback._scheduleWakeup(this, running.task ?? running.origin);
  }

  /** @internal The promise `then` and `await` use: made once, on first use, kept aside (few futures need one). */
  _asPromise(): Promise<T> {
    const made = promises.get(this) as Promise<T> | undefined;
    if (made !== undefined) return made;
    let promise: Promise<T>;
    if (this._state === FutureState.PENDING) {
      promise = new Promise<T>((resolve, reject) => {
        this.addDoneCallback((f) => {
          try {
            resolve(f.result());
          } catch (error) {
            reject(error);
          }
        });
      });
    } else {
      try {
        promise = Promise.resolve(this.result());
      } catch (error) {
        promise = Promise.reject(error);
      }
    }
    promises.set(this, promise);
    return promise;
  }
}

/** A short, safe rendering of a value for `toString()` output. */
export function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}(${JSON.stringify(value.message)})`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "function") return `[function ${value.name || "anonymous"}]`;
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? `Array(${value.length})` : `[object ${value.constructor?.name ?? "Object"}]`;
  return String(value);
}

export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}

/** Completes `future` with `value` unless it was cancelled meanwhile (a timer's callback). */
export function setResultUnlessCancelled<T>(future: Future<T>, value: T): void {
  if (!future.done()) future.setResult(value);
}
