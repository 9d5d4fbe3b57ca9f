/* eslint-disable require-yield -- coroutines that finish without suspending are ordinary test subjects */
/** The event loop and run(): scheduling, fairness, clocks, closing (asyncio/base_events.py, runners.py). */
import { readFileSync } from "node:fs";
import { describe, expect, test, vi } from "vitest";
import {
  CancelledError, EventLoop, Handle, RuntimeError, TimerHandle,
  createTask, currentTask, getEventLoop, getRunningLoop, run, sleep,
  type ExceptionContext, type Task,
} from "../../../src/runtime/index.ts";
import { busyWait, runVirtual } from "./helpers.ts";

function virtualLoop(): EventLoop {
  return new EventLoop({ clock: "virtual" });
}

describe("scheduling callbacks", () => {
  test("callSoon runs callbacks in FIFO order with their arguments and returns a cancellable Handle", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const done = loop.createFuture<void>();
    const first = loop.callSoon((a: number, b: string) => log.push(`first ${a} ${b}`), 1, "x");
    const skipped = loop.callSoon(() => log.push("cancelled handle ran"));
    loop.callSoon(() => log.push("third"));
    loop.callSoon(() => done.setResult());
    expect(first).toBeInstanceOf(Handle);
    skipped.cancel();
    expect(skipped.cancelled()).toBe(true);
    await loop.runUntilComplete(done);
    expect(log).toEqual(["first 1 x", "third"]);
  });

  test("one iteration runs only the callbacks that were ready when it began", async () => {
    // A callback chain that reschedules itself cannot starve a timer that became due:
    // each link runs in its own iteration, and the timer joins at the start of one.
    const loop = virtualLoop();
    const log: string[] = [];
    const done = loop.createFuture<void>();
    let links = 0;
    const link = (): void => {
      links++;
      log.push(`link ${links}`);
      if (links === 1) loop.callLater(0, () => log.push("timer"));
      if (links < 4) loop.callSoon(link);
      else done.setResult();
    };
    loop.callSoon(link);
    await loop.runUntilComplete(done);
    expect(log).toEqual(["link 1", "link 2", "timer", "link 3", "link 4"]);
  });

  test("tasks that keep yielding take turns in FIFO order", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const worker = (label: string) => function* () {
        for (let k = 0; k < 3; k++) {
          log.push(`${label}${k}`);
          yield;
        }
      };
      const tasks = [createTask(worker("a")), createTask(worker("b")), createTask(worker("c"))];
      for (const task of tasks) yield* task;
    });
    expect(log).toEqual(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
  });

  test("callLater and callAt run in time order, equal times in the order they were scheduled", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const done = loop.createFuture<void>();
    const late = loop.callAt(30, () => {
      log.push(`callAt(30) at ${loop.time()}`);
      done.setResult();
    });
    const early = loop.callLater(10, (tag: string) => log.push(`${tag} at ${loop.time()}`), "callLater(10)");
    loop.callLater(20, () => log.push(`first 20 at ${loop.time()}`));
    loop.callAt(20, () => log.push(`second 20 at ${loop.time()}`));
    const cancelled = loop.callLater(15, () => log.push("cancelled timer ran"));
    cancelled.cancel();
    expect(early).toBeInstanceOf(TimerHandle);
    expect(early.when()).toBe(10);
    expect(late.when()).toBe(30);
    await loop.runUntilComplete(done);
    expect(log).toEqual(["callLater(10) at 10", "first 20 at 20", "second 20 at 20", "callAt(30) at 30"]);
  });

  test("hundreds of timers, most of them cancelled, fire in order of time and then of scheduling", async () => {
    const loop = virtualLoop();
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const fired: number[] = [];
    const scheduled = Array.from({ length: 400 }, (_, k) => {
      const when = Math.floor(random() * 50);
      return { k, when, handle: loop.callAt(when, () => fired.push(k)) };
    });
    // Cancelling most of them makes the loop rebuild its timer heap on the way.
    const live = scheduled.filter(({ handle }) => {
      if (random() < 0.7) {
        handle.cancel();
        return false;
      }
      return true;
    });
    const done = loop.createFuture<void>();
    loop.callAt(100, () => done.setResult());
    await loop.runUntilComplete(done);
    expect(fired).toEqual(live.sort((a, b) => a.when - b.when || a.k - b.k).map(({ k }) => k));
  });

  test("a callback that throws is reported to the exception handler and the loop carries on", async () => {
    const loop = virtualLoop();
    const reports: string[] = [];
    loop.setExceptionHandler((_loop, context: ExceptionContext) => {
      reports.push(`${context.message}: ${(context.exception as Error).message} handle=${context.handle instanceof Handle}`);
    });
    const done = loop.createFuture<string>();
    loop.callSoon(function boom() {
      throw new Error("bang");
    });
    loop.callSoon(() => done.setResult("carried on"));
    expect(await loop.runUntilComplete(done)).toBe("carried on");
    expect(reports).toEqual(["Exception in callback boom: bang handle=true"]);
  });

  test("without a handler, a failing callback is reported with console.error", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const loop = virtualLoop();
      const done = loop.createFuture<void>();
      const error = new Error("bang");
      loop.callSoon(function boom() {
        throw error;
      });
      loop.callSoon(() => done.setResult());
      await loop.runUntilComplete(done);
      expect(errors.mock.calls).toEqual([["aioscope: Exception in callback boom", error]]);
    } finally {
      errors.mockRestore();
    }
  });
});

