/* eslint-disable require-yield -- coroutines that finish without suspending are ordinary test subjects */
/** Tasks: identity, results, cancellation, bad input, async-function tasks and host promises (asyncio/tasks.py). */
import { describe, expect, test } from "vitest";
import {
  CancelledError, EventLoop, Future, InvalidStateError, RuntimeError, Task,
  allTasks, awaitPromise, createTask, currentTask, ensureFuture, getEventLoop, getRunningLoop, sleep,
} from "../../../src/runtime/index.ts";
import { runVirtual } from "./helpers.ts";

function virtualLoop(): EventLoop {
  return new EventLoop({ clock: "virtual" });
}

/**
 * Lets the loop run two iterations (asyncio's `test_utils.run_briefly`): runUntilComplete
 * pauses the loop after the iteration that finishes the sleep(0) task, as asyncio stops it.
 */
async function runBriefly(loop: EventLoop): Promise<void> {
  await loop.runUntilComplete(sleep(0));
}

describe("task identity", () => {
  test("tasks get increasing ids, default names Task-<id>, and the running task as parent", async () => {
    await runVirtual(function* () {
      const main = currentTask()!;
      expect(main.getName()).toBe("main");
      expect(main.parent).toBeNull();
      const first = createTask(function* () {
        return currentTask();
      });
      const second = createTask(function* () {});
      expect(first.id).toBeGreaterThan(main.id);
      expect(second.id).toBeGreaterThan(first.id);
      expect(first.getName()).toBe(`Task-${first.id}`);
      expect(first.parent).toBe(main);
      expect(second.parent).toBe(main);
      expect(yield* first).toBe(first);
      yield* second;
    }, "main");
  });

  test("setName renames a task and createTask takes a name", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {}, { name: "fetch-1" });
      expect(task.getName()).toBe("fetch-1");
      task.setName("fetch-2");
      expect(task.getName()).toBe("fetch-2");
      expect(String(task)).toBe("<Task pending name=fetch-2>");
      yield* task;
      expect(String(task)).toBe("<Task finished name=fetch-2 result=undefined>");
    });
  });

  test("a task created in a loop callback, outside any task step, has no parent", async () => {
    const loop = virtualLoop();
    // Wrapped in an array: a task is a thenable, and a promise would adopt it.
    const made = loop.createFuture<Task<unknown>[]>();
    loop.callSoon(() => made.setResult([createTask(function* () {}, { loop })]));
    const [task] = await loop.runUntilComplete(made);
    expect(task!.parent).toBeNull();
    await loop.runUntilComplete(task!);
  });

  test("currentTask() is the task whose step runs, and null outside a task step", async () => {
    const loop = virtualLoop();
    const seen: (Task<unknown> | null)[] = [];
    expect(currentTask()).toBeNull();
    loop.callSoon(() => seen.push(currentTask()));
    const task = loop.createTask(function* () {
      seen.push(currentTask());
      yield* sleep(1);
      seen.push(currentTask());
    });
    await loop.runUntilComplete(task);
    expect(seen).toEqual([null, task, task]);
    expect(currentTask()).toBeNull();
  });

  test("two tasks that interleave each see themselves as the current task", async () => {
    const seen: string[] = [];
    await runVirtual(function* () {
      const work = (label: string) => function* () {
        for (let k = 0; k < 2; k++) {
          seen.push(`${label}=${currentTask()!.getName()}`);
          yield* sleep(0);
        }
      };
      const a = createTask(work("a"), { name: "A" });
      const b = createTask(work("b"), { name: "B" });
      yield* a;
      yield* b;
    });
    expect(seen).toEqual(["a=A", "b=B", "a=A", "b=B"]);
  });

  test("allTasks lists the loop's tasks that are not done yet, the running one included", async () => {
    await runVirtual(function* () {
      const main = currentTask()!;
      const sleeper = createTask(sleep(10), { name: "sleeper" });
      const quick = createTask(function* () {}, { name: "quick" });
      expect(allTasks()).toEqual(new Set([main, sleeper, quick]));
      yield* sleep(0);
      expect(allTasks()).toEqual(new Set([main, sleeper]));
      yield* sleeper;
      expect(allTasks(getRunningLoop())).toEqual(new Set([main]));
    });
  });

  test("allTasks keeps creation order when tasks in the middle, first and last finish", async () => {
    await runVirtual(function* () {
      const main = currentTask()!;
      const names = (): string[] => [...allTasks()].map((t) => (t === main ? "main" : t.getName()));
      const a = createTask(sleep(30), { name: "a" });
      const b = createTask(sleep(10), { name: "b" });
      createTask(sleep(20), { name: "c" });
      expect(names()).toEqual(["main", "a", "b", "c"]);
      yield* b;
      const d = createTask(sleep(5), { name: "d" });
      expect(names()).toEqual(["main", "a", "c", "d"]);
      yield* d;
      expect(names()).toEqual(["main", "a", "c"]);
      yield* a;
      expect(names()).toEqual(["main"]);
    });
  });

  test("a task runs an operation as its body: createTask(sleep(5, value))", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(5, "rested"));
      expect(yield* task).toBe("rested");
      expect(getRunningLoop().time()).toBe(5);
    });
  });

  test("setResult and setException on a task throw RuntimeError: its coroutine decides its outcome", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        return 1;
      });
      expect(() => task.setResult(2)).toThrow(RuntimeError);
      expect(() => task.setResult(2)).toThrow("Task does not support setResult()");
      expect(() => task.setException(new Error("x"))).toThrow("Task does not support setException()");
      expect(yield* task).toBe(1);
    });
  });

  test("a finished task drops its coroutine, whether it returned, failed or was cancelled", async () => {
    const loop = virtualLoop();
    const gate = loop.createFuture<void>();
    const coroutine = (function* () {
      yield* gate;
      return 1;
    })();
    const returned = loop.createTask(coroutine);
    expect(returned.getCoro()).toBe(coroutine);
    const failed = loop.createTask(function* () {
      yield* gate;
      throw new Error("failed");
    });
    const cancelled = loop.createTask(function* () {
      yield* loop.createFuture<void>();
    });
    await runBriefly(loop);
    expect(failed.getCoro()).not.toBeNull();
    expect(failed._coro).not.toBeNull();
    cancelled.cancel();
    gate.setResult();
    await loop.runUntilComplete(returned);
    await expect(loop.runUntilComplete(failed)).rejects.toThrow("failed");
    await expect(loop.runUntilComplete(cancelled)).rejects.toThrow(CancelledError);
    for (const task of [returned, failed, cancelled]) {
      expect(task.getCoro()).toBeNull();
      expect(task._coro).toBeNull();
    }
  });
});

