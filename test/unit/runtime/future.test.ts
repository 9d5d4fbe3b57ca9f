/* eslint-disable require-yield -- coroutines that finish without suspending are ordinary test subjects */
/** Future: states, results, errors, cancellation and done callbacks (asyncio/futures.py). */
import { describe, expect, test } from "vitest";
import {
  CancelledError, EventLoop, Future, InvalidStateError, createTask, gather, getRunningLoop, run, sleep,
} from "../../../src/runtime/index.ts";

function virtualLoop(): EventLoop {
  return new EventLoop({ clock: "virtual" });
}

describe("Future states", () => {
  test("a pending future is not done, and result() and exception() throw InvalidStateError saying it is not ready", () => {
    const future = virtualLoop().createFuture<number>();
    expect(future.done()).toBe(false);
    expect(future.cancelled()).toBe(false);
    expect(() => future.result()).toThrow(InvalidStateError);
    expect(() => future.result()).toThrow(/result\(\) called on <Future pending>: the result is not ready yet/);
    expect(() => future.exception()).toThrow(InvalidStateError);
    expect(() => future.exception()).toThrow(/not ready yet/);
  });

  test("setResult completes the future: result() returns the value and exception() returns null", () => {
    const future = virtualLoop().createFuture<string>();
    future.setResult("value");
    expect(future.done()).toBe(true);
    expect(future.cancelled()).toBe(false);
    expect(future.result()).toBe("value");
    expect(future.exception()).toBeNull();
    expect(String(future)).toBe('<Future finished result="value">');
  });

  test("setException makes result() throw the error and exception() return it", () => {
    const future = virtualLoop().createFuture<string>();
    const error = new RangeError("bad");
    future.setException(error);
    expect(future.done()).toBe(true);
    expect(() => future.result()).toThrow(error);
    expect(future.exception()).toBe(error);
    expect(String(future)).toBe('<Future finished exception=RangeError("bad")>');
  });

  test("setting the result or the error of a done future throws InvalidStateError and changes nothing", () => {
    const future = virtualLoop().createFuture<number>();
    future.setResult(1);
    expect(() => future.setResult(2)).toThrow(InvalidStateError);
    expect(() => future.setResult(2)).toThrow("setResult() called on <Future finished result=1>: it is already done");
    expect(() => future.setException(new Error("late"))).toThrow(InvalidStateError);
    expect(() => future.setException(new Error("late"))).toThrow(/setException\(\) called on .*: it is already done/);
    expect(future.cancel()).toBe(false);
    expect(future.result()).toBe(1);
  });

  test("a cancelled future throws CancelledError with the cancel message from result() and exception()", () => {
    const future = virtualLoop().createFuture<number>();
    expect(future.cancel("enough")).toBe(true);
    expect(future.done()).toBe(true);
    expect(future.cancelled()).toBe(true);
    expect(() => future.result()).toThrow(CancelledError);
    expect(() => future.result()).toThrow("enough");
    expect(() => future.exception()).toThrow(CancelledError);
    expect(future.cancel()).toBe(false);
    expect(() => future.setResult(1)).toThrow(InvalidStateError);
    expect(String(future)).toBe("<Future cancelled>");
  });

  test("a CancelledError without a message has an empty message and its class name as name", () => {
    const future = virtualLoop().createFuture<number>();
    future.cancel();
    let caught: unknown;
    try {
      future.result();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CancelledError);
    expect((caught as Error).message).toBe("");
    expect((caught as Error).name).toBe("CancelledError");
  });

  test("getLoop returns the loop the future was made on", () => {
    const loop = virtualLoop();
    expect(loop.createFuture().getLoop()).toBe(loop);
    expect(new Future(loop).getLoop()).toBe(loop);
  });
});

