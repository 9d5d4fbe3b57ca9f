/** The runtime's error classes: names, messages and shapes (asyncio/exceptions.py). */
import { describe, expect, test } from "vitest";
import {
  BrokenBarrierError, CancelledError, ExceptionGroup, InvalidStateError, QueueEmpty, QueueFull,
  QueueShutDown, RuntimeError, TimeoutError,
  createTask, run, sleep,
} from "../../../src/runtime/index.ts";

describe("error classes", () => {
  test("each error's name equals its class name, and String() shows it", () => {
    const errors = [
      new CancelledError("c"), new TimeoutError("t"), new InvalidStateError("i"), new RuntimeError("r"),
      new QueueEmpty(), new QueueFull(), new QueueShutDown(), new BrokenBarrierError(),
      new ExceptionGroup("g", []),
    ];
    expect(errors.map((e) => e.name)).toEqual([
      "CancelledError", "TimeoutError", "InvalidStateError", "RuntimeError",
      "QueueEmpty", "QueueFull", "QueueShutDown", "BrokenBarrierError", "ExceptionGroup",
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(String(error).startsWith(`${error.name}:`)).toBe(true);
      expect(Object.keys(error)).not.toContain("name");
    }
  });

  test("errors without a message given say what happened", () => {
    expect(new CancelledError().message).toBe("");
    expect(new TimeoutError().message).toBe("");
    expect(new QueueEmpty().message).toBe("queue is empty");
    expect(new QueueFull().message).toBe("queue is full");
    expect(new QueueShutDown().message).toBe("queue is shut down");
    expect(new BrokenBarrierError().message).toBe("barrier is broken");
  });

  test("a TimeoutError can carry the CancelledError it replaced as its cause", () => {
    const cause = new CancelledError();
    expect(new TimeoutError("late", { cause }).cause).toBe(cause);
  });

  test("an ExceptionGroup is an AggregateError whose exceptions are a frozen copy of its errors", () => {
    const inner = [new Error("a"), new TypeError("b")];
    const group = new ExceptionGroup("two failures", inner);
    inner.push(new Error("added later"));
    expect(group).toBeInstanceOf(AggregateError);
    expect(group.message).toBe("two failures");
    expect(group.exceptions.map((e) => (e as Error).message)).toEqual(["a", "b"]);
    expect(group.errors).toEqual([...group.exceptions]);
    expect(Object.isFrozen(group.exceptions)).toBe(true);
  });

  test("a cancellation the loop delivers is a CancelledError with its message, and leaves the stack trace limit as it was", async () => {
    const limit = Error.stackTraceLimit;
    const caught = await run(function* () {
      const sleeper = createTask(sleep(60_000));
      yield* sleep(0);
      sleeper.cancel("enough");
      try {
        yield* sleeper;
      } catch (error) {
        return error;
      }
      return null;
    }, { clock: "virtual" });
    expect(caught).toBeInstanceOf(CancelledError);
    expect(String(caught)).toBe("CancelledError: enough");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(typeof (caught as Error).stack).toBe("string");
  });
});
