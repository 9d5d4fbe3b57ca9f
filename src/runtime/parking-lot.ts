/**
 * The one wait queue under every synchronisation primitive (trio's `ParkingLot`): Lock,
 * Event, Condition, Semaphore, Barrier and Queue park their waiting tasks here, so FIFO
 * order and the cancelled-waiter bookkeeping are written once.
 *
 * asyncio keeps a `collections.deque` of futures per primitive and reasons about the states
 * of the futures in it (locks.py, queues.py); a lot keeps exactly that, with the operations
 * those modules perform on their deques made cheap.
 *
 * Invariants:
 * - Waiters are futures kept in arrival order (a doubly linked list), so every wake-up is FIFO.
 * - A waiter stays parked until its own task unparks it — in a `finally`, after it was woken
 *   or cancelled — as asyncio's futures stay in `_waiters` until the awaiting coroutine
 *   removes them. The cancelled-waiter rules depend on it: a woken waiter that has not run
 *   yet is `done()`, a cancelled one `cancelled()`, and both still count as parked. (Queues
 *   are the exception: `popNext` unparks as it wakes, as queues.py's `_wakeup_next` pops.)
 * - `_cancelled` counts the parked waiters that are cancelled, so Lock's "are all waiters
 *   cancelled?" and Semaphore's "is any waiter not cancelled?" cost O(1), not a scan.
 * - Every waiter before `_cursor` is done, so finding the first pending waiter is amortised
 *   O(1) even when many woken waiters have not run yet (a semaphore released 64 times in
 *   one loop iteration).
 *
 * A primitive suspends on a parked future with `describeNextAwait(target); yield waiter;`,
 * which is what `awaitAs(waiter, target)` does minus one generator per wait: a contended
 * lock costs about 20% less that way (bench/cases/primitives.ts, lock convoy). The task
 * resumes with the future's value, or has CancelledError thrown in at the `yield`.
 */
import { getRunningLoop } from "./current.ts";
import { RuntimeError } from "./errors.ts";
import type { EventLoop } from "./event-loop.ts";
import { Future, FutureState } from "./future.ts";
import { nextResourceId, type Resource, type ResourceKind } from "./instrument.ts";

/**
 * A future parked in a lot. Cancelling it (which is what cancelling the waiting task does)
 * tells the lot, which keeps its count of cancelled waiters exact.
 *
 * @example
 * const waiter = lot.park(loop); // a ParkedFuture
 * waiter.cancel();               // lot.allCancelled() is now true
 */
export class ParkedFuture<T> extends Future<T> {
  /** @internal The lot it is parked in; null once unparked. */ _lot: ParkingLot<T> | null = null;
  /** @internal */ _prev: ParkedFuture<T> | null = null;
  /** @internal */ _next: ParkedFuture<T> | null = null;

  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    if (this._lot !== null) this._lot._cancelled++;
    return true;
  }
}

/**
 * A FIFO queue of waiting futures, the building block of the runtime's locks and queues.
 *
 * @example
 * const lot = new ParkingLot<true>();
 * const waiter = lot.park(getRunningLoop());
 * try {
 *   describeNextAwait({ kind: "event", label: "ready" });
 *   yield waiter;
 * } finally {
 *   lot.unpark(waiter);
 * }
 * // elsewhere: lot.wakeAll(true);
 */
export class ParkingLot<T> {
  /** @internal */ _head: ParkedFuture<T> | null = null;
  /** @internal */ _tail: ParkedFuture<T> | null = null;
  /** @internal First waiter that may still be pending; every waiter before it is done. */
  _cursor: ParkedFuture<T> | null = null;
  /** @internal */ _size = 0;
  /** @internal Parked waiters that are cancelled. */ _cancelled = 0;

  /** How many waiters are parked, whatever their state (what asyncio's `len(_waiters)` counts). */
  get size(): number {
    return this._size;
  }

  /** True when every parked waiter is cancelled — also when none is parked. */
  allCancelled(): boolean {
    return this._cancelled === this._size;
  }

  /** Parks a new pending future at the back of the line and returns it. */
  park(loop: EventLoop): ParkedFuture<T> {
    const waiter = new ParkedFuture<T>(loop);
    waiter._lot = this;
    const tail = this._tail;
    waiter._prev = tail;
    if (tail === null) this._head = waiter;
    else tail._next = waiter;
    this._tail = waiter;
    if (this._cursor === null) this._cursor = waiter;
    this._size++;
    return waiter;
  }

