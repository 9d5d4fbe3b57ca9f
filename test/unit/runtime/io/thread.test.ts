/**
 * toThread on Node's worker_threads, ported from CPython's test_threads (to_thread) where it
 * is not about Python: results and arguments, errors keep their name and message, the loop
 * keeps running, cancellation abandons the result and recycles the worker, nothing leaks.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import {
  CancelledError, addInstrument, createTask, gather, removeInstrument, run, sleep, toThread, waitFor, TimeoutError,
  THREAD_POOL_SIZE, type AwaitTarget, type Instrument,
} from "../../../../src/runtime/index.ts";
import { _threadWorkerCount } from "../../../../src/runtime/io/thread.ts";
import { remember, withoutLeaks } from "./io-helpers.ts";

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

describe("toThread", () => {
  test("returns the function's result, with the arguments given (test_to_thread)", async () => {
    const result = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const sum = yield* toThread((a: number, b: number) => a + b, 2, 40);
      const value = yield* toThread(fib, 20);
      // A promise returned by the function is awaited in the worker.
      const later = yield* toThread(async (text: string) => text.toUpperCase(), "done");
      return [sum, value, later];
    }));
    expect(result).toEqual([42, 6765, "DONE"]);
  });

  test("a method's source works too, and a built-in is refused with a clear error", async () => {
    const work = { double(n: number) { return n * 2; } };
    expect(await run(function* () { return yield* toThread(work.double, 21); })).toBe(42);
    expect(() => toThread(Math.max as (...n: number[]) => number, 1, 2)).toThrow(/built-in or bound function/);
    expect(() => toThread(42 as unknown as string, "x")).toThrow(TypeError);
  });

  test("errors are re-thrown with their name and message (test_to_thread_exception)", async () => {
    const caught = await run(function* () {
      const errors: Error[] = [];
      for (const fn of [
        () => { throw new TypeError("bad type"); },
        () => { class QuotaError extends Error { override name = "QuotaError"; } throw new QuotaError("over quota"); },
        () => (null as unknown as { x: number }).x,
      ]) {
        try {
          yield* toThread(fn);
        } catch (error) {
          errors.push(error as Error);
        }
      }
      return errors;
    });
    expect(caught[0]).toBeInstanceOf(TypeError);
    expect(caught[0]!.message).toBe("bad type");
    expect([caught[1]!.name, caught[1]!.message]).toEqual(["QuotaError", "over quota"]);
    expect(caught[2]).toBeInstanceOf(TypeError);
    expect((caught[1] as Error & { workerStack: string }).workerStack).toMatch(/QuotaError/);
  });

  test("arguments that cannot be cloned fail the call, and the pool goes on", async () => {
    const result = await run(function* () {
      let error: unknown = null;
      try {
        yield* toThread((f: unknown) => f, () => 1);
      } catch (e) {
        error = e;
      }
      return [(error as Error).name, yield* toThread(() => "still working")];
    });
    expect(result).toEqual(["DataCloneError", "still working"]);
  });

  test("toThread(moduleUrl, exportName, ...args) runs a module's export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aioscope-thread-"));
    const file = join(dir, "work.mjs");
    writeFileSync(file, "export function area(w, h) { return w * h; }\n");
    const url = pathToFileURL(file);
    const result = await run(function* () {
      const a = yield* toThread<number>(url, "area", 6, 7);
      let missing: unknown = null;
      try {
        yield* toThread(url.href, "volume");
      } catch (e) {
        missing = e;
      }
      return [a, (missing as Error).message];
    });
    expect(result[0]).toBe(42);
    expect(result[1]).toMatch(/no exported function "volume"/);
  });

  test("the loop keeps running other tasks while a worker computes", async () => {
    const ticks = await run(function* () {
      let ticks = 0;
      let computing = true;
      const ticker = createTask(function* () {
        while (computing) {
          yield* sleep(1);
          ticks++;
        }
      });
      yield* toThread(fib, 30);
      const ticksWhileComputing = ticks;
      computing = false;
      yield* ticker;
      return ticksWhileComputing;
    });
    expect(ticks).toBeGreaterThan(3);
  });

  test("more calls than workers wait their turn; the pool never grows past its size", async () => {
    let mostWorkers = 0;
    const results = await withoutLeaks((loops) => run(function* () {
      const loop = remember(loops);
      const calls = Array.from({ length: THREAD_POOL_SIZE * 2 + 1 }, (_, i) => toThread(fib, 15 + (i % 3)));
      const watcher = createTask(function* () {
        for (;;) {
          mostWorkers = Math.max(mostWorkers, _threadWorkerCount(loop));
          yield* sleep(1);
        }
      });
      const values = yield* gather(calls.map((call) => (function* () { return yield* call; })()));
      watcher.cancel();
      return values;
    }));
    expect(results).toEqual(Array.from({ length: THREAD_POOL_SIZE * 2 + 1 }, (_, i) => fib(15 + (i % 3))));
    expect(mostWorkers).toBeGreaterThan(0);
    expect(mostWorkers).toBeLessThanOrEqual(THREAD_POOL_SIZE);
  });

  test("cancelling the awaiting task abandons the result and the busy worker is replaced", async () => {
    const outcome = await withoutLeaks((loops) => run(function* () {
      const loop = remember(loops);
      // Never returns on its own: only stopping its worker ends it.
      const task = createTask(function* () { return yield* toThread(() => { for (;;) { /* spin */ } }); });
      yield* sleep(0);
      yield* sleep(0);
      const busyWorkers = _threadWorkerCount(loop);
      task.cancel("no longer needed");
      let cancelled = false;
      try {
        yield* task;
      } catch (error) {
        cancelled = error instanceof CancelledError;
      }
      const afterCancel = _threadWorkerCount(loop);
      // The pool serves the next call with a fresh worker.
      const next = yield* toThread(fib, 10);
      return { busyWorkers, cancelled, afterCancel, next };
    }));
    expect(outcome).toEqual({ busyWorkers: 1, cancelled: true, afterCancel: 0, next: 55 });
  });

  test("waitFor around toThread: the worker is stopped at the deadline, TimeoutError raised", async () => {
    const name = await withoutLeaks((loops) => run(function* () {
      const loop = remember(loops);
      try {
        yield* waitFor(toThread(() => { for (;;) { /* spin */ } }), 50);
        return "finished?";
      } catch (error) {
        return `${(error as Error).name} with ${_threadWorkerCount(loop)} workers`;
      }
    }));
    expect(name).toBe("TimeoutError with 0 workers");
    expect(TimeoutError.name).toBe("TimeoutError");
  });

  test("run() stops workers still running when main ends", async () => {
    await withoutLeaks((loops) => run(function* () {
      const loop = remember(loops);
      createTask(function* () { yield* toThread(() => { for (;;) { /* spin */ } }); });
      yield* sleep(0);
      yield* sleep(0);
      expect(_threadWorkerCount(loop)).toBe(1);
    }));
  });

  test("instrumented as an await of kind \"thread\" labelled with the function's name", async () => {
    const targets: AwaitTarget[] = [];
    const instrument: Instrument = { afterTaskStep(_task, waitingOn) { if (waitingOn !== null) targets.push(waitingOn); } };
    addInstrument(instrument);
    try {
      await run(function* () { yield* toThread(fib, 12); });
    } finally {
      removeInstrument(instrument);
    }
    expect(targets).toContainEqual({ kind: "thread", label: "fib" });
  });
});