describe("the virtual clock", () => {
  test("time starts at 0 and jumps straight to the next timer when nothing is ready", async () => {
    const loop = virtualLoop();
    expect(loop.time()).toBe(0);
    const result = await loop.runUntilComplete(function* () {
      yield* sleep(60_000);
      return getRunningLoop().time();
    }());
    expect(result).toBe(60_000);
    expect(loop.time()).toBe(60_000);
  });

  test("timers scheduled from outside any task run on their own", async () => {
    const loop = virtualLoop();
    const fired = loop.createFuture<number>();
    loop.callLater(500, () => fired.setResult(loop.time()));
    expect(await fired).toBe(500);
  });

  test("runUntilComplete lets its awaiter act before the loop runs on and its clock moves", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    loop.createTask(function* () {
      yield* sleep(100);
      log.push(`background woke at ${loop.time()}`);
    });
    await loop.runUntilComplete(sleep(10));
    log.push(`awaiter resumed at ${loop.time()}`);
    await loop.runUntilComplete(sleep(200));
    expect(log).toEqual(["awaiter resumed at 10", "background woke at 100"]);
  });
});

describe("timers that never fire", () => {
  test("on the virtual clock, sleep(Infinity) sleeps until cancelled and time does not jump to Infinity", async () => {
    const loop = virtualLoop();
    const forever = loop.createTask(sleep(Infinity));
    const woken = loop.createFuture<number>();
    // Woken by the host, not by a timer: the loop has nothing to do meanwhile.
    setImmediate(() => loop.callSoon(() => woken.setResult(loop.time())));
    expect(await loop.runUntilComplete(woken)).toBe(0);
    expect(forever.done()).toBe(false);
    forever.cancel();
    await expect(loop.runUntilComplete(forever)).rejects.toThrow(CancelledError);
    expect(loop.time()).toBe(0);
  });

  test("on the real clock, sleep(Infinity) and a month-long sleep arm no host timer the host cannot hold", async () => {
    // Hosts run a setTimeout longer than 2^31-1 ms at once (Node warns): the loop would spin.
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const loop = new EventLoop();
      const forever = loop.createTask(sleep(Infinity));
      const month = loop.createTask(sleep(30 * 24 * 3600 * 1000));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect([forever.done(), month.done()]).toEqual([false, false]);
      forever.cancel();
      month.cancel();
      await expect(loop.runUntilComplete(month)).rejects.toThrow(CancelledError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(forever.cancelled()).toBe(true);
      expect(warnings).toEqual([]);
      loop.close();
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("running and closing", () => {
  test("isRunning is true while the loop runs a callback or a task, and while runUntilComplete waits", async () => {
    const loop = virtualLoop();
    const seen: boolean[] = [loop.isRunning()];
    loop.callSoon(() => seen.push(loop.isRunning()));
    const pending = loop.runUntilComplete(function* () {
      seen.push(loop.isRunning());
      yield* sleep(1);
    }());
    seen.push(loop.isRunning());
    await pending;
    seen.push(loop.isRunning());
    expect(seen).toEqual([false, true, true, true, false]);
  });

  test("a closed loop refuses new work with RuntimeError and drops what was pending", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    loop.callSoon(() => log.push("dropped callback"));
    loop.callLater(5, () => log.push("dropped timer"));
    expect(loop.isClosed()).toBe(false);
    loop.close();
    loop.close();
    expect(loop.isClosed()).toBe(true);
    expect(() => loop.callSoon(() => {})).toThrow(RuntimeError);
    expect(() => loop.callSoon(() => {})).toThrow("Event loop is closed");
    expect(() => loop.callLater(1, () => {})).toThrow("Event loop is closed");
    expect(() => loop.createTask(function* () {})).toThrow("Event loop is closed");
    await expect(loop.runUntilComplete(Promise.resolve(1))).rejects.toThrow("Event loop is closed");
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual([]);
  });

  test("close() refuses to close a loop that is running a callback or that runUntilComplete waits on", async () => {
    const loop = virtualLoop();
    const gate = loop.createFuture<void>();
    const errors: string[] = [];
    loop.callSoon(() => {
      try {
        loop.close();
      } catch (error) {
        errors.push(`in a callback: ${(error as Error).message}`);
      }
    });
    const pending = loop.runUntilComplete(gate);
    try {
      loop.close();
    } catch (error) {
      errors.push(`while awaited: ${(error as Error).message}`);
    }
    loop.callSoon(() => gate.setResult());
    await pending;
    loop.close();
    expect(errors).toEqual(["while awaited: Cannot close a running event loop", "in a callback: Cannot close a running event loop"]);
    expect(loop.isClosed()).toBe(true);
  });

  test("runUntilComplete runs a coroutine, an operation, a future and a promise to their results", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<string>();
    loop.callLater(5, () => future.setResult("future"));
    expect(await loop.runUntilComplete(function* () {
      yield* sleep(1);
      return "coroutine";
    }())).toBe("coroutine");
    expect(await loop.runUntilComplete(sleep(1, "operation"))).toBe("operation");
    expect(await loop.runUntilComplete(future)).toBe("future");
    expect(await loop.runUntilComplete(Promise.resolve("promise"))).toBe("promise");
  });

  test("runUntilComplete rejects with the error or the cancellation of what it ran", async () => {
    const loop = virtualLoop();
    const failing = loop.createTask(function* () {
      yield* sleep(1);
      throw new EvalError("failed");
    });
    await expect(loop.runUntilComplete(failing)).rejects.toThrow(EvalError);
    const cancelled = loop.createTask(sleep(10));
    cancelled.cancel("no");
    await expect(loop.runUntilComplete(cancelled)).rejects.toThrow(new CancelledError("no"));
  });

  test("runUntilComplete from inside the loop's own callback throws RuntimeError", async () => {
    const loop = virtualLoop();
    const result = await loop.runUntilComplete(function* () {
      try {
        yield* awaitRejection(loop.runUntilComplete(sleep(1)));
        return "no error";
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    }());
    expect(result).toBe("RuntimeError: runUntilComplete() called from inside this loop's own callback: await the awaitable instead");
  });

  test("getDebug and setDebug read and change debug mode, which the constructor sets", () => {
    const loop = new EventLoop({ clock: "virtual", debug: true });
    expect(loop.getDebug()).toBe(true);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
    expect(virtualLoop().getDebug()).toBe(false);
  });

  test("closing a loop reports task errors nobody read, and only those", async () => {
    const loop = virtualLoop();
    const reports: string[] = [];
    loop.setExceptionHandler((_loop, context) => reports.push(`${context.message} | ${(context.exception as Error).message}`));
    const unread = loop.createTask(function* () {
      throw new Error("nobody read me");
    }, { name: "unread" });
    const read = loop.createTask(function* () {
      throw new Error("read");
    }, { name: "read" });
    await loop.runUntilComplete(sleep(0));
    expect(read.exception()).toBeInstanceOf(Error);
    expect(unread.done()).toBe(true);
    loop.close();
    expect(reports).toEqual(['Task exception was never retrieved: <Task finished name=unread exception=Error("nobody read me")> | nobody read me']);
  });
});

describe("finding the loop", () => {
  test("getRunningLoop() returns the loop inside a task step and inside a loop callback", async () => {
    const loop = virtualLoop();
    const seen: EventLoop[] = [];
    loop.callSoon(() => seen.push(getRunningLoop()));
    await loop.runUntilComplete(function* () {
      seen.push(getRunningLoop());
      yield* sleep(1);
      seen.push(getRunningLoop());
    }());
    expect(seen).toEqual([loop, loop, loop]);
    expect(() => getRunningLoop()).toThrow(/no running event loop/);
  });

  test("getEventLoop() returns the running loop inside it and the default loop outside", async () => {
    const loop = virtualLoop();
    const inside = await loop.runUntilComplete(function* () {
      yield* sleep(0);
      return getEventLoop();
    }());
    expect(inside).toBe(loop);
    const outside = getEventLoop();
    expect(outside).not.toBe(loop);
    expect(getEventLoop()).toBe(outside);
    expect(outside.isClosed()).toBe(false);
  });
});

describe("run()", () => {
  test("run resolves with main's result, whether main is a coroutine object, a coroutine function or an async function", async () => {
    expect(await runVirtual(function* () {
      yield* sleep(10);
      return "coroutine object";
    }())).toBe("coroutine object");
    expect(await runVirtual(function* () {
      return currentTask()!.getName();
    }, "main-name")).toBe("main-name");
    expect(await runVirtual(async (signal: AbortSignal) => `async function, aborted=${signal.aborted}`)).toBe("async function, aborted=false");
  });

  test("run rejects with the error main raised", async () => {
    const error = new TypeError("main failed");
    await expect(runVirtual(function* () {
      yield* sleep(1);
      throw error;
    })).rejects.toBe(error);
  });

  test("run rejects with CancelledError when main is cancelled", async () => {
    await expect(runVirtual(function* () {
      const main = currentTask()!;
      getRunningLoop().callLater(5, () => main.cancel("shut down"));
      yield* sleep(1000);
    })).rejects.toThrow(new CancelledError("shut down"));
  });

  test("run cancels the tasks still pending when main ends, waits for their cleanup and closes the loop", async () => {
    const log: string[] = [];
    let loop: EventLoop | null = null;
    let leftover: Task<void> | null = null;
    const result = await runVirtual(function* () {
      loop = getRunningLoop();
      leftover = createTask(function* () {
        try {
          yield* sleep(10_000);
          log.push("slept");
        } finally {
          log.push(`cleanup at ${getRunningLoop().time()}`);
          yield* sleep(5);
          log.push(`cleanup done at ${getRunningLoop().time()}`);
        }
      });
      yield* sleep(1);
      return "main result";
    });
    expect(result).toBe("main result");
    expect(log).toEqual(["cleanup at 1", "cleanup done at 6"]);
    expect(leftover!.cancelled()).toBe(true);
    expect(loop!.isClosed()).toBe(true);
  });

  test("on the virtual clock, a leftover task does not run on past the moment main ended", async () => {
    const beats: number[] = [];
    await runVirtual(function* () {
      createTask(function* () {
        for (;;) {
          yield* sleep(1000);
          beats.push(getRunningLoop().time());
        }
      });
      yield* sleep(2500);
    });
    expect(beats).toEqual([1000, 2000]);
  });

  test("run reports an error a leftover task raises while it is cancelled, and still returns main's result", async () => {
    const reports: string[] = [];
    const result = await runVirtual(function* () {
      getRunningLoop().setExceptionHandler((_loop, context) => reports.push(`${context.message}: ${(context.exception as Error).message}`));
      createTask(function* () {
        try {
          yield* sleep(1000);
        } catch {
          throw new Error("cleanup failed");
        }
      });
      yield* sleep(0);
      return "main";
    });
    expect(result).toBe("main");
    expect(reports).toEqual(["unhandled exception during run() shutdown: cleanup failed"]);
  });
});

describe("the real clock", () => {
  test("sleep(20) lasts at least 20 ms of loop time and of wall time", async () => {
    const wallStart = performance.now();
    const [start, end] = await run(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      yield* sleep(20);
      return [t0, loop.time()] as const;
    });
    expect(end - start).toBeGreaterThanOrEqual(20);
    expect(performance.now() - wallStart).toBeGreaterThanOrEqual(20);
  });

  test("callLater(15) fires no earlier than 15 ms later", async () => {
    const loop = new EventLoop();
    const start = loop.time();
    const fired = loop.createFuture<number>();
    loop.callLater(15, () => fired.setResult(loop.time()));
    expect(await loop.runUntilComplete(fired)).toBeGreaterThanOrEqual(start + 15);
    loop.close();
  });

  test("a long run of ready tasks gives the host a turn: host callbacks scheduled first run before the tasks finish", async () => {
    const log: string[] = [];
    await run(function* () {
      setImmediate(() => log.push("host setImmediate"));
      setTimeout(() => log.push("host setTimeout(0)"), 0);
      const worker = (w: number) => function* () {
        for (let step = 0; step < 10; step++) {
          busyWait(1);
          log.push(`w${w}`);
          yield* sleep(0);
        }
      };
      const workers = [0, 1, 2, 3].map((w) => createTask(worker(w)));
      for (const task of workers) yield* task;
    });
    // 40 steps of at least 1 ms each: several times the loop's slice budget.
    const taskEntries = log.filter((entry) => entry.startsWith("w"));
    expect(taskEntries).toEqual(Array.from({ length: 10 }, () => ["w0", "w1", "w2", "w3"]).flat());
    // Both host callbacks ran before the last task step (how early depends on the machine).
    const immediateAt = log.indexOf("host setImmediate");
    const timeoutAt = log.indexOf("host setTimeout(0)");
    expect(immediateAt).toBeGreaterThanOrEqual(0);
    expect(immediateAt).toBeLessThan(log.length - 1);
    expect(timeoutAt).toBeGreaterThanOrEqual(0);
    expect(timeoutAt).toBeLessThan(log.length - 1);
  });
});

describe("debug mode", () => {
  test("a step longer than slowStepMs is reported with console.warn, naming the task", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await run(function* () {
        yield* sleep(0);
        busyWait(20);
        yield* sleep(0);
      }, { clock: "virtual", debug: true, slowStepMs: 15, name: "slowpoke" });
      const messages = warnings.mock.calls.map((call) => String(call[0]));
      expect(messages).toContainEqual(expect.stringMatching(/^aioscope: executing <Task pending name=slowpoke waiting on sleep\(0\)> took \d+\.\d ms \(slowStepMs=15\)$/));
      expect(Math.max(...messages.map(reportedMs))).toBeGreaterThanOrEqual(20);
    } finally {
      warnings.mockRestore();
    }
  });

  test("a step that turns debug mode on is not reported as slow; the steps after it are timed", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const started = performance.now();
      await run(function* () {
        getRunningLoop().setDebug(true);
        yield* sleep(0);
        busyWait(3);
        yield* sleep(0);
      }, { clock: "virtual", slowStepMs: 1, name: "switcher" });
      const elapsed = performance.now() - started;
      const messages = warnings.mock.calls.map((call) => String(call[0]));
      expect(messages).toContainEqual(expect.stringMatching(/^aioscope: executing <Task pending name=switcher waiting on sleep\(0\)> took \d+\.\d ms \(slowStepMs=1\)$/));
      // An untimed step would be reported with the whole clock reading as its duration.
      for (const message of messages) expect(reportedMs(message)).toBeLessThanOrEqual(elapsed);
    } finally {
      warnings.mockRestore();
    }
  });

  test("without debug mode, slow steps are not reported", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await run(function* () {
        busyWait(3);
        yield* sleep(0);
      }, { clock: "virtual", slowStepMs: 1 });
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });
});

