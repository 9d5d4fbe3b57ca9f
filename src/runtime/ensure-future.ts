/** Turning anything awaitable into a Future (asyncio.ensure_future). */
import { getEventLoop } from "./current.ts";
import { RuntimeError } from "./errors.ts";
import { Future, describeValue, type Operation } from "./future.ts";
import { HostPromiseFuture, isGenerator, isThenable } from "./host-promise.ts";
import { Task } from "./task.ts";
import type { EventLoop } from "./event-loop.ts";

/** Anything a coroutine can await: an operation (incl. futures and tasks), a promise, a coroutine. */
export type Awaitable<T> = Operation<T> | PromiseLike<T> | Generator<unknown, T, unknown>;

/**
 * A Future for `awaitable`: a future or task is returned as it is, a coroutine or operation
 * is wrapped in a new task, a promise is followed by a future.
 *
 * @example
 * const f = ensureFuture(fetchUser(7)); // a Task running the coroutine
 * const g = ensureFuture(fetch("/a"));  // a Future following the promise
 */
export function ensureFuture<T>(awaitable: Awaitable<T>, loop?: EventLoop): Future<T> {
  if (awaitable instanceof Future) {
    if (loop !== undefined && awaitable._loop !== loop) {
      throw new RuntimeError(`ensureFuture(): ${awaitable} belongs to a different event loop`);
    }
    return awaitable as Future<T>;
  }
  const target = loop ?? getEventLoop();
  if (isGenerator(awaitable)) return new Task(awaitable as Generator<unknown, T, unknown>, { loop: target });
  if (isThenable(awaitable)) return new HostPromiseFuture<T>(target, awaitable as PromiseLike<T>, null, "promise");
  if (isOperation(awaitable)) return new Task(awaitable as Operation<T>, { loop: target });
  throw new TypeError(`ensureFuture(): a Future, a coroutine, an operation or a promise is required, not ${describeValue(awaitable)}`);
}

export function isOperation(value: unknown): value is Operation<unknown> {
  return typeof value === "object" && value !== null
    && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}
