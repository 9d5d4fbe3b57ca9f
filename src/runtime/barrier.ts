/**
 * Barrier: a meeting point for a fixed number of tasks (asyncio/locks.py `Barrier`,
 * CPython 3.13).
 *
 * Invariants:
 * - The state cycles FILLING → DRAINING → FILLING: tasks arrive while it fills; the one
 *   that completes the party turns it to DRAINING and wakes the others; the last one to
 *   leave turns it back to FILLING. Tasks arriving while it drains or resets wait for that
 *   to finish before they join the next round.
 * - `reset()` with tasks inside turns it to RESETTING: the waiting tasks get
 *   `BrokenBarrierError`, and the last one out turns it back to FILLING. `abort()` turns it
 *   to BROKEN for good: every waiting and later `wait()` gets `BrokenBarrierError`.
 * - `_count` is the number of tasks inside `wait()` past the entry check (waiting or
 *   leaving); `nWaiting` shows it only while filling, as asyncio does.
 *
 * asyncio builds this on a Condition; here its waiters park directly in one lot and
 * reproduce the Condition's hand-off exactly, without a lock and condition of their own in
 * every trace:
 * - every state change wakes them all to re-check (`notify_all`); a woken task whose check
 *   fails parks again at the back of the line, as `Condition.wait_for` re-queues it;
 * - a wait that ends with an error (a cancellation) passes one wake-up on to the first
 *   pending waiter, as `Condition.wait` does (`self._notify(1)`): the task may have been
 *   notified already, and the notification must not be lost. So a cancelled party changes
 *   the order in which the others leave, exactly as it does in CPython.
 * The Condition's lock is never held across a suspension here, so acquiring it never
 * waits and orders nothing; leaving it out changes no order.
 */
import { BrokenBarrierError } from "./errors.ts";
import { running } from "./current.ts";
import type { Operation } from "./future.ts";
import { emit, instruments } from "./instrument.ts";
import { LoopBoundResource, ParkingLot, READY_VOID } from "./parking-lot.ts";
import { describeNextAwait } from "./task.ts";

/**
 * The states of a Barrier (locks.py `_BarrierState`), as its `toString()` shows them.
 *
 * @example
 * if (barrier._state === BarrierState.DRAINING) console.warn("still letting the last round out");
 */
export const BarrierState = {
  FILLING: "filling",
  DRAINING: "draining",
  RESETTING: "resetting",
  BROKEN: "broken",
} as const;
export type BarrierState = (typeof BarrierState)[keyof typeof BarrierState];

/**
 * Makes `parties` tasks wait for each other: each `wait()` returns once all of them have
 * arrived, with a distinct index from 0 to `parties - 1`. Instruments see it as a
 * `"barrier"` resource reporting `create`, `acquire` (a task arrived), `release` (a task
 * left), `reset` and `break`, with the number of tasks inside as the value.
 *
 * @example
 * const start = new Barrier(3);
 * function* runner(name: string) {
 *   const index = yield* start.wait(); // all three leave together
 *   console.warn(name, "starts", index);
 * }
 */
export class Barrier extends LoopBoundResource {
  /** @internal */ readonly _parties: number;
  /** @internal */ _state: BarrierState = BarrierState.FILLING;
  /** @internal */ _count = 0;
  /** @internal */ readonly _waiters = new ParkingLot<void>();

  constructor(parties: number) {
    super();
    if (!(parties >= 1)) throw new RangeError(`parties must be >= 1, not ${parties}`);
    this._parties = parties;
    if (instruments.length !== 0) emit("resourceOp", this, "create", running.task, 0);
  }

  get kind(): "barrier" {
    return "barrier";
  }

  label(): string {
    return `Barrier#${this.id} (${this._count}/${this._parties})`;
  }

  /** The number of tasks needed to pass the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting for the barrier to fill (0 while it drains, resets or is broken). */
  get nWaiting(): number {
    return this._state === BarrierState.FILLING ? this._count : 0;
  }