  /** Removes `waiter` from the line; a waiter that is not parked here is ignored. */
  unpark(waiter: ParkedFuture<T>): void {
    if (waiter._lot !== this) return;
    const prev = waiter._prev;
    const next = waiter._next;
    if (prev === null) this._head = next;
    else prev._next = next;
    if (next === null) this._tail = prev;
    else next._prev = prev;
    if (this._cursor === waiter) this._cursor = next;
    waiter._lot = waiter._prev = waiter._next = null;
    this._size--;
    if (waiter._state === FutureState.CANCELLED) this._cancelled--;
  }

  /** The waiter at the front of the line, whatever its state (locks.py `_wake_up_first` looks only there). */
  first(): ParkedFuture<T> | null {
    return this._head;
  }

  /** The first waiter that is still pending (not woken, not cancelled), or null. */
  firstPending(): ParkedFuture<T> | null {
    let waiter = this._cursor;
    while (waiter !== null && waiter._state !== FutureState.PENDING) waiter = waiter._next;
    this._cursor = waiter;
    return waiter;
  }

  /** Wakes up to `n` pending waiters, first come first served; they stay parked. Returns how many. */
  wake(n: number, value: T): number {
    let woken = 0;
    let waiter = this.firstPending();
    while (waiter !== null && woken < n) {
      if (waiter._state === FutureState.PENDING) {
        waiter.setResult(value);
        woken++;
      }
      waiter = waiter._next;
    }
    return woken;
  }

  /** Wakes every pending waiter; they stay parked. Returns how many. */
  wakeAll(value: T): number {
    return this.wake(Infinity, value);
  }

  /**
   * Queue-style wake-up (queues.py `_wakeup_next`): unparks waiters from the front until a
   * pending one is found, and wakes that one. Returns false if there was none.
   */
  popNext(value: T): boolean {
    let waiter = this._head;
    while (waiter !== null) {
      this.unpark(waiter);
      if (waiter._state === FutureState.PENDING) {
        waiter.setResult(value);
        return true;
      }
      waiter = this._head;
    }
    return false;
  }

  /** Unparks every waiter and wakes the pending ones (a queue being shut down). */
  popAll(value: T): void {
    while (this.popNext(value));
  }
}

/**
 * What every primitive shares: a resource id for instruments, and asyncio's loop binding
 * (mixins.py `_LoopBoundMixin`): a primitive belongs to the first loop it waits on.
 *
 * @example
 * class Gate extends LoopBoundResource {
 *   get kind(): "event" { return "event" }
 *   label(): string { return `Gate#${this.id}` }
 * }
 */
export abstract class LoopBoundResource implements Resource {
  /** Unique across every runtime copy in the realm; shown as `Lock#<id>` in labels. */
  readonly id: number = nextResourceId();
  /** @internal */ _loop: EventLoop | null = null;

  abstract get kind(): ResourceKind;

  /** A short readable name with the state that matters, e.g. `Semaphore#4 (0/64 free)`. */
  abstract label(): string;

  /**
   * @internal The running loop, which must be the one this primitive first waited on. Called
   * only where a wait begins, as asyncio calls `_get_loop()` only to create a future.
   */
  _getLoop(): EventLoop {
    const loop = getRunningLoop();
    if (this._loop === null) this._loop = loop;
    else if (this._loop !== loop) throw new RuntimeError(`${String(this)} is bound to a different event loop`);
    return loop;
  }
}

/**
 * An iterator that is finished at once with `value`, and is its own iterator result: the
 * fast paths of `acquire()`, `get()` and friends return one, so an uncontended wait costs
 * one small object (or none) and no generator. `yield*` reads only `done` and `value`.
 *
 * @example
 * const op: Operation<number> = { [Symbol.iterator]: () => new Ready(42) };
 * const n = yield* op; // 42, without suspending
 */
export class Ready<T> implements Iterator<unknown, T, unknown> {
  readonly done = true as const;
  constructor(readonly value: T) {}
  next(): IteratorReturnResult<T> {
    return this;
  }
}

export const READY_TRUE: Ready<true> = Object.freeze(new Ready(true as const));
export const READY_VOID: Ready<void> = Object.freeze(new Ready<void>(undefined));
