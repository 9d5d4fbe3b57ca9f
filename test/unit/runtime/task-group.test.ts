/* eslint-disable require-yield -- coroutines that finish without suspending are ordinary test subjects */
/** taskGroup and TaskGroup (asyncio/taskgroups.py; test_taskgroups.py, with 3.13's rules). */
import { describe, expect, test } from "vitest";
import {
  CancelledError, EventLoop, ExceptionGroup, RuntimeError, TaskGroup,
  createTask, currentTask, getRunningLoop, sleep, taskGroup, timeout,
  type Operation, type Task,
} from "../../../src/runtime/index.ts";
import { runVirtual } from "./helpers.ts";

class MyError extends Error {
  constructor(message = "my error") {
    super(message);
    this.name = "MyError";
  }
}

function time(): number {
  return getRunningLoop().time();
}

function* crashAfter(ms: number, message: string): Generator<unknown, never, unknown> {
  yield* sleep(ms);
  throw new MyError(message);
}

/** The errors of an ExceptionGroup as "Name: message" lines (nested groups in brackets). */
function describeGroup(error: unknown): unknown {
  if (error instanceof ExceptionGroup) return error.exceptions.map(describeGroup);
  return `${(error as Error).name}: ${(error as Error).message}`;
}

/** Runs `body` and returns what it threw, or fails if it did not throw. */
function* caught(body: () => Operation<unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* body();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("taskGroup waits for its children", () => {
  test("the group ends when its last child does, and returns the body's value", async () => {
    await runVirtual(function* () {
      let t1: Task<number> | null = null;
      let t2: Task<number> | null = null;
      const value = yield* taskGroup(function* (tg) {
        t1 = tg.createTask(sleep(100, 42));
        t2 = tg.createTask(sleep(200, 11));
        return "body value";
      });
      expect(value).toBe("body value");
      expect([t1!.result(), t2!.result(), time()]).toEqual([42, 11, 200]);
    });
  });

  test("children can be added while the body runs, and by other children", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      yield* taskGroup(function* (tg) {
        tg.createTask(sleep(100));
        yield* sleep(150);
        tg.createTask(function* () {
          yield* sleep(10);
          tg.createTask(function* () {
            yield* sleep(100);
            log.push(`grandchild done at ${time()}`);
          });
        });
      });
      log.push(`group done at ${time()}`);
    });
    expect(log).toEqual(["grandchild done at 260", "group done at 260"]);
  });

  test("a child cancelled on its own does not disturb the group", async () => {
    await runVirtual(function* () {
      let t1: Task<number> | null = null;
      let t2: Task<number> | null = null;
      yield* taskGroup(function* (tg) {
        t1 = tg.createTask(sleep(1000, 42));
        yield* sleep(150);
        t1.cancel();
        t2 = tg.createTask(sleep(200, 11));
      });
      expect(t1!.cancelled()).toBe(true);
      expect(t2!.result()).toBe(11);
      expect(time()).toBe(350);
    });
  });

  test("createTask passes the name on", async () => {
    await runVirtual(function* () {
      yield* taskGroup(function* (tg) {
        const task = tg.createTask(sleep(0), { name: "yolo" });
        expect(task.getName()).toBe("yolo");
        expect(task.parent).toBe(currentTask());
      });
    });
  });

  test("a long chain of children spawning children is awaited to the end", async () => {
    let spawned = 0;
    const error = await runVirtual(function* () {
      return yield* caught(() => taskGroup(function* (tg) {
        const hydra = (): Generator<unknown, void, unknown> => function* () {
          spawned++;
          yield* sleep(10);
          tg.createTask(hydra());
          tg.createTask(hydra());
        }();
        tg.createTask(hydra());
        tg.createTask(function* () {
          while (spawned < 10) yield* sleep(15);
          throw new MyError("hercules");
        });
      }));
    });
    expect(describeGroup(error)).toEqual(["MyError: hercules"]);
    expect(spawned).toBeGreaterThanOrEqual(10);
  });
});