describe("the current-loop seam (current.ts)", () => {
  test("task.ts and future.ts reach the loop through current.ts, never importing the concrete event loop", () => {
    for (const file of ["task.ts", "future.ts"]) {
      const source = readFileSync(new URL(`../../../src/runtime/${file}`, import.meta.url), "utf8");
      const fromEventLoop = source.split("\n").filter((line) => /^import .*from "\.\/event-loop\.ts";$/.test(line));
      expect(fromEventLoop.every((line) => line.startsWith("import type ")), `${file}: ${fromEventLoop.join(" | ")}`).toBe(true);
    }
  });

  test("outside a loop, getEventLoop() hands out one long-lived default loop; inside, the running one", async () => {
    const fallback = getEventLoop();
    expect(fallback).toBeInstanceOf(EventLoop);
    expect(getEventLoop()).toBe(fallback);
    expect(() => getRunningLoop()).toThrow(/no running event loop/);
    const loop = virtualLoop();
    const seen = await loop.runUntilComplete((function* () {
      yield* sleep(0);
      return [getEventLoop(), getRunningLoop()];
    })());
    expect(seen).toEqual([loop, loop]);
    loop.close();
  });
});

/** Awaits a promise expected to reject, from a coroutine. */
function* awaitRejection(promise: Promise<unknown>): Generator<unknown, unknown, unknown> {
  return yield promise;
}

/** The duration a slow-step warning reports, in ms. */
function reportedMs(message: string): number {
  return Number(/took (\d+\.\d) ms/.exec(message)?.[1] ?? Number.NaN);
}