describe("Future done callbacks", () => {
  test("done callbacks run through the loop, never synchronously, in the order they were added", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    const log: string[] = [];
    future.addDoneCallback((f) => log.push(`first ${f.result()} ${f === future}`));
    future.addDoneCallback((f) => log.push(`second ${f.result()}`));
    future.setResult(7);
    log.push("after setResult");
    await loop.runUntilComplete(sleep(0));
    expect(log).toEqual(["after setResult", "first 7 true", "second 7"]);
  });

  test("a callback added to a done future is still called through the loop, not at once", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    future.cancel();
    const log: string[] = [];
    future.addDoneCallback((f) => log.push(`called cancelled=${f.cancelled()}`));
    log.push("added");
    await loop.runUntilComplete(sleep(0));
    expect(log).toEqual(["added", "called cancelled=true"]);
  });

  test("callbacks run for cancellation and for errors too, after callbacks that were already ready", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    const failed = loop.createFuture<number>();
    const cancelled = loop.createFuture<number>();
    failed.addDoneCallback((f) => log.push(`failed: ${(f.exception() as Error).message}`));
    cancelled.addDoneCallback((f) => log.push(`cancelled: ${f.cancelled()}`));
    loop.callSoon(() => log.push("ready before"));
    failed.setException(new Error("no"));
    cancelled.cancel();
    await loop.runUntilComplete(sleep(0));
    expect(log).toEqual(["ready before", "failed: no", "cancelled: true"]);
  });

  test("removeDoneCallback removes every registration of the callback and returns how many it removed", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<void>();
    const log: string[] = [];
    const removed = (): void => void log.push("removed one ran");
    const kept = (): void => void log.push("kept");
    future.addDoneCallback(removed);
    future.addDoneCallback(kept);
    future.addDoneCallback(removed);
    expect(future.removeDoneCallback(removed)).toBe(2);
    expect(future.removeDoneCallback(removed)).toBe(0);
    future.setResult();
    await loop.runUntilComplete(sleep(0));
    expect(log).toEqual(["kept"]);
  });

  test("removeDoneCallback on a future with no callbacks returns 0", () => {
    const future = virtualLoop().createFuture<void>();
    expect(future.removeDoneCallback(() => {})).toBe(0);
  });
});

describe("awaiting a Future", () => {
  test("a task resumes with the future's result through yield*, and through a bare yield", async () => {
    const loop = virtualLoop();
    const typed = loop.createFuture<number>();
    const bare = loop.createFuture<string>();
    const task = loop.createTask(function* () {
      const a = yield* typed;
      const b = (yield bare) as string;
      return `${a} ${b}`;
    });
    loop.callLater(10, () => typed.setResult(1));
    loop.callLater(20, () => bare.setResult("two"));
    expect(await loop.runUntilComplete(task)).toBe("1 two");
    expect(loop.time()).toBe(20);
  });

  test("a bare yield of a future or task that is already done resumes the task with its value", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    future.setResult(5);
    const failed = loop.createFuture<number>();
    failed.setException(new Error("already failed"));
    const finished = loop.createTask(function* () {
      return "task value";
    });
    const task = loop.createTask(function* () {
      const fromFuture = (yield future) as number;
      const fromTask = (yield finished) as string;
      try {
        yield failed;
      } catch (error) {
        return `${fromFuture} ${fromTask} ${(error as Error).message}`;
      }
      return "no error";
    });
    expect(await loop.runUntilComplete(task)).toBe("5 task value already failed");
  });

  test("a task awaiting a failed future has the error thrown in at the await", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    const task = loop.createTask(function* () {
      try {
        return yield* future;
      } catch (error) {
        return `caught ${(error as Error).message}`;
      }
    });
    loop.callSoon(() => future.setException(new Error("broken")));
    expect(await loop.runUntilComplete(task)).toBe("caught broken");
  });

  test("async code can await a future, which rejects with its error", async () => {
    const loop = virtualLoop();
    const ok = loop.createFuture<number>();
    const bad = loop.createFuture<number>();
    loop.callSoon(() => ok.setResult(3));
    loop.callSoon(() => bad.setException(new TypeError("nope")));
    expect(await ok).toBe(3);
    await expect(bad).rejects.toThrow(TypeError);
    expect(await ok.then((v) => v * 2)).toBe(6);
  });

  test("yield* on a done future does not suspend the task", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    future.setResult(5);
    const log: string[] = [];
    const task = loop.createTask(function* () {
      log.push("a: before");
      const value = yield* future;
      log.push(`a: after ${value}`);
    });
    loop.createTask(function* () {
      log.push("b");
    });
    await loop.runUntilComplete(task);
    // Had the await suspended, "b" would have run between the two lines of "a".
    expect(log).toEqual(["a: before", "a: after 5", "b"]);
  });

  test("a task can await a future made outside any task", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<number>();
    const waiter = createTask(function* () {
      return (yield* future) + 1;
    }, { loop });
    future.setResult(41);
    expect(await loop.runUntilComplete(waiter)).toBe(42);
  });
});

describe("a future's text form", () => {
  test("names what the future stands for, and survives minified class names", async () => {
    await run(function* () {
      const loop = getRunningLoop();
      const sleeping = loop.createFuture<void>();
      sleeping._target = { kind: "sleep", label: "sleep(100)" };
      expect(String(sleeping)).toBe("<Future sleep(100) pending>");
      const gathered = gather([sleep(1)]);
      expect(String(gathered)).toBe("<Future gather(1) pending>");
      yield* gathered;
    }, { clock: "virtual" });
  });
});