describe("taskGroup errors", () => {
  test("a child's error cancels the other children and the body, then an ExceptionGroup of it is raised", async () => {
    const log: string[] = [];
    let sibling: Task<void> | null = null;
    const error = await runVirtual(function* () {
      return yield* caught(function* () {
        yield* taskGroup(function* (tg) {
          tg.createTask(crashAfter(100, "child failed"));
          sibling = tg.createTask(function* () {
            try {
              yield* sleep(5000);
            } catch (cancelled) {
              log.push(`sibling cancelled at ${time()}`);
              throw cancelled;
            }
          });
          try {
            yield* sleep(10_000);
          } catch (cancelled) {
            log.push(`body cancelled at ${time()}: ${(cancelled as Error).name}`);
            throw cancelled;
          }
        });
        log.push("after the group: never");
      });
    });
    expect(error).toBeInstanceOf(ExceptionGroup);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as ExceptionGroup).message).toBe("unhandled errors in a TaskGroup (1 sub-exception)");
    expect(describeGroup(error)).toEqual(["MyError: child failed"]);
    expect((error as ExceptionGroup).errors).toEqual((error as ExceptionGroup).exceptions);
    expect(log).toEqual(["sibling cancelled at 100", "body cancelled at 100: CancelledError"]);
    expect(sibling!.cancelled()).toBe(true);
  });

  test("children failing in the same step all join the ExceptionGroup", async () => {
    const error = await runVirtual(function* () {
      return yield* caught(() => taskGroup(function* (tg) {
        for (const name of ["a", "b", "c"]) tg.createTask(crashAfter(100, name));
        tg.createTask(sleep(5000));
        yield* sleep(10_000);
      }));
    });
    expect(describeGroup(error)).toEqual(["MyError: a", "MyError: b", "MyError: c"]);
  });

  test("after the group raised its children's errors, the task is not left cancelled", async () => {
    await runVirtual(function* () {
      const error = yield* caught(() => taskGroup(function* (tg) {
        tg.createTask(function* () {
          throw new MyError("at once");
        });
      }));
      expect(describeGroup(error)).toEqual(["MyError: at once"]);
      expect(currentTask()!.cancelling()).toBe(0);
      yield* sleep(1);
      expect(time()).toBe(1);
    });
  });

  test("if the body throws, the children are cancelled and the body's error joins the group", async () => {
    await runVirtual(function* () {
      for (const sleepFirst of [false, true]) {
        const children: Task<number>[] = [];
        const error = yield* caught(() => taskGroup(function* (tg) {
          children.push(tg.createTask(sleep(1000, 42)));
          children.push(tg.createTask(sleep(2000, 11)));
          if (sleepFirst) yield* sleep(100);
          throw new MyError("body failed");
        }));
        expect(describeGroup(error)).toEqual(["MyError: body failed"]);
        expect(children.map((c) => c.cancelled())).toEqual([true, true]);
      }
      expect(time()).toBe(100);
    });
  });

  test("a child's error and an error the body raises while being cancelled are both in the group", async () => {
    const error = await runVirtual(function* () {
      return yield* caught(() => taskGroup(function* (tg) {
        tg.createTask(crashAfter(100, "child"));
        try {
          yield* sleep(10_000);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new MyError("body");
        }
      }));
    });
    expect(describeGroup(error)).toEqual(["MyError: child", "MyError: body"]);
  });

  test("a body that turns the cancellation into another error raises that error in the group", async () => {
    const log: string[] = [];
    const error = await runVirtual(function* () {
      const runner = createTask(function* () {
        yield* taskGroup(function* () {
          try {
            yield* sleep(10_000);
          } catch {
            log.push("body cancelled");
            throw new MyError("instead of CancelledError");
          }
        });
      });
      yield* sleep(100);
      runner.cancel();
      return yield* caught(function* () {
        yield* runner;
      });
    });
    expect(describeGroup(error)).toEqual(["MyError: instead of CancelledError"]);
    expect(log).toEqual(["body cancelled"]);
  });

  test("nested groups: an error in the outer group's child cancels the inner group", async () => {
    const error = await runVirtual(function* () {
      return yield* caught(() => taskGroup(function* (outer) {
        outer.createTask(crashAfter(100, "outer child"));
        yield* taskGroup(function* (inner) {
          inner.createTask(crashAfter(10_000, "inner child"));
        });
      }));
    });
    expect(describeGroup(error)).toEqual(["MyError: outer child"]);
  });

  test("nested groups: an error in the inner group reaches the outer one as a nested ExceptionGroup", async () => {
    const error = await runVirtual(function* () {
      return yield* caught(() => taskGroup(function* (outer) {
        outer.createTask(crashAfter(10_000, "outer child"));
        yield* taskGroup(function* (inner) {
          inner.createTask(crashAfter(100, "inner child"));
        });
      }));
    });
    expect(describeGroup(error)).toEqual([["MyError: inner child"]]);
  });

  test("nested groups whose children fail at the same moment raise both errors and do not hang", async () => {
    await runVirtual(function* () {
      const error = yield* caught(() => taskGroup(function* (outer) {
        outer.createTask(crashAfter(100, "outer child"));
        yield* taskGroup(function* (inner) {
          inner.createTask(crashAfter(100, "inner child"));
        });
      }));
      expect(describeGroup(error)).toEqual(["MyError: outer child", ["MyError: inner child"]]);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(time()).toBe(100);
    });
  });
});