  /** True once `abort()` was called. */
  get broken(): boolean {
    return this._state === BarrierState.BROKEN;
  }

  /**
   * Waits until `parties` tasks are waiting, then returns this task's arrival index.
   * Throws `BrokenBarrierError` if the barrier is (or gets) aborted or reset meanwhile.
   *
   * @example
   * const index = yield* barrier.wait();
   * if (index === 0) console.warn("everyone is here");
   */
  wait(): Operation<number> {
    return { [Symbol.iterator]: () => this._wait() };
  }

  /**
   * Returns the barrier to its initial state; tasks waiting on it get `BrokenBarrierError`.
   * Runs when awaited, as asyncio's coroutine does.
   *
   * @example
   * yield* barrier.reset();
   */
  reset(): Operation<void> {
    return {
      [Symbol.iterator]: () => {
        if (this._count > 0) this._state = BarrierState.RESETTING;
        else this._state = BarrierState.FILLING;
        this._waiters.wakeAll();
        if (instruments.length !== 0) emit("resourceOp", this, "reset", running.task, this._count);
        return READY_VOID;
      },
    };
  }

  /**
   * Breaks the barrier for good: waiting and future `wait()` calls throw `BrokenBarrierError`.
   * Runs when awaited, as asyncio's coroutine does.
   *
   * @example
   * try { yield* step() } catch (error) { yield* barrier.abort(); throw error }
   */
  abort(): Operation<void> {
    return {
      [Symbol.iterator]: () => {
        this._state = BarrierState.BROKEN;
        this._waiters.wakeAll();
        if (instruments.length !== 0) emit("resourceOp", this, "break", running.task, this._count);
        return READY_VOID;
      },
    };
  }

  override toString(): string {
    const waiting = this.broken ? "" : `, waiters:${this.nWaiting}/${this._parties}`;
    return `<Barrier#${this.id} [${this._state}${waiting}]>`;
  }

  /** @internal */
  *_wait(): Generator<unknown, number, unknown> {
    // Block while the previous round drains or a reset completes.
    while (this._state === BarrierState.DRAINING || this._state === BarrierState.RESETTING) yield* this._park();
    if (this._state === BarrierState.BROKEN) throw new BrokenBarrierError(`Barrier aborted: ${this}`);
    const index = this._count++;
    if (instruments.length !== 0) emit("resourceOp", this, "acquire", running.task, this._count);
    try {
      if (index + 1 === this._parties) {
        // The party is complete: release everyone.
        this._state = BarrierState.DRAINING;
        this._waiters.wakeAll();
      } else {
        while (this._state === BarrierState.FILLING) yield* this._park();
        if (this._state === BarrierState.BROKEN || this._state === BarrierState.RESETTING) {
          throw new BrokenBarrierError(`Abort or reset of barrier: ${this}`);
        }
      }
      return index;
    } finally {
      this._count--;
      // The last task out ends the draining or resetting, and lets blocked tasks in.
      if (this._count === 0) {
        const state = this._state as BarrierState; // re-read: other tasks changed it while we waited
        if (state === BarrierState.RESETTING || state === BarrierState.DRAINING) this._state = BarrierState.FILLING;
        this._waiters.wakeAll();
      }
      if (instruments.length !== 0) emit("resourceOp", this, "release", running.task, this._count);
    }
  }

  /**
   * @internal Waits for the next state change (one round of locks.py `Condition.wait`). A
   * wait that ends with an error passes a wake-up on to the next pending waiter.
   */
  *_park(): Generator<unknown, void, unknown> {
    const waiter = this._waiters.park(this._getLoop());
    let failed = true;
    try {
      describeNextAwait({ kind: "barrier", label: this.label(), id: this.id });
      yield waiter;
      failed = false;
    } finally {
      this._waiters.unpark(waiter);
      // Condition.wait's `except BaseException: self._notify(1)`: this task may already
      // have been notified, so another one gets the wake-up (a spurious one is allowed).
      if (failed) this._waiters.wake(1, undefined);
    }
  }
}
