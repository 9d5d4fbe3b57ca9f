/** Running awaitables concurrently: gather and shield (asyncio/tasks.py). */
import { getEventLoop, running } from "./current.ts";
import { cancelledErrorWithoutStack } from "./errors.ts";
import type { EventLoop } from "./event-loop.ts";
import { ensureFuture, type Awaitable } from "./ensure-future.ts";
import { Future, type FutureWaiter } from "./future.ts";
import type { Task } from "./task.ts";

export type Awaitables<T extends readonly unknown[]> = { [K in keyof T]: Awaitable<T[K]> };

/**
 * The future `gather` returns. Cancelling it cancels every child not yet done
 * (tasks.py `_GatheringFuture`).
 *
 * It waits on its children itself, as a task waits on what it awaits: each child's
 * completion queues the gather on the loop (once per child, in completion order), where it
 * counts that child — what tasks.py's per-child done callback does, without a callback
 * Handle per child or a closure holding the gather's bookkeeping.
 */
export class GatheringFuture<T> extends Future<T> implements FutureWaiter {
  /** @internal */ readonly _children: readonly Future<unknown>[];
  /** @internal */ _cancelRequested = false;
  /** @internal Distinct children (an awaitable given twice is one child). */
  _distinct = 0;
  /** @internal Children counted so far. */
  _finished = 0;
  /** @internal */ readonly _returnExceptions: boolean;
  /**
   * @internal Children done and not yet counted, each followed by who completed it (FIFO):
   * made once a child is waited on, two slots for each child that can still finish, so it
   * never grows — growing it by pushes copied and discarded it over and over.
   */
  _doneQueue: (Future<unknown> | Task<unknown> | null)[] | null = null;
  /** @internal */ _doneHead = 0;
  /** @internal */ _doneTail = 0;

  constructor(loop: EventLoop, children: readonly Future<unknown>[], returnExceptions = false) {
    super(loop);
    this._children = children;
    this._returnExceptions = returnExceptions;
    this._target = { kind: "gather", label: `gather(${children.length})` };
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let cancelledAny = false;
    for (const child of this._children) {
      if (child.cancel(msg)) cancelledAny = true;
    }
    if (cancelledAny) {
      // The result will be a CancelledError once the children have finished.
      this._cancelRequested = true;
    }
    return cancelledAny;
  }

  /** @internal A child is done: count it on the loop's next turn, as a done callback would run. */
  _scheduleWakeup(child: Future<unknown>, origin: Task<unknown> | null): void {
    const queue = this._doneQueue!;
    queue[this._doneTail++] = child;
    queue[this._doneTail++] = origin;
    this._loop._schedule(this);
  }

  /** @internal The loop runs the oldest queued child's count (one per time the gather was queued). */
  _run(): void {
    const queue = this._doneQueue!;
    const child = queue[this._doneHead] as Future<unknown>;
    const origin = queue[this._doneHead + 1] as Task<unknown> | null;
    queue[this._doneHead] = queue[this._doneHead + 1] = null;
    this._doneHead += 2;
    // As a done callback's Handle runs: between task steps, on behalf of whoever completed the child.
    const loop = this._loop;
    loop._afterStep = false;
    const outerOrigin = running.origin;
    running.origin = origin;
    try {
      this._childDone(child);
    } catch (error) {
      loop.callExceptionHandler({ message: "Exception in gather's child callback", exception: error, future: this });
    } finally {
      running.origin = outerOrigin;
    }
  }

  /** @internal Counts a finished child (tasks.py `_done_callback`). */
  _childDone(child: Future<unknown>): void {
    this._finished++;
    if (this.done()) {
      // Mark the error as retrieved: the gather already reported its own outcome.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!this._returnExceptions) {
      if (child.cancelled()) {
        this.setException(child._makeCancelledError());
        return;
      }
      const error = child.exception();
      if (error !== null) {
        this.setException(error);
        return;
      }
    }
    if (this._finished === this._distinct) {
      const children = this._children;
      const results = new Array<unknown>(children.length);
      for (let k = 0; k < children.length; k++) {
        const c = children[k]!;
        // A new error each, as tasks.py does; made in a loop callback, so no stack to capture.
        if (c.cancelled()) {
          results[k] = cancelledErrorWithoutStack(c._cancelMessage ?? "");
          continue;
        }
        const error = c.exception();
        results[k] = error !== null ? error : c.result();
      }
      if (this._cancelRequested) this.setException(child._makeCancelledError());
      else this.setResult(results as unknown as T);
    }
  }
}