describe("taskGroup and outside cancellation", () => {
  test("cancelling the enclosing task cancels the children and CancelledError propagates with its message", async () => {
    let cancelledChildren = 0;
    const error = await runVirtual(function* () {
      const runner = createTask(function* () {
        yield* taskGroup(function* (tg) {
          for (let k = 0; k < 5; k++) {
            tg.createTask(function* () {
              try {
                yield* sleep(5000);
              } catch (cancelled) {
                cancelledChildren++;
                throw cancelled;
              }
            });
          }
        });
      });
      yield* sleep(100);
      expect(runner.done()).toBe(false);
      runner.cancel("test");
      return yield* caught(function* () {
        yield* runner;
      });
    });
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toBe("test");
    expect(cancelledChildren).toBe(5);
  });

  test("the body sees the outside cancellation too, as do the children", async () => {
    let count = 0;
    await runVirtual(function* () {
      const runner = createTask(function* () {
        yield* taskGroup(function* (tg) {
          for (let k = 0; k < 5; k++) {
            tg.createTask(function* () {
              try {
                yield* sleep(5000);
              } catch (cancelled) {
                count += 1;
                throw cancelled;
              }
            });
          }
          try {
            yield* sleep(10_000);
          } catch (cancelled) {
            count += 10;
            throw cancelled;
          }
        });
      });
      yield* sleep(100);
      runner.cancel();
      expect(yield* caught(function* () {
        yield* runner;
      })).toBeInstanceOf(CancelledError);
      expect(runner.cancelled()).toBe(true);
    });
    expect(count).toBe(15);
  });

  test("an outside cancellation that comes before the children fail cancels them before they can", async () => {
    const error = await runVirtual(function* () {
      const runner = createTask(function* () {
        yield* taskGroup(function* (tg) {
          for (let k = 0; k < 5; k++) tg.createTask(crashAfter(100, "too late"));
          yield* sleep(10_000);
        });
      });
      yield* sleep(99);
      runner.cancel("test");
      return yield* caught(function* () {
        yield* runner;
      });
    });
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toBe("test");
  });

  test("an outside cancellation of a group that only waits for its children propagates CancelledError", async () => {
    await runVirtual(function* () {
      const runner = createTask(function* () {
        yield* taskGroup(function* (tg) {
          tg.createTask(sleep(1000));
          tg.createTask(sleep(2000));
        });
      });
      yield* sleep(50);
      runner.cancel();
      expect(yield* caught(function* () {
        yield* runner;
      })).toBeInstanceOf(CancelledError);
      expect(time()).toBe(50);
    });
  });

  test("an outside cancellation propagates through nested groups", async () => {
    await runVirtual(function* () {
      for (const outerChild of [false, true]) {
        const runner = createTask(function* () {
          yield* taskGroup(function* (outer) {
            if (outerChild) outer.createTask(sleep(10_000));
            yield* taskGroup(function* (inner) {
              for (let k = 0; k < 5; k++) inner.createTask(crashAfter(100, "late"));
              yield* sleep(10_000);
            });
          });
        });
        yield* sleep(50);
        runner.cancel();
        expect(yield* caught(function* () {
          yield* runner;
        })).toBeInstanceOf(CancelledError);
      }
    });
  });

  test("an empty group's body cancelled from outside propagates CancelledError", async () => {
    let seen = 0;
    await runVirtual(function* () {
      const runner = createTask(function* () {
        yield* taskGroup(function* () {
          try {
            yield* sleep(10_000);
          } catch (cancelled) {
            seen += 10;
            throw cancelled;
          }
        });
      });
      yield* sleep(100);
      runner.cancel();
      expect(yield* caught(function* () {
        yield* runner;
      })).toBeInstanceOf(CancelledError);
    });
    expect(seen).toBe(10);
  });

  test("a child's error while the task is being cancelled from outside wins, and the task is cancelled again at its next await", async () => {
    // asyncio 3.13 (gh-116720): the ExceptionGroup is raised and the parent is re-cancelled.
    const log: string[] = [];
    await runVirtual(function* () {
      const runner = createTask(function* () {
        try {
          yield* taskGroup(function* (tg) {
            tg.createTask(crashAfter(300, "crashed"));
            try {
              yield* sleep(10_000);
            } catch (cancelled) {
              yield* sleep(500);
              throw cancelled;
            }
          });
        } catch (error) {
          log.push(`group raised ${JSON.stringify(describeGroup(error))} at ${time()}`);
        }
        try {
          yield* sleep(1);
          log.push("next await was not cancelled");
        } catch (cancelled) {
          log.push(`next await raised ${(cancelled as Error).name}`);
          throw cancelled;
        }
      });
      yield* sleep(100);
      runner.cancel();
      yield* caught(function* () {
        yield* runner;
      });
      expect(runner.cancelled()).toBe(true);
    });
    expect(log).toEqual(['group raised ["MyError: crashed"] at 300', "next await raised CancelledError"]);
  });

  test("a child's error while the task awaits another task still reaches the awaiter as an ExceptionGroup", async () => {
    const error = await runVirtual(function* () {
      const nested = createTask(function* () {
        yield* taskGroup(function* (tg) {
          tg.createTask(crashAfter(300, "crashed"));
          try {
            yield* sleep(10_000);
          } catch (cancelled) {
            yield* sleep(500);
            throw cancelled;
          }
        });
      });
      const runner = createTask(function* () {
        yield* nested;
      });
      yield* sleep(100);
      runner.cancel();
      return yield* caught(function* () {
        yield* runner;
      });
    });
    expect(describeGroup(error)).toEqual(["MyError: crashed"]);
  });
});

