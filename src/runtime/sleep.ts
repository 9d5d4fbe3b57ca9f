/** Suspending for a while, and awaiting host promises (asyncio.sleep, wrap_future). */
import { getRunningLoop } from "./current.ts";
import { setResultUnlessCancelled, type Operation } from "./future.ts";
import { HostPromiseFuture } from "./host-promise.ts";
import type { AwaitTarget } from "./instrument.ts";

const YIELDED_RESULT: IteratorResult<unknown, never> = Object.freeze({ done: false, value: undefined });
const NEW = 0;
const ITERATED = 1;
const YIELDED = 2;
const RETURNED_UNDEFINED: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * `sleep(0)` without a generator: one bare `yield` (a single loop turn, as asyncio's
 * `__sleep0`), then `value`. It is the hot path of cooperative loops, so it is both the
 * operation and, the first time it is iterated, its own iterator.
 */
class YieldOnce<T> implements Operation<T>, Iterator<unknown, T, unknown> {
  /** NEW, then ITERATED (handed out as its own iterator), then YIELDED: one field, not two flags. */
  private state = NEW;
  constructor(private readonly value: T) {}
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    if (this.state !== NEW) return new YieldOnce(this.value)[Symbol.iterator]();
    this.state = ITERATED;
    return this;
  }
  next(): IteratorResult<unknown, T> {
    if (this.state !== YIELDED) {
      this.state = YIELDED;
      return YIELDED_RESULT;
    }
    return this.value === undefined ? RETURNED_UNDEFINED as IteratorResult<unknown, T> : { done: true, value: this.value };
  }
  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }
  return(value: T): IteratorResult<unknown, T> {
    return { done: true, value };
  }
}

/** What a sleeping task waits on, shared by sleeps of the same length: no label built per call. */
const sleepTargets = new Map<number, AwaitTarget>();

function sleepTarget(ms: number): AwaitTarget {
  let target = sleepTargets.get(ms);
  if (target === undefined) {
    target = Object.freeze({ kind: "sleep", label: `sleep(${ms})` });
    // Programs use a handful of delays; computed ones (backoff, jitter) must not grow it forever.
    if (sleepTargets.size >= 256) sleepTargets.clear();
    sleepTargets.set(ms, target);
  }
  return target;
}

/**
 * Suspends the current task for `ms` milliseconds, then returns `value`. `sleep(0)` gives
 * every other ready task one turn. Cancelling the task ends the sleep with CancelledError.
 *
 * @example
 * function* tick() { for (let i = 0; i < 3; i++) { yield* sleep(1000); console.warn(i) } }
 */
export function sleep<T = void>(ms: number, value?: T): Operation<T> {
  if (!(ms > 0)) {
    if (Number.isNaN(ms)) throw new TypeError("sleep(): the delay is NaN");
    return new YieldOnce(value as T);
  }
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const future = loop.createFuture<T>();
      future._target = sleepTarget(ms);
      const timer = loop._callLaterInternal(ms, setResultUnlessCancelled as (f: unknown, v: unknown) => void, future, value);
      try {
        return yield* future;
      } finally {
        timer.cancel();
      }
    },
  };
}

/**
 * Awaits a host promise. Given a factory instead, it is called with an AbortSignal that
 * aborts when the awaiting task is cancelled; the task then waits for the promise to
 * settle, and a rejection after the abort ends the await with CancelledError.
 *
 * @example
 * const res = yield* awaitPromise((signal) => fetch("/api/items", { signal }), "GET /api/items");
 */
export function awaitPromise<T>(source: PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T>), label?: string): Operation<T> {
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      if (typeof source === "function") {
        const controller = new AbortController();
        const promise = source(controller.signal);
        return yield* new HostPromiseFuture<T>(loop, promise, controller, label ?? (source.name || "promise"));
      }
      return yield* new HostPromiseFuture<T>(loop, source, null, label ?? "promise");
    },
  };
}