/**
 * Runs the awaitables concurrently (coroutines are wrapped in tasks at once) and returns a
 * future of their results in input order. Without `returnExceptions` the first error is
 * raised to the awaiter and the other children keep running; with it, errors (CancelledError
 * too) take their places in the results.
 *
 * @example
 * const [a, b] = yield* gather([fetchJson("/a"), fetchJson("/b")]);
 */
export function gather<T extends readonly unknown[]>(
  awaitables: readonly [...Awaitables<T>],
  options: { returnExceptions?: boolean } = {},
): Future<T> {
  const returnExceptions = options.returnExceptions === true;
  if (awaitables.length === 0) {
    const empty = getEventLoop().createFuture<T>();
    empty.setResult([] as unknown as T);
    return empty;
  }
  let loop: EventLoop | undefined;
  // Only for the duration of this call: an awaitable given twice is one child (tasks.py's
  // arg_to_fut). Its values are the distinct children, in order: no other list is kept.
  const byArgument = new Map<unknown, Future<unknown>>();
  const children = new Array<Future<unknown>>(awaitables.length);
  let pending = 0;
  try {
    for (let k = 0; k < awaitables.length; k++) {
      const argument = awaitables[k];
      let child = byArgument.get(argument);
      if (child === undefined) {
        child = ensureFuture(argument as Awaitable<unknown>, loop);
        loop ??= child.getLoop();
        byArgument.set(argument, child);
        if (!child.done()) pending++;
      }
      children[k] = child;
    }
  } catch (error) {
    // A bad awaitable after some children started: as tasks.py, the pending ones' errors count as read
    // (the caller gets this error instead of a gather), and they run on.
    for (const child of byArgument.values()) if (!child.done()) child.addDoneCallback(markRetrieved);
    throw error;
  }
  const outer = new GatheringFuture<T>(loop!, children, returnExceptions);
  outer._distinct = byArgument.size;
  if (pending > 0) {
    outer._doneQueue = new Array(2 * pending);
    for (const child of byArgument.values()) if (!child.done()) child._addWaiter(outer);
  }
  // As tasks.py does since 3.12: children already done are counted at once, so a gather of
  // finished futures is itself finished on return.
  if (pending < byArgument.size) for (const child of byArgument.values()) if (child.done()) outer._childDone(child);
  return outer;
}

function markRetrieved(child: Future<unknown>): void {
  if (!child.cancelled()) child.exception();
}

/**
 * Protects an awaitable from cancellation: cancelling the task that awaits the shield
 * cancels only the shield, and the inner work goes on.
 *
 * @example
 * const saved = yield* shield(saveDraft(doc)); // a cancelled editor still saves
 */
export function shield<T>(awaitable: Awaitable<T>): Future<T> {
  const inner = ensureFuture(awaitable);
  if (inner.done()) return inner;
  const outer = inner.getLoop().createFuture<T>();
  outer._target = { kind: "shield", label: `shield(${inner._awaitTarget().label})`, ...idOf(inner) };
  const onInnerDone = (done: Future<T>): void => {
    if (outer.cancelled()) {
      if (!done.cancelled()) done.exception();
      return;
    }
    if (done.cancelled()) {
      outer.cancel();
      return;
    }
    const error = done.exception();
    if (error !== null) outer.setException(error);
    else outer.setResult(done.result());
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(() => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  });
  return outer;
}

function idOf(future: Future<unknown>): { id?: number } {
  const id = future._awaitTarget().id;
  return id === undefined ? {} : { id };
}
