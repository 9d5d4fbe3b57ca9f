/* eslint-disable require-yield -- coroutines that finish without suspending are ordinary test subjects */
/** timeout, timeoutAt, Timeout and waitFor (asyncio/timeouts.py, tasks.py; test_timeouts.py, test_waitfor.py). */
import { describe, expect, test } from "vitest";
import {
  CancelledError, EventLoop, RuntimeError, Timeout, TimeoutError,
  createTask, currentTask, getRunningLoop, run, sleep, timeout, timeoutAt, wait, waitFor,
  type Operation,
} from "../../../src/runtime/index.ts";
import { runVirtual } from "./helpers.ts";

/** Runs `body` and returns what it threw, or fails if it did not throw. */
function* caught(body: () => Operation<unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* body();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

function time(): number {
  return getRunningLoop().time();
}

describe("timeout scopes", () => {
  test("an expired scope raises TimeoutError at its deadline and says it expired", async () => {
    await runVirtual(function* () {
      let scope: Timeout | null = null;
      const error = yield* caught(() => timeout(10, function* (cm) {
        scope = cm;
        yield* sleep(10_000);
      }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe("the deadline passed (10 on the loop clock)");
      expect(scope!.expired()).toBe(true);
      expect(time()).toBe(10);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });

  test("timeoutAt takes an absolute deadline on the loop clock", async () => {
    await runVirtual(function* () {
      yield* sleep(5);
      const deadline = time() + 10;
      let scope: Timeout | null = null;
      const error = yield* caught(() => timeoutAt(deadline, function* (cm) {
        scope = cm;
        yield* sleep(10_000);
      }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(scope!.when()).toBe(deadline);
      expect(time()).toBe(15);
    });
  });

  test("the body sees CancelledError at the deadline; the scope's edge turns it into TimeoutError with it as cause", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const error = yield* caught(() => timeout(10, function* () {
        try {
          yield* sleep(10_000);
        } catch (inner) {
          log.push(`body saw ${(inner as Error).name}`);
          throw inner;
        }
      }));
      log.push(`scope raised ${(error as Error).name}, cause ${((error as Error).cause as Error).name}`);
    });
    expect(log).toEqual(["body saw CancelledError", "scope raised TimeoutError, cause CancelledError"]);
  });

  test("a scope whose body finishes in time returns its value and has not expired", async () => {
    await runVirtual(function* () {
      let scope: Timeout | null = null;
      const value = yield* timeout(10_000, function* (cm) {
        scope = cm;
        yield* sleep(10);
        return "in time";
      });
      expect(value).toBe("in time");
      expect(scope!.expired()).toBe(false);
      expect(scope!.when()).toBe(10_000);
      expect(time()).toBe(10);
    });
  });

  test("timeout(null) and timeoutAt(null) never expire and have no deadline", async () => {
    await runVirtual(function* () {
      const scopes: Timeout[] = [];
      yield* timeout(null, function* (cm) {
        scopes.push(cm);
        yield* sleep(100_000);
      });
      yield* timeoutAt(null, function* (cm) {
        scopes.push(cm);
        yield* sleep(100_000);
      });
      expect(scopes.map((cm) => [cm.when(), cm.expired()])).toEqual([[null, false], [null, false]]);
    });
  });

  test("timeout(0) and a deadline in the past expire at the next step, even around sleep(0)", async () => {
    await runVirtual(function* () {
      const t0 = time();
      for (const [ms, body] of [[0, 10], [0, 0], [-11, 0]] as const) {
        let scope: Timeout | null = null;
        const error = yield* caught(() => timeout(ms, function* (cm) {
          scope = cm;
          yield* sleep(body);
        }));
        expect(error).toBeInstanceOf(TimeoutError);
        expect(scope!.expired()).toBe(true);
        expect(scope!.when()).toBe(t0 + ms);
      }
      expect(time()).toBe(t0);
    });
  });

  test("an error the body raises before the deadline passes through unchanged", async () => {
    await runVirtual(function* () {
      let scope: Timeout | null = null;
      const error = yield* caught(() => timeout(10, function* (cm) {
        scope = cm;
        throw new SyntaxError("not a timeout");
      }));
      expect(error).toBeInstanceOf(SyntaxError);
      expect(scope!.expired()).toBe(false);
    });
  });

  test("an error the body raises while being cancelled by the deadline passes through unchanged", async () => {
    await runVirtual(function* () {
      const error = yield* caught(() => timeout(10, function* () {
        try {
          yield* sleep(1000);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new RangeError("cleanup crashed");
        }
      }));
      expect(error).toBeInstanceOf(RangeError);
    });
  });

  test("a cancellation from elsewhere stays a CancelledError", async () => {
    await runVirtual(function* () {
      let scope: Timeout | null = null;
      const error = yield* caught(() => timeout(10_000, function* (cm) {
        scope = cm;
        currentTask()!.cancel();
        yield* sleep(10_000);
      }));
      expect(error).toBeInstanceOf(CancelledError);
      expect(scope!.expired()).toBe(false);
      expect(currentTask()!.uncancel()).toBe(0);
    });
  });

  test("the task whose scope expired is not cancelled: it handles the TimeoutError and ends normally", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* timeout(1, function* () {
            yield* sleep(10_000);
          });
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
        }
        return "handled";
      });
      expect(yield* task).toBe("handled");
      expect(task.cancelled()).toBe(false);
      expect(task.cancelling()).toBe(0);
    });
  });

  test("nested scopes with the same deadline: only the outermost raises TimeoutError, the inner lets CancelledError through", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const deadline = time() + 10;
      const scopes: Timeout[] = [];
      const error = yield* caught(() => timeoutAt(deadline, function* (outer) {
        scopes.push(outer);
        try {
          yield* timeoutAt(deadline, function* (inner) {
            scopes.push(inner);
            yield* sleep(10_000);
          });
        } catch (inner) {
          log.push(`between the scopes: ${(inner as Error).name}`);
          throw inner;
        }
      }));
      log.push(`outside: ${(error as Error).name}`);
      expect(scopes.map((cm) => cm.expired())).toEqual([true, true]);
    });
    expect(log).toEqual(["between the scopes: CancelledError", "outside: TimeoutError"]);
  });

  test("an inner scope that expires first converts; the outer one goes on and converts its own expiry later", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const error = yield* caught(() => timeout(100, function* () {
        try {
          yield* timeout(10, function* () {
            yield* sleep(1000);
          });
        } catch (inner) {
          log.push(`inner scope raised ${(inner as Error).name} at ${time()}`);
        }
        yield* sleep(10_000);
      }));
      log.push(`outer scope raised ${(error as Error).name} at ${time()}`);
    });
    expect(log).toEqual(["inner scope raised TimeoutError at 10", "outer scope raised TimeoutError at 100"]);
  });

  test("an outer scope that expires first passes through the inner scope as CancelledError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const error = yield* caught(() => timeout(2, function* () {
        try {
          yield* timeout(100, function* () {
            yield* sleep(1000);
          });
        } catch (inner) {
          log.push(`inner scope raised ${(inner as Error).name}`);
          throw inner;
        }
      }));
      log.push(`outer scope raised ${(error as Error).name} at ${time()}`);
    });
    expect(log).toEqual(["inner scope raised CancelledError", "outer scope raised TimeoutError at 2"]);
  });

  test("a scope inside a finally block of an expired scope expires and converts on its own", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const error = yield* caught(() => timeout(10, function* () {
        try {
          yield* sleep(1000);
        } finally {
          const inner = yield* caught(() => timeout(10, function* () {
            yield* sleep(10_000);
          }));
          log.push(`inner: ${(inner as Error).name} at ${time()}`);
        }
      }));
      log.push(`outer: ${(error as Error).name} at ${time()}`);
    });
    expect(log).toEqual(["inner: TimeoutError at 20", "outer: TimeoutError at 20"]);
  });

  test("a scope entered after the task caught a cancellation still converts its own expiry", async () => {
    await runVirtual(function* () {
      try {
        currentTask()!.cancel();
        yield* sleep(1000);
      } catch {
        // the task swallows its cancellation and goes on (cancelling() stays 1)
      }
      const error = yield* caught(() => timeout(0, function* () {
        yield* sleep(1000);
      }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(1);
      const cancelled = yield* caught(() => timeout(1000, function* () {
        currentTask()!.cancel();
        yield* sleep(2000);
      }));
      expect(cancelled).toBeInstanceOf(CancelledError);
      currentTask()!.uncancel();
      currentTask()!.uncancel();
    });
  });

  test("reschedule moves the deadline, even from another task, and null removes it", async () => {
    await runVirtual(function* () {
      const made = getRunningLoop().createFuture<Timeout[]>();
      const deadline1 = time() + 10;
      const deadline2 = deadline1 + 20;
      const task = createTask(function* () {
        yield* timeoutAt(deadline1, function* (cm) {
          made.setResult([cm]);
          yield* sleep(50);
        });
      });
      const [scope] = yield* made;
      expect(scope!.when()).toBe(deadline1);
      scope!.reschedule(deadline2);
      expect(scope!.when()).toBe(deadline2);
      scope!.reschedule(null);
      expect(scope!.when()).toBeNull();
      yield* sleep(40);
      task.cancel();
      const error = yield* caught(function* () {
        yield* task;
      });
      expect(error).toBeInstanceOf(CancelledError);
      expect(scope!.expired()).toBe(false);
      expect(time()).toBe(40);
    });
  });

  test("reschedule to later extends the scope; to the past, it expires at the next step", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      yield* timeout(10, function* (cm) {
        cm.reschedule(time() + 50);
        yield* sleep(30);
        log.push(`extended: still running at ${time()}`);
      });
      const error = yield* caught(() => timeout(1000, function* (cm) {
        yield* sleep(5);
        cm.reschedule(time() - 1);
        yield* sleep(1000);
      }));
      log.push(`pulled in: ${(error as Error).name} at ${time()}`);
    });
    expect(log).toEqual(["extended: still running at 30", "pulled in: TimeoutError at 35"]);
  });

  test("reschedule throws RuntimeError on a scope not entered yet or already finished", async () => {
    expect(() => new Timeout(5).reschedule(10)).toThrow(RuntimeError);
    expect(() => new Timeout(5).reschedule(10)).toThrow("Timeout has not been entered");
    await runVirtual(function* () {
      let scope: Timeout | null = null;
      yield* timeout(10, function* (cm) {
        scope = cm;
      });
      expect(() => scope!.reschedule(20)).toThrow("Cannot change state of finished Timeout");
      yield* caught(() => timeout(1, function* (cm) {
        scope = cm;
        yield* sleep(10);
      }));
      expect(() => scope!.reschedule(20)).toThrow("Cannot change state of expired Timeout");
    });
  });

  test("a scope can only be used inside a task", async () => {
    const loop = new EventLoop({ clock: "virtual" });
    const outcome = loop.createFuture<string>();
    loop.callSoon(() => {
      try {
        timeoutAt(null, function* () {})[Symbol.iterator]().next();
        outcome.setResult("entered");
      } catch (error) {
        outcome.setResult(`${(error as Error).name}: ${(error as Error).message}`);
      }
    });
    expect(await loop.runUntilComplete(outcome)).toBe("RuntimeError: Timeout should be used inside a task");
    expect(() => timeout(5, function* () {})[Symbol.iterator]()).toThrow(/no running event loop/);
  });

  test("a scope's text shows its state, and its deadline while it is active", async () => {
    await runVirtual(function* () {
      let scope: Timeout | null = null;
      yield* timeout(10, function* (cm) {
        scope = cm;
        expect(String(cm)).toBe("<Timeout [active] when=10>");
        yield* sleep(0);
      });
      expect(String(scope)).toBe("<Timeout [finished]>");
      yield* caught(() => timeout(1, function* (cm) {
        scope = cm;
        yield* sleep(10);
      }));
      expect(String(scope)).toBe("<Timeout [expired]>");
      yield* timeout(null, function* (cm) {
        expect(String(cm)).toBe("<Timeout [active] when=null>");
      });
      expect(String(new Timeout(5))).toBe("<Timeout [created]>");
    });
  });
});