describe("task results", () => {
  test("a task's result comes back through yield* in a coroutine and through await in async code", async () => {
    const loop = virtualLoop();
    const inner = loop.createTask(function* () {
      yield* sleep(10);
      return 21;
    });
    const outer = loop.createTask(function* () {
      return (yield* inner) * 2;
    });
    expect(await outer).toBe(42);
    expect(await inner).toBe(21);
    expect(inner.result()).toBe(21);
  });

  test("an error a task raises fails the task and is thrown into whoever awaits it", async () => {
    const loop = virtualLoop();
    const failing = loop.createTask(function* () {
      yield* sleep(1);
      throw new RangeError("out of range");
    });
    const awaiting = loop.createTask(function* () {
      try {
        yield* failing;
        return "no error";
      } catch (error) {
        return `caught ${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    expect(await loop.runUntilComplete(awaiting)).toBe("caught RangeError: out of range");
    expect(failing.exception()).toBeInstanceOf(RangeError);
    expect(failing.cancelled()).toBe(false);
  });

  test("result() of a task that has not finished throws InvalidStateError", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(10));
      expect(() => task.result()).toThrow(InvalidStateError);
      expect(() => task.result()).toThrow(/<Task pending name=Task-\d+>: the result is not ready yet/);
      yield* task;
    });
  });
});

describe("cancellation", () => {
  test("cancelling a sleeping task ends its sleep at once with CancelledError", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* () {
      yield* sleep(10_000);
      return 12;
    });
    loop.callSoon(() => task.cancel());
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task.done()).toBe(true);
    expect(task.cancelled()).toBe(true);
    expect(task.cancel()).toBe(false);
    expect(loop.time()).toBe(0);
  });

  test("a task awaiting a task that is cancelled by a timer gets CancelledError and may handle it", async () => {
    const result = await runVirtual(function* () {
      const loop = getRunningLoop();
      const sleeper = createTask(sleep(5000));
      loop.callLater(100, () => sleeper.cancel());
      try {
        yield* sleeper;
        return `slept in at ${loop.time()}`;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        return `cancelled at ${loop.time()}`;
      }
    });
    expect(result).toBe("cancelled at 100");
  });

  test("a cancelled task may catch CancelledError at its suspension point and return a value", async () => {
    const loop = virtualLoop();
    const first = loop.createFuture<void>();
    const second = loop.createFuture<void>();
    const task = loop.createTask(function* () {
      yield* first;
      try {
        yield* second;
      } catch (error) {
        if (error instanceof CancelledError) return 42;
        throw error;
      }
      return 0;
    });
    await runBriefly(loop);
    first.setResult();
    await runBriefly(loop);
    expect(task.cancel()).toBe(true);
    expect(second.cancelled()).toBe(true);
    expect(await loop.runUntilComplete(task)).toBe(42);
    expect(task.cancelled()).toBe(false);
  });

  test("a task that ignores the cancellation goes on to its next await, which is not cancelled", async () => {
    const loop = virtualLoop();
    const first = loop.createFuture<void>();
    const second = loop.createFuture<void>();
    const third = loop.createFuture<number>();
    const task = loop.createTask(function* () {
      yield* first;
      try {
        yield* second;
      } catch {
        // ignored on purpose
      }
      return yield* third;
    });
    await runBriefly(loop);
    first.setResult();
    await runBriefly(loop);
    task.cancel();
    expect(second.cancelled()).toBe(true);
    await runBriefly(loop);
    third.setResult(42);
    expect(await loop.runUntilComplete(task)).toBe(42);
    expect(third.cancelled()).toBe(false);
    expect(task.cancelled()).toBe(false);
    expect(task.cancelling()).toBe(1);
  });

  test("cancelling the future a task awaits cancels the task", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<void>();
    const task = loop.createTask(function* () {
      yield* future;
      return 12;
    });
    await runBriefly(loop);
    future.cancel();
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(future.cancelled()).toBe(true);
    expect(task.cancelled()).toBe(true);
  });

  test("cancelling both a task and the future it awaits ends the task cancelled", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<void>();
    const task = loop.createTask(function* () {
      yield* future;
      return 12;
    });
    await runBriefly(loop);
    future.cancel();
    task.cancel();
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(future.cancelled()).toBe(true);
    expect(task.cancelled()).toBe(true);
  });

  test("a task that only yields is cancelled at its next step", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const task = loop.createTask(function* () {
      log.push("step 1");
      yield;
      log.push("step 2");
      yield;
      log.push("step 3");
      return 12;
    });
    loop.callSoon(() => task.cancel());
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(log).toEqual(["step 1"]);
    expect(task.cancelled()).toBe(true);
  });

  test("a task cancelled before its first step never runs its body, and the message is kept", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const task = loop.createTask(function* () {
      log.push("ran");
    });
    expect(task.cancel("before it started")).toBe(true);
    await expect(loop.runUntilComplete(task)).rejects.toThrow("before it started");
    expect(log).toEqual([]);
    expect(task.cancelled()).toBe(true);
  });

  test("the cancel message reaches the coroutine and whoever awaits the task", async () => {
    const seen: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* sleep(10);
        } catch (error) {
          seen.push(`inside: ${(error as Error).message}`);
          throw error;
        }
      });
      yield* sleep(0);
      task.cancel("my message");
      try {
        yield* task;
      } catch (error) {
        seen.push(`outside: ${(error as Error).name} ${(error as Error).message}`);
      }
    });
    expect(seen).toEqual(["inside: my message", "outside: CancelledError my message"]);
  });

  test("a task that cancels itself and then returns ends cancelled", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* () {
      currentTask()!.cancel();
      return 12;
    });
    expect(task.cancelled()).toBe(false);
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(task.cancel()).toBe(false);
  });

  test("a task that cancels itself has the next thing it awaits cancelled at once", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const task = loop.createTask(function* () {
      currentTask()!.cancel();
      log.push("still running after cancel()");
      yield* sleep(100_000);
      log.push("never");
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(log).toEqual(["still running after cancel()"]);
    expect(loop.time()).toBe(0);
  });

  test("a task that cancels itself and then awaits another task cancels that task too", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<void>();
    let nested: Task<void> | null = null;
    const task = loop.createTask(function* () {
      nested = createTask(function* () {
        yield* future;
      });
      yield* sleep(0);
      currentTask()!.cancel();
      yield* nested;
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(nested!.cancelled()).toBe(true);
    expect(future.cancelled()).toBe(true);
  });

  test("cancelling an outer task cancels the future its inline coroutine awaits, and each level may see it", async () => {
    const loop = virtualLoop();
    const waiter = loop.createFuture<void>();
    let proof = 0;
    function* inner(): Generator<unknown, void, unknown> {
      try {
        yield* waiter;
      } catch (error) {
        proof += 1;
        throw error;
      }
    }
    const outer = loop.createTask(function* () {
      try {
        yield* inner();
        proof += 10;
      } catch (error) {
        if (error instanceof CancelledError) proof += 100;
      }
    });
    await runBriefly(loop);
    outer.cancel();
    await loop.runUntilComplete(outer);
    expect(proof).toBe(101);
    expect(waiter.cancelled()).toBe(true);
    expect(outer.cancelled()).toBe(false);
  });

  test("cancelling() counts requests that uncancel() has not withdrawn, and shows in the task's text", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* sleep(10_000);
        } catch {
          currentTask()!.uncancel();
          yield* sleep(10_000);
        }
      });
      yield* sleep(0);
      expect(task.cancelling()).toBe(0);
      expect(String(task)).not.toContain(" cancelling ");
      expect(task.cancel()).toBe(true);
      expect(task.cancelling()).toBe(1);
      expect(String(task)).toContain(" cancelling ");
      expect(task.cancelled()).toBe(false);
      yield* sleep(0);
      // The task took its request back and sleeps again.
      expect(task.cancelling()).toBe(0);
      expect(String(task)).not.toContain(" cancelling ");
      expect(task.done()).toBe(false);
      expect(task.cancel()).toBe(true);
      expect(task.cancel()).toBe(true);
      expect(task.cancelling()).toBe(2);
      try {
        yield* task;
      } catch (error) {
        expect(error).toBeInstanceOf(CancelledError);
      }
      expect(task.cancelled()).toBe(true);
      expect(getRunningLoop().time()).toBe(0);
      // uncancel() no longer changes anything that matters once the task is done.
      task.uncancel();
      expect(task.cancelled()).toBe(true);
    });
  });

  test("uncancel() before the next step withdraws a cancellation that has not been delivered yet", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<void>();
    const task = loop.createTask(function* () {
      yield* future;
      return 42;
    });
    await runBriefly(loop);
    future.setResult(); // the task is ready now: cancel() cannot cancel what it awaits
    task.cancel();
    expect(task.cancelling()).toBe(1);
    expect(task.uncancel()).toBe(0);
    expect(task.uncancel()).toBe(0);
    expect(await loop.runUntilComplete(task)).toBe(42);
  });

  test("uncancel() lets a hand-made timeout turn its own cancellation into a TimeoutError and go on", async () => {
    // asyncio's test_uncancel_structured_blocks, with the timeout written out by hand.
    function* requestWithTimeout(sleepMs: number, timeoutMs: number): Generator<unknown, string[], unknown> {
      const task = currentTask()!;
      const loop = task.getLoop();
      const log: string[] = [];
      let timedOut = false;
      const handle = loop.callLater(timeoutMs, () => {
        timedOut = true;
        task.cancel();
      });
      try {
        try {
          yield* sleep(sleepMs);
          log.push("block finished");
        } catch (error) {
          if (timedOut && task.uncancel() === 0 && error instanceof CancelledError) throw new Error("timeout");
          throw error;
        } finally {
          handle.cancel();
        }
      } catch (error) {
        if ((error as Error).message !== "timeout") throw error;
        log.push(`timed out at ${loop.time()}`);
      }
      yield* sleep(0);
      log.push(`outer code reached, cancelling=${task.cancelling()}`);
      return log;
    }
    expect(await runVirtual(requestWithTimeout(10_000, 100))).toEqual(["timed out at 100", "outer code reached, cancelling=0"]);
    expect(await runVirtual(requestWithTimeout(0, 10_000))).toEqual(["block finished", "outer code reached, cancelling=0"]);
  });
});

describe("bad input fails loudly", () => {
  test("yielding a non-awaitable fails the task with RuntimeError naming what was yielded", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* () {
      yield 42;
    }, { name: "bad" });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(RuntimeError);
    expect(() => task.result()).toThrow(/<Task pending name=bad> yielded 42, which is not awaitable/);
  });

  test("yield sleep(1) without the star fails the task with a hint to use yield*", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* () {
      yield sleep(1);
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(RuntimeError);
    expect(() => task.result()).toThrow(/yielded \[object Object\], which is a coroutine or operation: use `yield\*` to await it/);
  });

  test("yielding a coroutine object without the star fails the task with the same hint", async () => {
    const loop = virtualLoop();
    function* child(): Generator<unknown, number, unknown> {
      return 1;
    }
    const task = loop.createTask(function* () {
      yield child();
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(/use `yield\*` to await it/);
  });

  test("the error for a bad yield is thrown in at the yield, so the coroutine can catch it", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* () {
      try {
        yield "not awaitable";
      } catch (error) {
        return `caught ${(error as Error).name}`;
      }
      return "not caught";
    });
    expect(await loop.runUntilComplete(task)).toBe("caught RuntimeError");
  });

  test("a task awaiting itself fails with RuntimeError instead of hanging", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* (): Generator<unknown, void, unknown> {
      yield* currentTask()!;
    }, { name: "narcissus" });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(RuntimeError);
    expect(() => task.result()).toThrow("Task cannot await on itself: <Task pending name=narcissus>");
  });

  test("awaiting a future of another loop fails the task with RuntimeError", async () => {
    const loop = virtualLoop();
    const elsewhere = virtualLoop().createFuture<void>();
    const task = loop.createTask(function* () {
      yield* elsewhere;
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(/awaited <Future pending>, which belongs to a different event loop/);
  });

  test("createTask rejects something that is not a coroutine, coroutine function or async function", () => {
    const loop = virtualLoop();
    expect(() => loop.createTask(42 as never)).toThrow(TypeError);
    expect(() => loop.createTask(42 as never)).toThrow("createTask() expects a coroutine (generator), a coroutine function or an async function; got 42");
  });

  test("a task function that returns neither a generator nor a promise fails the task with TypeError", async () => {
    const loop = virtualLoop();
    const task = loop.createTask((() => 5) as never);
    await expect(loop.runUntilComplete(task)).rejects.toThrow(TypeError);
    expect(() => task.result()).toThrow("returned 5, not a generator or a promise");
  });

  test("getRunningLoop() outside a task step or loop callback throws RuntimeError: no running event loop", () => {
    expect(() => getRunningLoop()).toThrow(RuntimeError);
    expect(() => getRunningLoop()).toThrow(/no running event loop/);
  });

  test("sleep() outside a running loop throws when it is awaited", () => {
    const iterator = sleep(10)[Symbol.iterator]();
    expect(() => iterator.next()).toThrow(/no running event loop/);
  });

  test("sleep(NaN) throws TypeError", () => {
    expect(() => sleep(Number.NaN)).toThrow(TypeError);
    expect(() => sleep(Number.NaN)).toThrow("sleep(): the delay is NaN");
  });
});

describe("sleep", () => {
  test("sleep(ms, value) resumes after ms on the loop clock with value", async () => {
    const loop = virtualLoop();
    const result = await loop.runUntilComplete(function* () {
      const value = yield* sleep(50, "yeah");
      return `${value} at ${getRunningLoop().time()}`;
    }());
    expect(result).toBe("yeah at 50");
  });

  test("sleep(0) and a negative sleep give every other ready task one turn", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const work = (label: string, ms: number) => function* () {
        log.push(`${label}1`);
        yield* sleep(ms);
        log.push(`${label}2`);
        yield* sleep(ms);
        log.push(`${label}3`);
      };
      const a = createTask(work("a", 0));
      const b = createTask(work("b", -5));
      yield* a;
      yield* b;
      expect(getRunningLoop().time()).toBe(0);
    });
    expect(log).toEqual(["a1", "b1", "a2", "b2", "a3", "b3"]);
  });

  test("sleeps end in order of their deadlines, equal deadlines in the order they began", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const nap = (label: string, ms: number) => createTask(function* () {
        yield* sleep(ms);
        log.push(`${label}@${loop.time()}`);
      });
      const tasks = [nap("c", 30), nap("a", 10), nap("b1", 20), nap("b2", 20)];
      for (const task of tasks) yield* task;
    });
    expect(log).toEqual(["a@10", "b1@20", "b2@20", "c@30"]);
  });
});

describe("ensureFuture", () => {
  test("returns a future or a task as it is", () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    const task = loop.createTask(function* () {});
    expect(ensureFuture(future)).toBe(future);
    expect(ensureFuture(task)).toBe(task);
    expect(ensureFuture(future, loop)).toBe(future);
    task.cancel();
  });

  test("wraps a coroutine or an operation in a task and follows a promise with a plain future", async () => {
    await runVirtual(function* () {
      const fromCoroutine = ensureFuture(function* () {
        yield* sleep(1);
        return "coroutine";
      }());
      const fromOperation = ensureFuture(sleep(2, "operation"));
      const fromPromise = ensureFuture(Promise.resolve("promise"));
      expect(fromCoroutine).toBeInstanceOf(Task);
      expect(fromOperation).toBeInstanceOf(Task);
      expect(fromPromise).toBeInstanceOf(Future);
      expect(fromPromise).not.toBeInstanceOf(Task);
      expect([yield* fromCoroutine, yield* fromOperation, yield* fromPromise]).toEqual(["coroutine", "operation", "promise"]);
    });
  });

  test("rejects what is not awaitable with TypeError, and a future of another loop with RuntimeError", () => {
    const loop = virtualLoop();
    expect(() => ensureFuture(42 as never)).toThrow(TypeError);
    expect(() => ensureFuture(42 as never)).toThrow("ensureFuture(): a Future, a coroutine, an operation or a promise is required, not 42");
    expect(() => ensureFuture(virtualLoop().createFuture(), loop)).toThrow(RuntimeError);
    expect(() => ensureFuture(virtualLoop().createFuture(), loop)).toThrow(/belongs to a different event loop/);
  });
});

describe("async-function tasks", () => {
  test("an async-function task runs its function and ends with its value", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(async () => {
      await Promise.resolve();
      return "async value";
    });
    expect(task.kind).toBe("async");
    expect(task.getCoro()).toBeNull();
    expect(await loop.runUntilComplete(task)).toBe("async value");
    expect(loop.createTask(function* () {}).kind).toBe("coroutine");
  });

  test("an async-function task that rejects on its own ends with that error", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(async () => {
      await Promise.resolve();
      throw new SyntaxError("bad json");
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(SyntaxError);
    expect(task.cancelled()).toBe(false);
  });

  test("cancel() aborts an async-function task's signal; the rejection that follows ends it cancelled", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const task = loop.createTask(async (signal: AbortSignal) => {
      log.push("started");
      await new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          const reason = signal.reason as Error;
          log.push(`aborted with ${reason.name}: ${reason.message}`);
          reject(new Error("fetch aborted"));
        });
      });
      return "never";
    });
    loop.callSoon(() => task.cancel("user left"));
    await expect(loop.runUntilComplete(task)).rejects.toThrow(new CancelledError("user left"));
    expect(task.cancelled()).toBe(true);
    expect(log).toEqual(["started", "aborted with CancelledError: user left"]);
  });

  test("an async-function task that finishes its work despite the abort ends with its value", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(async (signal: AbortSignal) => {
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      return "finished anyway";
    });
    loop.callSoon(() => task.cancel());
    expect(await loop.runUntilComplete(task)).toBe("finished anyway");
    expect(task.cancelled()).toBe(false);
    expect(task.cancelling()).toBe(1);
  });

  test("an async-function task cancelled before it starts never calls its function", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const task = loop.createTask(async () => {
      log.push("called");
    });
    task.cancel();
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(log).toEqual([]);
  });

  test("a coroutine function that takes a signal sees it abort when its task is cancelled", async () => {
    const loop = virtualLoop();
    let seen: AbortSignal | null = null;
    const never = loop.createFuture<void>();
    const task = loop.createTask(function* (signal: AbortSignal) {
      seen = signal;
      yield* never;
    });
    await runBriefly(loop);
    expect(seen!.aborted).toBe(false);
    task.cancel("stop");
    expect(seen!.aborted).toBe(true);
    expect((seen!.reason as Error).message).toBe("stop");
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
  });

  test("a host promise that is awaited holds the virtual clock until it settles", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const host = createTask(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`host work done at ${loop.time()}`);
      });
      yield* sleep(1000);
      log.push(`slept until ${loop.time()}`);
      yield* host;
    });
    expect(log).toEqual(["host work done at 0", "slept until 1000"]);
  });
});

describe("awaitPromise", () => {
  test("resumes the task with the promise's value, or throws its rejection in", async () => {
    const result = await runVirtual(function* () {
      const value = yield* awaitPromise(Promise.resolve(7));
      try {
        yield* awaitPromise(Promise.reject(new URIError("bad uri")));
      } catch (error) {
        return `${value} ${(error as Error).name}`;
      }
      return "no error";
    });
    expect(result).toBe("7 URIError");
  });

  test("a bare yield of a promise resumes the task with its value", async () => {
    const result = await runVirtual(function* () {
      return (yield Promise.resolve("plain")) as string;
    });
    expect(result).toBe("plain");
  });

  test("cancelling a task in awaitPromise(factory) aborts the factory's signal and ends the await with CancelledError", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    let seen: AbortSignal | null = null;
    const task = loop.createTask(function* () {
      try {
        return yield* awaitPromise((signal) => {
          seen = signal;
          return new Promise<string>((_resolve, reject) => {
            signal.addEventListener("abort", () => reject(new Error("AbortError")));
          });
        }, "download");
      } catch (error) {
        log.push(`${(error as Error).name}: ${(error as Error).message}`);
        throw error;
      }
    });
    loop.callSoon(() => {
      log.push(`waiting on ${JSON.stringify(task.waitingOn())}`);
      task.cancel("user left");
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(seen!.aborted).toBe(true);
    expect(seen!.reason).toBeInstanceOf(CancelledError);
    expect(log).toEqual(['waiting on {"kind":"promise","label":"download"}', "CancelledError: user left"]);
  });

  test("a factory whose work completes despite the abort gives the task its value", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* () {
      return yield* awaitPromise((signal) => new Promise<string>((resolve) => {
        signal.addEventListener("abort", () => resolve("done anyway"));
      }));
    });
    loop.callSoon(() => task.cancel());
    expect(await loop.runUntilComplete(task)).toBe("done anyway");
  });

  test("cancelling a task that awaits a plain promise stops the wait at once and frees the virtual clock", async () => {
    const loop = virtualLoop();
    const task = loop.createTask(function* () {
      try {
        yield* awaitPromise(new Promise(() => {}), "forever");
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
      yield* sleep(500);
      return `resumed at ${getRunningLoop().time()}`;
    });
    loop.callSoon(() => task.cancel());
    expect(await loop.runUntilComplete(task)).toBe("resumed at 500");
  });
});

describe("the default loop", () => {
  test("getEventLoop() outside a loop is one long-lived default loop that runs tasks created outside any loop", async () => {
    const loop = getEventLoop();
    expect(getEventLoop()).toBe(loop);
    const task = createTask(function* () {
      yield* sleep(0);
      return getEventLoop();
    });
    expect(task.getLoop()).toBe(loop);
    expect(await task).toBe(loop);
    expect(loop.isClosed()).toBe(false);
  });
});
