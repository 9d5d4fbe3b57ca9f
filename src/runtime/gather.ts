/** Running awaitables concurrently: gather and shield (asyncio/tasks.py). */
import { getEventLoop } from "./current.ts";
import { cancelledErrorWithoutStack } from "./errors.ts";
import type { EventLoop } from "./event-loop.ts";
import { ensureFuture, type Awaitable } from "./ensure-future.ts";
import { Future } from "./future.ts";

export type Awaitables<T extends readonly unknown[]> = { [K in keyof T]: Awaitable<T[K]> };

/**
 * The future `gather` returns. Cancelling it cancels every child not yet done
 * (tasks.py `_GatheringFuture`).
 */
export class GatheringFuture<T> extends Future<T> {
  /** @internal */ readonly _children: readonly Future<unknown>[];
  /** @internal */ _cancelRequested = false;

  constructor(loop: EventLoop, children: readonly Future<unknown>[]) {
    super(loop);
    this._children = children;
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
  const byArgument = new Map<unknown, Future<unknown>>();
  const children: Future<unknown>[] = [];
  let finished = 0;
  let outer: GatheringFuture<T> | null = null;
  const alreadyDone: Future<unknown>[] = [];

  const onChildDone = (child: Future<unknown>): void => {
    finished++;
    if (outer === null || outer.done()) {
      // Mark the error as retrieved: the gather already reported its own outcome.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!returnExceptions) {
      if (child.cancelled()) {
        outer.setException(child._makeCancelledError());
        return;
      }
      const error = child.exception();
      if (error !== null) {
        outer.setException(error);
        return;
      }
    }
    if (finished === byArgument.size) {
      const results = children.map((c) => {
        // A new error each, as tasks.py does; made in a loop callback, so no stack to capture.
        if (c.cancelled()) return cancelledErrorWithoutStack(c._cancelMessage ?? "");
        const error = c.exception();
        return error !== null ? error : c.result();
      });
      if (outer._cancelRequested) outer.setException(child._makeCancelledError());
      else outer.setResult(results as unknown as T);
    }
  };

  for (const argument of awaitables) {
    let child = byArgument.get(argument);
    if (child === undefined) {
      child = ensureFuture(argument as Awaitable<unknown>, loop);
      loop ??= child.getLoop();
      byArgument.set(argument, child);
      if (child.done()) alreadyDone.push(child);
      else child.addDoneCallback(onChildDone);
    }
    children.push(child);
  }
  outer = new GatheringFuture<T>(loop!, children);
  // As tasks.py does since 3.12: children already done are counted at once, so a gather of
  // finished futures is itself finished on return.
  for (const child of alreadyDone) onChildDone(child);
  return outer;
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
