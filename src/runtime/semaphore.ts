/**
 * Semaphore and BoundedSemaphore: a counter of free slots (asyncio/locks.py, CPython 3.13).
 *
 * Invariants (the `_value` accounting of 3.13):
 * - `_value` is the number of free slots not yet promised to anyone, and never negative.
 *   Waking a waiter takes its slot at once (`_wakeUpNext` decrements `_value`), so the slot
 *   cannot be taken by a task that arrives between the wake-up and the waiter running.
 * - FIFO: a task takes a slot at once only if one is free and no parked waiter is still in
 *   the running for one (a cancelled waiter is not); otherwise it queues.
 * - A waiter cancelled after its slot was promised gives the slot back, and every waiter
 *   leaving `acquire()` wakes as many queued waiters as there are free slots, so a slot is
 *   never lost nor granted twice.
 */
import { running } from "./current.ts";
import { isCancelledError } from "./errors.ts";
import type { Operation } from "./future.ts";
import { emit, instruments, type AwaitTarget } from "./instrument.ts";
import { LoopBoundResource, ParkingLot, READY_TRUE } from "./parking-lot.ts";
import { describeNextAwait } from "./task.ts";

/**
 * A semaphore: `acquire()` takes one of `value` slots, waiting in FIFO order while none is
 * free; `release()` gives one back. Instruments see it as a `"semaphore"` resource reporting
 * `create`, `acquire` and `release` with the free slots as the value.
 *
 * @example
 * const connections = new Semaphore(4);
 * function* download(url: string) {
 *   yield* connections.acquire();
 *   try { return yield* awaitPromise((signal) => fetch(url, { signal })) } finally { connections.release() }
 * }
 */
export class Semaphore extends LoopBoundResource {
  /** @internal Free slots not promised to a woken waiter. */ _value: number;
  /** @internal The value it was created with, shown in labels. */ readonly _initial: number;
  /** @internal */ readonly _waiters = new ParkingLot<true>();
  /** @internal The last target shown for a wait, and the `_value` its label shows. */
  _target: AwaitTarget | null = null;
  /** @internal */ _targetValue = -1;
  /** @internal */ readonly _acquireOp: Operation<true> = { [Symbol.iterator]: () => this._acquire() };

  constructor(value = 1) {
    super();
    if (!(value >= 0)) throw new RangeError(`Semaphore initial value must be >= 0, not ${value}`);
    this._value = value;
    this._initial = value;
    if (instruments.length !== 0) emit("resourceOp", this, "create", running.task, value);
  }

  get kind(): "semaphore" {
    return "semaphore";
  }

  label(): string {
    return `${this._typeName()}#${this.id} (${this._value}/${this._initial} free)`;
  }

  /** True if `acquire()` would wait: no free slot, or others are queued first (FIFO). */
  locked(): boolean {
    return this._value === 0 || !this._waiters.allCancelled();
  }

  /**
   * Waits for a free slot, takes it and returns true. A cancelled wait leaves no trace: a
   * slot already promised to it goes to the next waiter.
   *
   * @example
   * yield* sem.acquire();
   * try { yield* work() } finally { sem.release() }
   */
  acquire(): Operation<true> {
    return this._acquireOp;
  }

  /**
   * Gives a slot back and wakes the first waiter, if any.
   *
   * @example
   * sem.release();
   */
  release(): void {
    this._value++;
    this._wakeUpNext();
    if (instruments.length !== 0) emit("resourceOp", this, "release", running.task, this._value);
  }

  override toString(): string {
    const waiters = this._waiters.size;
    const state = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    return `<${this._typeName()}#${this.id} [${state}${waiters !== 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  /** @internal Spelled out rather than read from `constructor.name`, which minifiers rename. */
  _typeName(): string {
    return "Semaphore";
  }

  /** @internal */
  _acquire(): Iterator<unknown, true, unknown> {
    if (!this.locked()) {
      this._value--;
      if (instruments.length !== 0) emit("resourceOp", this, "acquire", running.task, this._value);
      return READY_TRUE;
    }
    return this._acquireSlowly();
  }

  /** @internal locks.py `Semaphore.acquire`, slow path. */
  *_acquireSlowly(): Generator<unknown, true, unknown> {
    const waiter = this._waiters.park(this._getLoop());
    try {
      try {
        describeNextAwait(this._awaitTarget());
        yield waiter;
      } finally {
        this._waiters.unpark(waiter);
      }
    } catch (error) {
      // Woken (our slot taken from `_value`) but leaving without it: give it back. The
      // `finally` below hands it to the next waiter.
      if (isCancelledError(error) && waiter.done() && !waiter.cancelled()) this._value++;
      throw error;
    } finally {
      // Waiters that arrived while slots were free had to queue (FIFO): wake as many of them
      // as there are free slots.
      while (this._value > 0) {
        if (!this._wakeUpNext()) break;
      }
    }
    if (instruments.length !== 0) emit("resourceOp", this, "acquire", running.task, this._value);
    return true;
  }

  /**
   * @internal What a waiting task is shown as waiting on. Targets are immutable snapshots,
   * so waits that see the same free count share one (most waits see 0).
   */
  _awaitTarget(): AwaitTarget {
    if (this._target === null || this._targetValue !== this._value) {
      this._targetValue = this._value;
      this._target = Object.freeze({ kind: "semaphore", label: this.label(), id: this.id });
    }
    return this._target;
  }

  /** @internal Wakes the first pending waiter and promises it a slot; false if there is none. */
  _wakeUpNext(): boolean {
    const waiter = this._waiters.firstPending();
    if (waiter === null) return false;
    this._value--;
    waiter.setResult(true);
    return true;
  }
}

/**
 * A semaphore that refuses to be released more often than acquired: `release()` above the
 * initial value throws `RangeError` (Python's ValueError).
 *
 * @example
 * const slots = new BoundedSemaphore(2);
 * slots.release(); // RangeError: BoundedSemaphore released too many times
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Gives a slot back; throws `RangeError` if that would exceed the initial value.
   *
   * @example
   * yield* slots.acquire(); slots.release();
   */
  override release(): void {
    if (this._value >= this._initial) throw new RangeError(`BoundedSemaphore released too many times: ${this}`);
    super.release();
  }

  /** @internal */
  override _typeName(): string {
    return "BoundedSemaphore";
  }
}
