/**
 * Lock: mutual exclusion between tasks (asyncio/locks.py `Lock`, CPython 3.13).
 *
 * Invariants (as locks.py keeps them):
 * - Fairness: a task acquires at once only if the lock is free and every parked waiter is
 *   cancelled; otherwise it queues behind them. Nobody barges past a woken waiter.
 * - `release()` wakes the first waiter in line, and only if it is still pending: a waiter
 *   that is already woken or cancelled is dealt with by its own task when it runs.
 * - A waiter that leaves by cancellation while the lock is free wakes the first waiter in
 *   line, so a lock handed to a task that was cancelled meanwhile passes to the next one and
 *   is never lost.
 * - The lock is not owned: any task may release it (asyncio's Lock is not re-entrant either).
 */
import { RuntimeError, isCancelledError } from "./errors.ts";
import { running } from "./current.ts";
import type { Operation } from "./future.ts";
import { emit, instruments, type AwaitTarget } from "./instrument.ts";
import { LoopBoundResource, ParkingLot, READY_TRUE } from "./parking-lot.ts";
import { describeNextAwait, type Task } from "./task.ts";

/**
 * A lock for tasks. `acquire()` waits until the lock is free, in FIFO order; `release()`
 * frees it. Instruments see it as a `"lock"` resource: `resourceOp` reports `create`,
 * `acquire` and `release`, with the number of tasks still waiting as the value.
 *
 * @example
 * const lock = new Lock();
 * function* update(key: string) {
 *   yield* lock.acquire();
 *   try { yield* write(key) } finally { lock.release() }
 * }
 */
export class Lock extends LoopBoundResource {
  /** @internal */ _locked = false;
  /** @internal */ readonly _waiters = new ParkingLot<true>();
  /** @internal */ _target: AwaitTarget | null = null;
  /** @internal The task that took the lock (for a live walk; the lock is not owned, see above). */
  _holder: Task<unknown> | null = null;
  /** @internal Stateless, so one per lock serves every `acquire()` call. */
  readonly _acquireOp: Operation<true> = { [Symbol.iterator]: () => this._acquire() };

  constructor() {
    super();
    if (instruments.length !== 0) emit("resourceOp", this, "create", running.task, 0);
  }

  get kind(): "lock" {
    return "lock";
  }

  label(): string {
    return `Lock#${this.id}`;
  }

  /** The task that acquired the lock and has not released it yet, or null. */
  holder(): Task<unknown> | null {
    return this._locked ? this._holder : null;
  }

  /** True while some task holds the lock. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is free, takes it and returns true. A cancelled wait leaves no
   * trace: if the lock had been handed over already, it goes to the next waiter.
   *
   * @example
   * yield* lock.acquire();
   * try { counter += 1 } finally { lock.release() }
   */
  acquire(): Operation<true> {
    return this._acquireOp;
  }

  /**
   * Frees the lock and wakes the first waiter. Throws `RuntimeError` if the lock is not held.
   *
   * @example
   * lock.release();
   */
  release(): void {
    if (!this._locked) throw new RuntimeError(`Lock is not acquired: release() called on ${this}`);
    this._locked = false;
    this._holder = null;
    this._wakeUpFirst();
    if (instruments.length !== 0) emit("resourceOp", this, "release", running.task, this._waiters.size);
  }

  override toString(): string {
    const waiters = this._waiters.size;
    return `<${this.label()} [${this._locked ? "locked" : "unlocked"}${waiters !== 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  /** @internal The fast path decides before any generator exists. */
  _acquire(): Iterator<unknown, true, unknown> {
    // "Jumping the queue if all are cancelled is an optimization" (locks.py): cancelled
    // waiters are about to leave and will not take the lock.
    if (!this._locked && this._waiters.allCancelled()) {
      this._locked = true;
      this._holder = running.task;
      if (instruments.length !== 0) emit("resourceOp", this, "acquire", running.task, this._waiters.size);
      return READY_TRUE;
    }
    return this._acquireSlowly();
  }

  /** @internal */
  *_acquireSlowly(): Generator<unknown, true, unknown> {
    const waiter = this._waiters.park(this._getLoop());
    try {
      try {
        describeNextAwait(this._target ??= Object.freeze({ kind: "lock", label: this.label(), id: this.id, resource: this }));
        yield waiter;
      } finally {
        this._waiters.unpark(waiter);
      }
    } catch (error) {
      // We may have been woken and then cancelled before running: the lock is free but
      // nobody else was woken. Keep the invariant that the head of the line will run.
      if (isCancelledError(error) && !this._locked) this._wakeUpFirst();
      throw error;
    }
    this._locked = true;
    this._holder = running.task;
    if (instruments.length !== 0) emit("resourceOp", this, "acquire", running.task, this._waiters.size);
    return true;
  }

  /** @internal Wakes the waiter at the head of the line, unless it is already woken or cancelled. */
  _wakeUpFirst(): void {
    const first = this._waiters.first();
    if (first !== null && !first.done()) first.setResult(true);
  }
}