describe("waitFor", () => {
  test("returns the value when the awaitable finishes in time", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const future = loop.createFuture<string>();
      loop.callLater(100, () => future.setResult("ok"));
      expect(yield* waitFor(future, 200)).toBe("ok");
      expect(time()).toBe(100);
      expect(yield* waitFor(function* () {
        return "done";
      }(), null)).toBe("done");
      expect(yield* waitFor(Promise.resolve("promise"), 10)).toBe("promise");
    });
  });

  test("on expiry the inner task is cancelled and awaited until it has finished, then TimeoutError is raised", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const inner = createTask(function* () {
        try {
          yield* sleep(10_000);
        } catch (error) {
          log.push(`inner cancelled at ${time()}`);
          yield* sleep(5);
          throw error;
        } finally {
          log.push(`inner finished at ${time()}`);
        }
      });
      const error = yield* caught(() => waitFor(inner, 100));
      log.push(`waitFor raised ${(error as Error).name} at ${time()}, cause ${((error as Error).cause as Error).name}`);
      expect(inner.cancelled()).toBe(true);
    });
    expect(log).toEqual(["inner cancelled at 100", "inner finished at 105", "waitFor raised TimeoutError at 105, cause CancelledError"]);
  });

  test("if the inner swallows the cancellation and returns a value, waitFor returns that value", async () => {
    await runVirtual(function* () {
      const fromCoroutine = yield* waitFor(function* () {
        try {
          yield* sleep(10_000);
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
          return 42;
        }
        return 0;
      }(), 100);
      expect(fromCoroutine).toBe(42);
      const fromTask = yield* waitFor(createTask(function* () {
        try {
          yield* sleep(10_000);
        } catch {
          return "swallowed";
        }
        return "slept";
      }), 100);
      expect(fromTask).toBe("swallowed");
      expect(time()).toBe(200);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });

  test("if the inner raises another error while being cancelled, that error propagates", async () => {
    await runVirtual(function* () {
      const inner = createTask(function* () {
        try {
          yield* sleep(200);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ReferenceError("foo");
        }
      });
      const error = yield* caught(() => waitFor(inner, 1));
      expect(error).toBeInstanceOf(ReferenceError);
      expect((error as Error).message).toBe("foo");
    });
  });

  test("timeoutMs <= 0 returns the result of a done future at once", async () => {
    await runVirtual(function* () {
      const future = getRunningLoop().createFuture<string>();
      future.setResult("done");
      expect(yield* waitFor(future, 0)).toBe("done");
      expect(yield* waitFor(future, -1)).toBe("done");
      expect(time()).toBe(0);
    });
  });

  test("timeoutMs <= 0 never starts a coroutine: TimeoutError at once", async () => {
    let started = false;
    await runVirtual(function* () {
      const error = yield* caught(() => waitFor(function* () {
        started = true;
      }(), 0));
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe("waitFor(): the timeout (0 ms) had already passed");
      expect(time()).toBe(0);
    });
    expect(started).toBe(false);
  });

  test("timeoutMs <= 0 cancels a running task and waits for it to finish before raising TimeoutError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      for (const ms of [0, -1]) {
        const started = getRunningLoop().createFuture<void>();
        const inner = createTask(function* () {
          started.setResult();
          try {
            yield* sleep(10_000);
          } catch (error) {
            yield* sleep(1);
            throw error;
          } finally {
            log.push(`inner ${ms} finished at ${time()}`);
          }
          return "done";
        });
        yield* started;
        const error = yield* caught(() => waitFor(inner, ms));
        log.push(`waitFor(${ms}) raised ${(error as Error).name} at ${time()}`);
        expect(inner.cancelled()).toBe(true);
      }
    });
    expect(log).toEqual(["inner 0 finished at 1", "waitFor(0) raised TimeoutError at 1", "inner -1 finished at 2", "waitFor(-1) raised TimeoutError at 2"]);
  });

  test("timeoutMs <= 0 returns a value the inner task gives instead of being cancelled", async () => {
    await runVirtual(function* () {
      const inner = createTask(function* () {
        try {
          yield* sleep(100);
        } catch {
          return "gave up politely";
        }
        return "slept";
      });
      yield* sleep(0);
      expect(yield* waitFor(inner, 0)).toBe("gave up politely");
    });
  });

  test("cancelling the waiting task cancels the inner task too, with or without a timeout", async () => {
    for (const ms of [null, 60_000]) {
      await runVirtual(function* () {
        const blocked = createTask(function* () {
          yield* getRunningLoop().createFuture<void>();
        });
        const waiting = createTask(waitFor(blocked, ms));
        getRunningLoop().callSoon(() => waiting.cancel());
        const error = yield* caught(function* () {
          yield* waiting;
        });
        expect(error).toBeInstanceOf(CancelledError);
        expect(blocked.cancelled()).toBe(true);
      });
    }
  });

  test("waitFor is cancellable before it starts even if the inner task holds up cancellations", async () => {
    await runVirtual(function* () {
      const inner = createTask(function* () {
        try {
          yield* sleep(300);
        } catch {
          try {
            yield* sleep(300);
          } catch {
            yield* sleep(300);
          }
        }
        return 42;
      });
      const waiting = createTask(waitFor(inner, 100));
      waiting.cancel();
      const error = yield* caught(function* () {
        yield* waiting;
      });
      expect(error).toBeInstanceOf(CancelledError);
      expect(yield* inner).toBe(42);
      expect(time()).toBe(300);
    });
  });

  test("a task cancelled after a waitFor whose inner finished at once is cancelled where it is next", async () => {
    let reachedEnd = false;
    await runVirtual(function* () {
      const task = createTask(function* () {
        yield* waitFor(function* () {}(), 100);
        yield* sleep(1000);
        reachedEnd = true;
      });
      yield* sleep(0);
      expect(task.done()).toBe(false);
      task.cancel();
      expect(yield* caught(function* () {
        yield* task;
      })).toBeInstanceOf(CancelledError);
    });
    expect(reachedEnd).toBe(false);
  });

  test("a task that keeps working through cancellations finishes its work inside waitFor", async () => {
    // asyncio's SlowTask: it ignores cancel requests until its own time is up.
    function slowTask(state: { exited: boolean }): Generator<unknown, void, unknown> {
      return function* () {
        const exitAt = time() + 200;
        for (;;) {
          const left = exitAt - time();
          if (left <= 0) break;
          try {
            yield* sleep(left);
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
          }
        }
        state.exited = true;
      }();
    }
    await runVirtual(function* () {
      const cancelledState = { exited: false };
      const waiting = createTask(waitFor(slowTask(cancelledState), 400));
      yield* sleep(0);
      waiting.cancel();
      yield* wait([waiting]);
      expect(cancelledState.exited).toBe(true);
      expect(time()).toBe(200);
      const timedOutState = { exited: false };
      yield* waitFor(slowTask(timedOutState), 100);
      expect(timedOutState.exited).toBe(true);
      expect(time()).toBe(400);
    });
  });

  test("on the virtual clock an awaited host promise holds time still, so waitFor's deadline cannot overtake it", async () => {
    await runVirtual(function* () {
      const value = yield* waitFor(new Promise<string>((resolve) => setImmediate(() => resolve("host value"))), 50);
      expect(value).toBe("host value");
      expect(time()).toBe(0);
    });
  });

  test("a task in waitFor is shown waiting on waitFor and the awaited task", async () => {
    await runVirtual(function* () {
      const inner = createTask(sleep(10, "x"), { name: "inner" });
      const waiting = createTask(waitFor(inner, 100));
      yield* sleep(1);
      expect(waiting.waitingOn()).toEqual({ kind: "waitFor", label: "waitFor(100ms): inner", id: inner.id });
      expect(yield* waiting).toBe("x");
    });
  });

  test("on the real clock, waitFor of a host promise that never settles times out no earlier than its timeout", async () => {
    const start = performance.now();
    await expect(run(function* () {
      yield* waitFor(new Promise(() => {}), 15);
    })).rejects.toThrow(TimeoutError);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
  });
});
