/** wait and asCompleted (asyncio/tasks.py; the wait and as_completed tests of test_tasks.py). */
import { describe, expect, test } from "vitest";
import {
  CancelledError, EventLoop, TimeoutError,
  asCompleted, createTask, gather, getRunningLoop, sleep, wait, waitFor,
  type Future, type Operation,
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

function time(): number {
  return getRunningLoop().time();
}

/** Names the futures of a set, for comparing sets by eye. */
function names(futures: Set<Future<unknown>>, named: Map<Future<unknown>, string>): string[] {
  return [...futures].map((f) => named.get(f) ?? "?").sort();
}

describe("wait", () => {
  test("by default it returns when every future is done", async () => {
    await runVirtual(function* () {
      const a = createTask(sleep(10, "a"));
      const b = createTask(sleep(15, "b"));
      const [done, pending] = yield* wait([b, a]);
      expect(done).toEqual(new Set([a, b]));
      expect(pending.size).toBe(0);
      expect(getRunningLoop().time()).toBe(15);
    });
  });

  test("FIRST_COMPLETED returns at the first completion and leaves the rest running", async () => {
    await runVirtual(function* () {
      const a = createTask(sleep(10_000));
      const b = createTask(sleep(10, "b"));
      const named = new Map<Future<unknown>, string>([[a, "a"], [b, "b"]]);
      const [done, pending] = yield* wait([b, a], { returnWhen: "FIRST_COMPLETED" });
      expect([names(done, named), names(pending, named)]).toEqual([["b"], ["a"]]);
      expect(getRunningLoop().time()).toBe(10);
      expect(a.cancelled()).toBe(false);
      a.cancel();
    });
  });

  test("FIRST_EXCEPTION returns at the first error", async () => {
    await runVirtual(function* () {
      const a = createTask(sleep(10_000));
      const b = createTask(failAfter(10, "b failed"));
      const named = new Map<Future<unknown>, string>([[a, "a"], [b, "b"]]);
      const [done, pending] = yield* wait([a, b], { returnWhen: "FIRST_EXCEPTION" });
      expect([names(done, named), names(pending, named)]).toEqual([["b"], ["a"]]);
      expect((b.exception() as Error).message).toBe("b failed");
      expect(getRunningLoop().time()).toBe(10);
      a.cancel();
    });
  });

  test("FIRST_EXCEPTION waits for everything when nothing fails, and a cancellation is not an error", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const a = createTask(sleep(10));
      const cancelled = createTask(sleep(10_000));
      const b = createTask(sleep(20));
      loop.callLater(5, () => cancelled.cancel());
      const [done, pending] = yield* wait([a, cancelled, b], { returnWhen: "FIRST_EXCEPTION" });
      expect(done).toEqual(new Set([a, cancelled, b]));
      expect(pending.size).toBe(0);
      expect(loop.time()).toBe(20);
    });
  });

  test("with a timeout it returns what is done by then, and neither raises nor cancels", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const a = createTask(sleep(10, "a"));
      const b = createTask(sleep(15, "b"));
      const named = new Map<Future<unknown>, string>([[a, "a"], [b, "b"]]);
      const [done, pending] = yield* wait([a, b], { timeout: 11 });
      expect([names(done, named), names(pending, named), loop.time()]).toEqual([["a"], ["b"], 11]);
      expect(b.cancelled()).toBe(false);
      expect(yield* b).toBe("b");
      expect(loop.time()).toBe(15);
    });
  });

  test("with a timeout that is not needed it returns as soon as the condition holds", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const a = createTask(sleep(10));
      const [done] = yield* wait([a], { timeout: 1000 });
      expect(done).toEqual(new Set([a]));
      expect(loop.time()).toBe(10);
    });
  });

  test("futures already done are returned as done", async () => {
    const loop = virtualLoop();
    const finished = loop.createFuture<number>();
    finished.setResult(1);
    const open = loop.createFuture<number>();
    const [done, pending] = await loop.runUntilComplete(wait([finished, open], { returnWhen: "FIRST_COMPLETED" }));
    expect(done).toEqual(new Set([finished]));
    expect(pending).toEqual(new Set([open]));
  });

  test("cancelling the waiting task does not cancel the futures it waits for", async () => {
    const loop = virtualLoop();
    const gate = loop.createFuture<void>();
    let proof = 0;
    const outer = loop.createTask(function* () {
      yield* wait([createTask(function* () {
        yield* gate;
        proof += 1;
      })]);
      proof += 100;
    });
    await runBriefly(loop);
    expect(outer.cancel()).toBe(true);
    await expect(loop.runUntilComplete(outer)).rejects.toThrow(CancelledError);
    gate.setResult();
    await runBriefly(loop);
    expect(proof).toBe(1);
  });

  test("a task in wait() is shown waiting on it", async () => {
    await runVirtual(function* () {
      const a = createTask(sleep(10));
      const b = createTask(sleep(20));
      const waiter = createTask(wait([a, b], { returnWhen: "FIRST_COMPLETED", timeout: 500 }));
      yield* sleep(1);
      expect(waiter.waitingOn()).toEqual({ kind: "wait", label: "wait(2, FIRST_COMPLETED, 500ms)" });
      yield* waiter;
      yield* b;
    });
  });

  test("wait rejects a single future, an empty set, non-futures and an unknown returnWhen", () => {
    const loop = virtualLoop();
    const future = loop.createFuture<void>();
    expect(() => wait(future as never)).toThrow(TypeError);
    expect(() => wait(future as never)).toThrow("wait() expects an iterable of futures, not a single future");
    expect(() => wait([])).toThrow(RangeError);
    expect(() => wait([])).toThrow("wait(): the set of tasks/futures is empty");
    expect(() => wait([42 as never])).toThrow("wait() accepts only futures and tasks: wrap coroutines with createTask() first");
    expect(() => wait([future], { returnWhen: "SOMETIMES" as never })).toThrow('wait(): invalid returnWhen "SOMETIMES"');
  });
});

