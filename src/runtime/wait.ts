/** Waiting for some of several futures: wait and asCompleted (asyncio/tasks.py). */
import { getRunningLoop } from "./current.ts";
import { TimeoutError } from "./errors.ts";
import type { TimerHandle } from "./event-loop.ts";
import { ensureFuture, type Awaitable } from "./ensure-future.ts";
import { Future, type Operation } from "./future.ts";
import { awaitAs } from "./task.ts";

export type ReturnWhen = "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED";

const RETURN_WHEN: readonly ReturnWhen[] = ["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"];

/**
 * Waits until `returnWhen` holds or `timeout` ms pass, and returns the futures as
 * `[done, pending]`. It never cancels anything and never raises TimeoutError.
 *
 * @example
 * const [done, pending] = yield* wait([a, b], { returnWhen: "FIRST_COMPLETED", timeout: 500 });
 */
export function wait(
  futures: Iterable<Future<unknown>>,
  options: { timeout?: number | null; returnWhen?: ReturnWhen } = {},
): Operation<[done: Set<Future<unknown>>, pending: Set<Future<unknown>>]> {
  const returnWhen = options.returnWhen ?? "ALL_COMPLETED";
  const timeout = options.timeout ?? null;
  if (futures instanceof Future) throw new TypeError("wait() expects an iterable of futures, not a single future");
  if (!RETURN_WHEN.includes(returnWhen)) throw new RangeError(`wait(): invalid returnWhen ${JSON.stringify(returnWhen)}`);
  const set = new Set(futures);
  if (set.size === 0) throw new RangeError("wait(): the set of tasks/futures is empty");
  for (const f of set) {
    if (!(f instanceof Future)) throw new TypeError("wait() accepts only futures and tasks: wrap coroutines with createTask() first");
  }
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const waiter = loop.createFuture<void>();
      let timer: TimerHandle | null = null;
      if (timeout !== null) timer = loop.callLater(timeout, () => { if (!waiter.done()) waiter.setResult(); });
      let counter = set.size;
      const onCompletion = (f: Future<unknown>): void => {
        counter--;
        if (counter <= 0 || returnWhen === "FIRST_COMPLETED"
          || (returnWhen === "FIRST_EXCEPTION" && !f.cancelled() && f.exception() !== null)) {
          timer?.cancel();
          if (!waiter.done()) waiter.setResult();
        }
      };
      for (const f of set) f.addDoneCallback(onCompletion);
      try {
        yield* awaitAs(waiter, { kind: "wait", label: `wait(${set.size}, ${returnWhen}${timeout !== null ? `, ${timeout}ms` : ""})` });
      } finally {
        timer?.cancel();
        for (const f of set) f.removeDoneCallback(onCompletion);
      }
      const done = new Set<Future<unknown>>();
      const pending = new Set<Future<unknown>>();
      for (const f of set) (f.done() ? done : pending).add(f);
      return [done, pending];
    },
  };
}

/**
 * Yields one operation per awaitable; each returns the next result to complete (or throws
 * its error). After `timeout` ms the remaining ones throw TimeoutError.
 *
 * @example
 * for (const next of asCompleted([fetchA(), fetchB()])) console.warn(yield* next);
 */
export function asCompleted<T>(awaitables: Iterable<Awaitable<T>>, options: { timeout?: number | null } = {}): Iterable<Operation<T>> {
  const timeout = options.timeout ?? null;
  const todo = new Set<Future<T>>();
  for (const a of awaitables) todo.add(ensureFuture(a));
  const completed: (Future<T> | null)[] = [];
  // One waiter per task awaiting one of the operations: several may wait at once (asyncio
  // hands out completions through a Queue). Each wake-up re-checks `completed`.
  const waiters = new Set<Future<void>>();
  let timer: TimerHandle | null = null;

  const wakeWaiter = (): void => {
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult();
    waiters.clear();
  };
  const onCompletion = (f: Future<T>): void => {
    if (!todo.has(f)) return;
    todo.delete(f);
    completed.push(f);
    if (todo.size === 0) timer?.cancel();
    wakeWaiter();
  };
  const onTimeout = (): void => {
    for (const f of todo) {
      f.removeDoneCallback(onCompletion);
      completed.push(null);
    }
    todo.clear();
    wakeWaiter();
  };
  for (const f of todo) f.addDoneCallback(onCompletion);
  const first = todo.values().next();
  if (first.done !== true && timeout !== null) timer = first.value.getLoop().callLater(timeout, onTimeout);
  const count = todo.size;

  function* waitForOne(): Generator<unknown, T, unknown> {
    while (completed.length === 0) {
      const waiter = getRunningLoop().createFuture<void>();
      waiters.add(waiter);
      try {
        yield* awaitAs(waiter, { kind: "wait", label: `asCompleted(${count})` });
      } finally {
        waiters.delete(waiter);
      }
    }
    const next = completed.shift()!;
    if (next === null) throw new TimeoutError(`asCompleted(): ${timeout} ms passed`);
    return next.result();
  }

  return {
    *[Symbol.iterator]() {
      for (let k = 0; k < count; k++) yield { [Symbol.iterator]: waitForOne };
    },
  };
}
