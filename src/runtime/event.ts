/**
 * Event: a flag tasks can wait for (asyncio/locks.py `Event`, CPython 3.13).
 *
 * Invariants:
 * - While the flag is set, `wait()` returns at once; while it is clear, it parks.
 * - `set()` on a clear event wakes every parked waiter, in arrival order. A waiter woken
 *   this way returns true even if the flag is cleared again before it runs.
 */
import { running } from "./current.ts";
import type { Operation } from "./future.ts";
import { emit, instruments, type AwaitTarget } from "./instrument.ts";
import { LoopBoundResource, ParkingLot, READY_TRUE } from "./parking-lot.ts";
import { describeNextAwait } from "./task.ts";

/**
 * A flag that tasks wait for: `set()` wakes them all, `clear()` makes later waiters wait.
 * Instruments see it as an `"event"` resource reporting `create`, `set` (value: how many
 * waiters it woke) and `clear`.
 *
 * @example
 * const ready = new Event();
 * createTask(function* () { yield* ready.wait(); console.warn("go") });
 * ready.set();
 */
export class Event extends LoopBoundResource {
  /** @internal */ _value = false;
  /** @internal */ readonly _waiters = new ParkingLot<true>();
  /** @internal */ _target: AwaitTarget | null = null;
  /** @internal */ readonly _waitOp: Operation<true> = { [Symbol.iterator]: () => (this._value ? READY_TRUE : this._waitSlowly()) };

  constructor() {
    super();
    if (instruments.length !== 0) emit("resourceOp", this, "create", running.task, 0);
  }

  get kind(): "event" {
    return "event";
  }

  label(): string {
    return `Event#${this.id}`;
  }

  /** True while the flag is set. */
  isSet(): boolean {
    return this._value;
  }

  /**
   * Sets the flag and wakes every waiting task; later `wait()`s return at once.
   *
   * @example
   * loaded.set();
   */
  set(): void {
    let woken = 0;
    if (!this._value) {
      this._value = true;
      woken = this._waiters.wakeAll(true);
    }
    if (instruments.length !== 0) emit("resourceOp", this, "set", running.task, woken);
  }

  /**
   * Clears the flag: tasks calling `wait()` from now on wait for the next `set()`.
   *
   * @example
   * loaded.clear();
   */
  clear(): void {
    this._value = false;
    if (instruments.length !== 0) emit("resourceOp", this, "clear", running.task);
  }

  /**
   * Waits until the flag is set, then returns true.
   *
   * @example
   * yield* loaded.wait();
   */
  wait(): Operation<true> {
    return this._waitOp;
  }

  override toString(): string {
    const waiters = this._waiters.size;
    return `<${this.label()} [${this._value ? "set" : "unset"}${waiters !== 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  /** @internal */
  *_waitSlowly(): Generator<unknown, true, unknown> {
    const waiter = this._waiters.park(this._getLoop());
    try {
      describeNextAwait(this._target ??= Object.freeze({ kind: "event", label: this.label(), id: this.id }));
      yield waiter;
      return true;
    } finally {
      this._waiters.unpark(waiter);
    }
  }
}