describe("taskGroup inside a timeout scope", () => {
  test("a deadline that passes while the group waits for its children cancels them and raises TimeoutError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const error = yield* caught(() => timeout(50, function* () {
        yield* taskGroup(function* (tg) {
          tg.createTask(function* () {
            try {
              yield* sleep(100);
            } catch (cancelled) {
              log.push(`child cancelled at ${time()}`);
              throw cancelled;
            }
          });
        });
      }));
      log.push(`scope raised ${(error as Error).name} at ${time()}`);
      expect(currentTask()!.cancelling()).toBe(0);
    });
    expect(log).toEqual(["child cancelled at 50", "scope raised TimeoutError at 50"]);
  });

  test("a child's error before the deadline reaches past the scope as an ExceptionGroup", async () => {
    await runVirtual(function* () {
      const error = yield* caught(() => timeout(50, function* () {
        yield* taskGroup(function* (tg) {
          tg.createTask(crashAfter(10, "early"));
          yield* sleep(1000);
        });
      }));
      expect(describeGroup(error)).toEqual(["MyError: early"]);
      expect(currentTask()!.cancelling()).toBe(0);
      yield* sleep(100);
      expect(time()).toBe(110);
    });
  });
});

describe("TaskGroup misuse", () => {
  test("createTask on a finished group throws RuntimeError, as does one shutting down", async () => {
    await runVirtual(function* () {
      let group: TaskGroup | null = null;
      yield* taskGroup(function* (tg) {
        group = tg;
        tg.createTask(sleep(1));
      });
      expect(() => group!.createTask(sleep(1))).toThrow(RuntimeError);
      expect(() => group!.createTask(sleep(1))).toThrow(/<TaskGroup#\d+ exiting tasks=0 errors=0> is finished/);
      const messages: string[] = [];
      yield* caught(() => taskGroup(function* (tg) {
        tg.createTask(function* () {
          yield* sleep(5);
          throw new MyError("boom");
        });
        tg.createTask(function* () {
          try {
            yield* sleep(100);
          } finally {
            try {
              tg.createTask(sleep(1));
            } catch (error) {
              messages.push((error as Error).message);
            }
          }
        });
      }));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/is shutting down$/);
    });
  });

  test("a TaskGroup that was never entered refuses tasks", () => {
    expect(() => new TaskGroup().createTask(sleep(1))).toThrow(/has not been entered$/);
  });

  test("a group can only run inside a task", async () => {
    const loop = new EventLoop({ clock: "virtual" });
    const outcome = loop.createFuture<string>();
    loop.callSoon(() => {
      try {
        taskGroup(function* () {})[Symbol.iterator]().next();
        outcome.setResult("entered");
      } catch (error) {
        outcome.setResult((error as Error).message);
      }
    });
    expect(await loop.runUntilComplete(outcome)).toMatch(/^<TaskGroup#\d+ created tasks=0 errors=0> cannot determine the parent task$/);
    expect(() => taskGroup(function* () {})[Symbol.iterator]().next()).toThrow(/no running event loop/);
  });
});
