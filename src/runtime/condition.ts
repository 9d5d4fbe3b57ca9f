/**
 * Condition: wait for a notification while holding a lock (asyncio/locks.py `Condition`,
 * CPython 3.13).
 *
 * Invariants:
 * - `wait()` is called with the lock held and returns (or throws) with the lock held again:
 *   even a cancelled wait re-acquires the lock before the CancelledError goes on.
 * - `notify(n)` wakes the first `n` waiters that are still pending, in arrival order.
 * - A wait that ends with an error may have consumed a notification; it passes one on to
 *   the next waiter, so a notification is never lost (a spurious wake-up is allowed).
 */
import { RuntimeError, isCancelledError } from "./errors.ts";
import { running } from "./current.ts";
import type { Operation } from "./future.ts";
import { emit, instruments, type AwaitTarget } from "./instrument.ts";
import { Lock } from "./lock.ts";
import { LoopBoundResource, ParkingLot } from "./parking-lot.ts";
import { describeNextAwait } from "./task.ts";

const NO_ERROR: unique symbol = Symbol("no error");

/**
 * A condition variable over a `Lock` (a new one unless given). Instruments see it as a
 * `"condition"` resource reporting `create` and `notify` (value: how many it woke); its
 * lock reports its own `acquire` and `release`.
 *
 * @example
 * const cond = new Condition();
 * const items: string[] = [];
 * function* consume() {
 *   yield* cond.acquire();
 *   try { yield* cond.waitFor(() => items.length > 0); return items.shift()! } finally { cond.release() }
 * }
 * function* produce(item: string) {
 *   yield* cond.acquire();
 *   try { items.push(item); cond.notify() } finally { cond.release() }
 * }
 */
export class Condition extends LoopBoundResource {
  /** @internal */ readonly _lock: Lock;
  /** @internal */ readonly _waiters = new ParkingLot<false>();
  /** @internal */ _target: AwaitTarget | null = null;

  constructor(lock?: Lock) {
    super();
    this._lock = lock ?? new Lock();
    if (instruments.length !== 0) emit("resourceOp", this, "create", running.task, 0);
  }

  get kind(): "condition" {
    return "condition";
  }

  label(): string {
    return `Condition#${this.id}`;
  }

  /**
   * Acquires the underlying lock.
   *
   * @example
   * yield* cond.acquire();
   */
  acquire(): Operation<true> {
    return this._lock.acquire();
  }

  /**
   * Releases the underlying lock.
   *
   * @example
   * cond.release();
   */
  release(): void {
    this._lock.release();
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /**
   * Releases the lock, waits for a notification, re-acquires the lock and returns true.
   * Throws `RuntimeError` if the lock is not held. May return spuriously: re-check the
   * state, or use `waitFor`.
   *
   * @example
   * while (!ready) yield* cond.wait();
   */
  wait(): Operation<true> {
    return { [Symbol.iterator]: () => this._wait() };
  }

  /**
   * Waits until `predicate()` is truthy and returns its value; the lock must be held.
   *
   * @example
   * const job = yield* cond.waitFor(() => jobs.shift());
   */
  waitFor<T>(predicate: () => T): Operation<T> {
    return { [Symbol.iterator]: () => this._waitFor(predicate) };
  }

  /**
   * Wakes up to `n` waiting tasks (default one). Each returns from `wait()` once it has
   * re-acquired the lock, so the caller should release it. Throws `RuntimeError` if the
   * lock is not held.
   *
   * @example
   * items.push(item); cond.notify();
   */
  notify(n = 1): void {
    if (!this.locked()) throw new RuntimeError(`cannot notify on un-acquired lock: notify() called on ${this} without holding its lock`);
    const woken = this._waiters.wake(n, false);
    if (instruments.length !== 0) emit("resourceOp", this, "notify", running.task, woken);
  }

  /**
   * Wakes every waiting task. Throws `RuntimeError` if the lock is not held.
   *
   * @example
   * done = true; cond.notifyAll();
   */
  notifyAll(): void {
    this.notify(this._waiters.size);
  }

  override toString(): string {
    const waiters = this._waiters.size;
    return `<${this.label()} [${this.locked() ? "locked" : "unlocked"}${waiters !== 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  /** @internal */
  *_waitFor<T>(predicate: () => T): Generator<unknown, T, unknown> {
    let result = predicate();
    while (!result) {
      yield* this._wait();
      result = predicate();
    }
    return result;
  }

  /** @internal locks.py `Condition.wait`, step by step. */
  *_wait(): Generator<unknown, true, unknown> {
    if (!this.locked()) throw new RuntimeError(`cannot wait on un-acquired lock: wait() called on ${this} without holding its lock`);
    const loop = this._getLoop();
    this.release();
    try {
      let waitError: unknown = NO_ERROR;
      const waiter = this._waiters.park(loop);
      try {
        describeNextAwait(this._target ??= Object.freeze({ kind: "condition", label: this.label(), id: this.id }));
        yield waiter;
      } catch (error) {
        waitError = error;
      } finally {
        this._waiters.unpark(waiter);
      }
      // The lock must be held again on the way out, even when the wait was cancelled. A
      // cancellation while re-acquiring is kept, re-raised once the lock is ours, and
      // replaces the wait's own error (as a `raise` in Python's `finally` would).
      let cancelled: unknown = NO_ERROR;
      for (;;) {
        try {
          yield* this._lock.acquire();
          break;
        } catch (error) {
          if (!isCancelledError(error)) throw error;
          cancelled = error;
        }
      }
      if (cancelled !== NO_ERROR) throw cancelled;
      if (waitError !== NO_ERROR) throw waitError;
      return true;
    } catch (error) {
      // This task may have been notified before the error reached it: pass a notification
      // on, so that it is not lost (locks.py; a spurious wake-up is allowed).
      const woken = this._waiters.wake(1, false);
      if (woken !== 0 && instruments.length !== 0) emit("resourceOp", this, "notify", running.task, woken);
      throw error;
    }
  }
}