describe("asCompleted", () => {
  test("each operation returns the next result to complete, in completion order", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      for (const next of asCompleted([sleep(30, "a"), sleep(10, "b"), sleep(20, "c")])) {
        log.push(`${yield* next} at ${loop.time()}`);
      }
    });
    expect(log).toEqual(["b at 10", "c at 20", "a at 30"]);
  });

  test("an error is thrown by the operation for its completion; the rest go on", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      for (const next of asCompleted([sleep(10, "ok"), failAfter(5, "first to finish")])) {
        try {
          log.push(`result ${yield* next}`);
        } catch (error) {
          log.push(`error ${(error as Error).message}`);
        }
      }
    });
    expect(log).toEqual(["error first to finish", "result ok"]);
  });

  test("with a timeout, the operations not completed by then throw TimeoutError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      for (const next of asCompleted([sleep(10, "a"), sleep(15, "b")], { timeout: 12 })) {
        try {
          log.push(`${yield* next} at ${loop.time()}`);
        } catch (error) {
          log.push(`${(error as Error).name} at ${loop.time()}: ${(error as Error).message}`);
        }
      }
    });
    expect(log).toEqual(["a at 10", "TimeoutError at 12: asCompleted(): 12 ms passed"]);
  });

  test("a timeout that is not needed does not fire", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      for (const next of asCompleted([sleep(10, "a")], { timeout: 1000 })) log.push(`${yield* next} at ${loop.time()}`);
      yield* sleep(2000);
      log.push(`still fine at ${loop.time()}`);
    });
    expect(log).toEqual(["a at 10", "still fine at 2010"]);
  });

  test("the operations are interchangeable: awaiting them out of order still gives completion order", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const operations = [...asCompleted([sleep(50, "a"), sleep(100, "b")])];
      log.push(`${yield* operations[1]!} at ${time()}`);
      log.push(`${yield* operations[0]!} at ${time()}`);
    });
    expect(log).toEqual(["a at 50", "b at 100"]);
  });

  test("operations awaited concurrently each get a different result", async () => {
    const results = await runVirtual(function* () {
      const operations = [...asCompleted([sleep(50, "a"), sleep(50, "b")])];
      expect(operations).toHaveLength(2);
      const consume = (op: Operation<string>) => function* () {
        return yield* op;
      }();
      // waitFor turns a hang into a TimeoutError on the virtual clock.
      return yield* waitFor(gather(operations.map(consume)), 1000);
    });
    expect([...results].sort()).toEqual(["a", "b"]);
  });

  test("the same awaitable passed twice is counted once, and nothing yields nothing", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(1, "x"));
      const operations = [...asCompleted([task, task])];
      expect(operations).toHaveLength(1);
      expect(yield* operations[0]!).toBe("x");
      expect([...asCompleted([])]).toEqual([]);
    });
  });

  test("a TimeoutError from asCompleted is the runtime's TimeoutError", async () => {
    const error = await runVirtual(function* () {
      const [only] = [...asCompleted([sleep(100)], { timeout: 1 })];
      try {
        yield* only!;
        return null;
      } catch (caught) {
        return caught;
      }
    });
    expect(error).toBeInstanceOf(TimeoutError);
  });
});
