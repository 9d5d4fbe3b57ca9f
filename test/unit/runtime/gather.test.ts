/* eslint-disable require-yield -- coroutines that finish without suspending are ordinary test subjects */
/** gather and shield (asyncio/tasks.py; test_tasks.py GatherTests and the shield tests). */
import { describe, expect, test } from "vitest";
import {
  CancelledError, EventLoop, GatheringFuture, RuntimeError,
  createTask, currentTask, gather, getRunningLoop, shield, sleep,
  type Future,
} from "../../../src/runtime/index.ts";
import { runVirtual } from "./helpers.ts";

function virtualLoop(): EventLoop {
  return new EventLoop({ clock: "virtual" });
}

async function runBriefly(loop: EventLoop): Promise<void> {
  await loop.runUntilComplete(sleep(0));
}

function* failAfter(ms: number, message: string): Generator<unknown, never, unknown> {
  yield* sleep(ms);
  throw new Error(message);
}

describe("gather", () => {
  test("results keep input order, whatever order the awaitables finish in", async () => {
    const [results, time] = await runVirtual(function* () {
      const results = yield* gather([sleep(30, "slow"), sleep(10, "fast"), Promise.resolve("promise"), createTask(sleep(20, "task"))]);
      return [results, getRunningLoop().time()] as const;
    });
    expect(results).toEqual(["slow", "fast", "promise", "task"]);
    expect(time).toBe(30);
  });

  test("gather of nothing is a future already done with an empty list", () => {
    const empty = gather([]);
    expect(empty.done()).toBe(true);
    expect(empty.result()).toEqual([]);
  });

  test("gather of futures that are already done is itself done at once", () => {
    const loop = virtualLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<string>();
    a.setResult(1);
    b.setResult("b");
    const both = gather([a, b]);
    expect(both).toBeInstanceOf(GatheringFuture);
    expect(both.done()).toBe(true);
    expect(both.result()).toEqual([1, "b"]);
    const failed = loop.createFuture<number>();
    const error = new Error("failed early");
    failed.setException(error);
    const withError = gather([a, failed]);
    expect(withError.done()).toBe(true);
    expect(withError.exception()).toBe(error);
  });

  test("coroutines are wrapped in tasks at once: they run even before the gather is awaited", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const gathering = gather([function* () {
        log.push("child ran");
        return 1;
      }()]);
      yield* sleep(0);
      log.push("parent looked");
      expect(yield* gathering).toEqual([1]);
    });
    expect(log).toEqual(["child ran", "parent looked"]);
  });

  test("the first error reaches the awaiter and the other children keep running, uncancelled", async () => {
    const log: string[] = [];
    const reports: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      loop.setExceptionHandler((_loop, context) => reports.push(context.message));
      const slow = createTask(function* () {
        yield* sleep(50);
        log.push(`slow finished at ${loop.time()}`);
        return "slow";
      });
      const later = createTask(failAfter(20, "second"));
      const gathering = gather([slow, failAfter(10, "first"), later]);
      try {
        yield* gathering;
      } catch (error) {
        log.push(`gather raised "${(error as Error).message}" at ${loop.time()}`);
      }
      expect(slow.cancelled()).toBe(false);
      expect(later.cancelled()).toBe(false);
      yield* slow;
      expect(later.done()).toBe(true);
    });
    expect(log).toEqual(['gather raised "first" at 10', "slow finished at 50"]);
    // The second error was marked as read by gather: no "never retrieved" report at close.
    expect(reports).toEqual([]);
  });

  test("with returnExceptions, errors and cancellations take their places in the results", async () => {
    const results = await runVirtual(function* () {
      const cancelledChild = createTask(sleep(100));
      getRunningLoop().callLater(5, () => cancelledChild.cancel("ignored in results"));
      const results: readonly unknown[] = yield* gather([sleep(10, "ok"), failAfter(1, "boom"), cancelledChild], { returnExceptions: true });
      return results;
    });
    expect(results[0]).toBe("ok");
    expect(results[1]).toBeInstanceOf(Error);
    expect((results[1] as Error).message).toBe("boom");
    expect(results[2]).toBeInstanceOf(CancelledError);
    // As asyncio: the task's own cancel message is gone once its coroutine raised.
    expect((results[2] as Error).message).toBe("");
  });

  test("a cancelled child makes gather raise CancelledError without returnExceptions; the awaiter is not cancelled", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const victim = createTask(sleep(100));
      const other = createTask(sleep(50, "other"));
      loop.callLater(5, () => victim.cancel("stop"));
      try {
        yield* gather([victim, other]);
      } catch (error) {
        log.push(`${(error as Error).name} "${(error as Error).message}" at ${loop.time()}`);
      }
      log.push(`awaiter cancelling=${currentTask()!.cancelling()}`);
      log.push(`other: ${yield* other} at ${loop.time()}`);
    });
    expect(log).toEqual(['CancelledError "stop" at 5', "awaiter cancelling=0", "other: other at 50"]);
  });

  test("cancelling a task that awaits gather cancels every child, and the task ends cancelled", async () => {
    const loop = virtualLoop();
    const waiter = loop.createFuture<void>();
    let proof = 0;
    function* inner(): Generator<unknown, void, unknown> {
      yield* waiter;
      proof += 1;
    }
    const child1 = loop.createTask(inner());
    const child2 = loop.createTask(inner());
    let gathering: Future<unknown> | null = null;
    const outer = loop.createTask(function* () {
      gathering = gather([child1, child2]);
      yield* gathering;
      proof += 100;
    });
    await runBriefly(loop);
    expect(outer.cancel()).toBe(true);
    await expect(loop.runUntilComplete(outer)).rejects.toThrow(CancelledError);
    expect(gathering!.cancel()).toBe(false);
    expect(waiter.cancelled()).toBe(true);
    expect(child1.cancelled()).toBe(true);
    expect(child2.cancelled()).toBe(true);
    await runBriefly(loop);
    expect(proof).toBe(0);
  });

  test("cancelling the gather future itself cancels its children and raises CancelledError with the message", async () => {
    const loop = virtualLoop();
    const a = loop.createTask(sleep(100));
    const b = loop.createTask(sleep(200));
    const gathering = gather([a, b]);
    await runBriefly(loop);
    expect(gathering.cancel("enough")).toBe(true);
    await expect(loop.runUntilComplete(gathering)).rejects.toThrow(new CancelledError("enough"));
    expect(a.cancelled()).toBe(true);
    expect(b.cancelled()).toBe(true);
    expect(loop.time()).toBe(0);
  });

  test("cancelling a task that awaits gather with returnExceptions still raises CancelledError with the message", async () => {
    const result = await runVirtual(function* () {
      const poller = createTask(function* () {
        for (let elapsed = 0; elapsed <= 1000; elapsed += 50) {
          yield* gather([sleep(50)], { returnExceptions: true });
        }
        return "finished";
      });
      yield* sleep(200);
      poller.cancel("my message");
      try {
        return `not cancelled: ${yield* poller}`;
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message} at ${getRunningLoop().time()}`;
      }
    });
    expect(result).toBe("CancelledError: my message at 200");
  });

  test("gather refuses cancellation once all its children are done", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    const [gathering] = await loop.runUntilComplete(function* () {
      // Wrapped in an array: a future is a thenable, and a promise would adopt it.
      return [gather([function* () {
        return yield* future;
      }()])] as const;
    }());
    let cancelResult: boolean | null = null;
    future.addDoneCallback(() => {
      cancelResult = gathering.cancel();
    });
    future.setResult(42);
    expect(await loop.runUntilComplete(gathering)).toEqual([42]);
    expect(cancelResult).toBe(false);
  });

  test("the same coroutine passed twice runs once and fills both places", async () => {
    let runs = 0;
    const results = await runVirtual(function* () {
      const shared = function* () {
        runs++;
        yield* sleep(1);
        return "abc";
      }();
      const task = createTask(sleep(2, "task"));
      return yield* gather([shared, shared, function* () {
        return "def";
      }(), shared, task, task]);
    });
    expect(results).toEqual(["abc", "abc", "def", "abc", "task", "task"]);
    expect(runs).toBe(1);
  });

  test("gather refuses futures of different loops with RuntimeError", () => {
    const first = virtualLoop().createFuture<number>();
    const second = virtualLoop().createFuture<number>();
    expect(() => gather([first, second])).toThrow(RuntimeError);
    expect(() => gather([first, second])).toThrow("ensureFuture(): <Future pending> belongs to a different event loop");
  });

  test("gather raises TypeError for something that is not awaitable", async () => {
    await runVirtual(function* () {
      expect(() => gather([42 as never])).toThrow(TypeError);
      expect(() => gather([42 as never])).toThrow(/ensureFuture\(\): a Future, a coroutine, an operation or a promise is required, not 42/);
      yield* sleep(0);
    });
  });

  test("a task awaiting gather is shown waiting on it", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const waiter = createTask(function* () {
        return yield* gather([sleep(5), sleep(6)]);
      });
      yield* sleep(1);
      expect(waiter.waitingOn()).toEqual({ kind: "gather", label: "gather(2)" });
      yield* waiter;
      expect(loop.time()).toBe(6);
    });
  });
});

describe("shield", () => {
  test("shield passes through the inner result and the inner error", async () => {
    const loop = virtualLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    await runBriefly(loop);
    inner.setResult(42);
    expect(await loop.runUntilComplete(outer)).toBe(42);
    const failing = loop.createFuture<number>();
    const shielded = shield(failing);
    const error = new Error("inner failed");
    failing.setException(error);
    await expect(loop.runUntilComplete(shielded)).rejects.toBe(error);
  });

  test("cancelling the task that awaits a shield leaves the inner work running", async () => {
    let proof = 0;
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const inner = createTask(function* () {
        yield* sleep(100);
        proof += 1;
        return "inner result";
      });
      const outer = createTask(function* () {
        yield* shield(inner);
        proof += 100;
      });
      yield* sleep(10);
      outer.cancel();
      try {
        yield* outer;
      } catch (error) {
        log.push(`outer: ${(error as Error).name} at ${loop.time()}`);
      }
      expect(inner.done()).toBe(false);
      log.push(`inner: ${yield* inner} at ${loop.time()}`);
    });
    expect(log).toEqual(["outer: CancelledError at 10", "inner: inner result at 100"]);
    expect(proof).toBe(1);
  });

  test("cancelling the inner work cancels the shield", async () => {
    const loop = virtualLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    await runBriefly(loop);
    inner.cancel();
    await runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
  });

  test("cancelling the shield future does not cancel the inner work", async () => {
    const loop = virtualLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    await runBriefly(loop);
    expect(outer.cancel()).toBe(true);
    await runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    expect(inner.cancelled()).toBe(false);
    inner.setResult(1);
    await runBriefly(loop);
    expect(inner.result()).toBe(1);
  });

  test("shield of a future that is already done returns that future", () => {
    const loop = virtualLoop();
    const done = loop.createFuture<number>();
    done.setResult(1);
    expect(shield(done)).toBe(done);
  });

  test("a shielded gather keeps gathering when the shield is cancelled", async () => {
    const loop = virtualLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const parent = gather([child1, child2]);
    const outer = shield(parent);
    await runBriefly(loop);
    outer.cancel();
    await runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    child1.setResult(1);
    child2.setResult(2);
    await runBriefly(loop);
    expect(parent.result()).toEqual([1, 2]);
  });

  test("cancelling a gather of shields cancels the shields but not the work behind them", async () => {
    const loop = virtualLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const inner1 = shield(child1);
    const inner2 = shield(child2);
    const parent = gather([inner1, inner2]);
    await runBriefly(loop);
    parent.cancel();
    await runBriefly(loop);
    // As asyncio: the gather future holds a CancelledError as its exception; it is not "cancelled".
    expect(parent.exception()).toBeInstanceOf(CancelledError);
    expect(parent.cancelled()).toBe(false);
    expect(inner1.cancelled()).toBe(true);
    expect(inner2.cancelled()).toBe(true);
    expect(child1.cancelled()).toBe(false);
    child1.setResult(1);
    child2.setResult(2);
    await runBriefly(loop);
    expect([child1.result(), child2.result()]).toEqual([1, 2]);
  });

  test("a task awaiting a shield is shown waiting on the shield of the inner task", async () => {
    await runVirtual(function* () {
      const inner = createTask(sleep(10), { name: "inner" });
      const waiter = createTask(function* () {
        yield* shield(inner);
      });
      yield* sleep(1);
      expect(waiter.waitingOn()).toEqual({ kind: "shield", label: "shield(inner)", id: inner.id });
      yield* waiter;
    });
  });
});
