/* eslint-disable require-yield -- coroutines that finish without suspending are ordinary test subjects */
/**
 * Instrumentation: every hook, in order, as a recording instrument sees it (trio's
 * TaskRecorder). Each test compares the whole sequence.
 */
import { describe, expect, onTestFinished, test, vi } from "vitest";
import {
  addInstrument, awaitPromise, createTask, gather, getRunningLoop, removeInstrument, run, shield, sleep,
  timeout, wait, waitFor,
  type Instrument, type Task,
} from "../../../src/runtime/index.ts";
import { busyWait, recordInstrument, runVirtual } from "./helpers.ts";

describe("task lifecycle hooks", () => {
  test("a task that awaits a child that sleeps: spawn, scheduled, steps with what they wait on, exit", async () => {
    const recording = recordInstrument();
    const result = await runVirtual(function* () {
      const child = createTask(function* () {
        yield* sleep(10);
        return 1;
      }, { name: "child" });
      return yield* child;
    }, "main");
    expect(result).toBe(1);
    expect(recording.events).toEqual([
      "spawn main parent=-",
      "scheduled main by=-",
      "before main",
      "spawn child parent=main",
      "scheduled child by=main",
      "after main task:child #child",
      "before child",
      "after child sleep:sleep(10)",
      "scheduled child by=-", // woken by a timer
      "before child",
      "scheduled main by=child", // child's result wakes main
      "after child ended",
      "exit child done",
      "before main",
      "after main ended",
      "exit main done",
    ]);
  });

  test("a refused yield gives the loop one turn, as a bare yield does: its step does not end the task", async () => {
    const recording = recordInstrument();
    const result = await runVirtual(function* () {
      try {
        yield 42;
      } catch (error) {
        return (error as Error).name;
      }
      return "not thrown in";
    }, "main");
    expect(result).toBe("RuntimeError");
    expect(recording.events).toEqual([
      "spawn main parent=-",
      "scheduled main by=-",
      "before main",
      "scheduled main by=main", // rescheduled, to have the error thrown in at the yield
      "after main sleep:sleep(0)",
      "before main",
      "after main ended",
      "exit main done",
    ]);
  });

  test("cancelling a task reports who asked, the wake-up it causes, and a cancelled exit", async () => {
    const recording = recordInstrument();
    await runVirtual(function* () {
      const child = createTask(sleep(100), { name: "child" });
      yield* sleep(0);
      child.cancel("stop");
      try {
        yield* child;
      } catch {
        // expected: CancelledError
      }
    }, "main");
    expect(recording.events).toEqual([
      "spawn main parent=-",
      "scheduled main by=-",
      "before main",
      "spawn child parent=main",
      "scheduled child by=main",
      "scheduled main by=main", // sleep(0): main re-schedules itself
      "after main sleep:sleep(0)",
      "before child",
      "after child sleep:sleep(100)",
      "before main",
      "cancel child msg=stop by=main",
      "scheduled child by=main",
      "after main task:child #child",
      "before child",
      "scheduled main by=child",
      "after child ended",
      "exit child cancelled",
      "before main",
      "after main ended",
      "exit main done",
    ]);
  });

  test("a failing task exits with an error, and reading its error reports exceptionRetrieved", async () => {
    const recording = recordInstrument();
    await runVirtual(function* () {
      const child = createTask(function* () {
        throw new Error("failed");
      }, { name: "child" });
      try {
        yield* child;
      } catch {
        // expected
      }
      child.exception(); // already read: no second report
    }, "main");
    expect(recording.events).toEqual([
      "spawn main parent=-",
      "scheduled main by=-",
      "before main",
      "spawn child parent=main",
      "scheduled child by=main",
      "after main task:child #child",
      "before child",
      "scheduled main by=child",
      "after child ended",
      "exit child error",
      "retrieved child", // main's wake-up reads the error
      "before main",
      "after main ended",
      "exit main done",
    ]);
  });

  test("a future completed by another task reports that task as the one that woke the waiter", async () => {
    const recording = recordInstrument({ only: (task) => task.getName() === "waiter" });
    await runVirtual(function* () {
      const future = getRunningLoop().createFuture<number>();
      const waiter = createTask(function* () {
        return yield* future;
      }, { name: "waiter" });
      yield* sleep(0);
      future.setResult(1);
      yield* waiter;
    }, "main");
    expect(recording.events).toEqual([
      "spawn waiter parent=main",
      "scheduled waiter by=main",
      "before waiter",
      "after waiter future:Future",
      "scheduled waiter by=main",
      "before waiter",
      "after waiter ended",
      "exit waiter done",
    ]);
  });

  test("an async-function task is one opaque span waiting on its promise", async () => {
    const recording = recordInstrument();
    await run(async function fetchAll() {
      await Promise.resolve();
      return 1;
    }, { clock: "virtual", name: "opaque" });
    expect(recording.events).toEqual([
      "spawn opaque parent=-",
      "scheduled opaque by=-",
      "before opaque",
      "after opaque promise:fetchAll()",
      "scheduled opaque by=-", // the promise settled: woken by the host
      "before opaque",
      "after opaque ended",
      "exit opaque done",
    ]);
  });
});

describe("what a task is shown waiting on", () => {
  test("each kind of await is reported with its kind, label and the awaited task's id", async () => {
    const recording = recordInstrument({ only: (task) => task.getName() === "main" });
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const future = loop.createFuture<void>();
      loop.callLater(1, () => future.setResult());
      yield* future;
      yield* awaitPromise(Promise.resolve(1), "fetch /a");
      yield* gather([sleep(1), sleep(2)]);
      yield* wait([createTask(sleep(1))]);
      yield* waitFor(createTask(sleep(1), { name: "t2" }), 100);
      yield* shield(createTask(sleep(1), { name: "t3" }));
      yield* createTask(sleep(1), { name: "t4" });
      yield* sleep(5);
      yield;
    }, "main");
    expect(recording.events.filter((line) => line.startsWith("after main"))).toEqual([
      "after main future:Future",
      "after main promise:fetch /a",
      "after main gather:gather(2)",
      "after main wait:wait(1, ALL_COMPLETED)",
      "after main waitFor:waitFor(100ms): t2 #t2",
      "after main shield:shield(t3) #t3",
      "after main task:t4 #t4",
      "after main sleep:sleep(5)",
      "after main sleep:sleep(0)",
      "after main ended",
    ]);
  });
});

describe("timeout hooks", () => {
  test("a timeout scope reports when it is armed and when it expires, and the cancellation it causes", async () => {
    const recording = recordInstrument();
    await runVirtual(function* () {
      try {
        yield* timeout(5, function* () {
          yield* sleep(10);
        });
      } catch {
        // expected: TimeoutError
      }
    }, "main");
    expect(recording.events).toEqual([
      "spawn main parent=-",
      "scheduled main by=-",
      "before main",
      "timeoutArmed main at=5",
      "after main sleep:sleep(10)",
      "timeoutExpired main", // reported first: the cancellation is its doing
      "cancel main msg=- by=-", // the deadline's timer cancels the task
      "scheduled main by=-",
      "before main",
      "after main ended",
      "exit main done",
    ]);
  });

  test("a scope left before its deadline is disarmed, and nested scopes are told apart", async () => {
    const scopes: string[] = [];
    const recorder: Instrument = {
      timeoutArmed: (_t, deadline, scope) => scopes.push(`armed ${scope} at=${deadline}`),
      timeoutDisarmed: (_t, scope) => scopes.push(`disarmed ${scope}`),
      timeoutExpired: (_t, scope) => scopes.push(`expired ${scope}`),
    };
    addInstrument(recorder);
    onTestFinished(() => removeInstrument(recorder));
    let outer = 0;
    let inner = 0;
    await runVirtual(function* () {
      try {
        yield* timeout(20, function* (o) {
          outer = o._id;
          yield* timeout(100, function* (i) {
            inner = i._id;
            yield* sleep(50);
          });
        });
      } catch {
        // expected: the outer scope's TimeoutError
      }
    }, "main");
    expect(scopes).toEqual([`armed ${outer} at=20`, `armed ${inner} at=100`, `expired ${outer}`, `disarmed ${inner}`]);
  });

  test("rescheduling a scope arms it again", async () => {
    const recording = recordInstrument();
    await runVirtual(function* () {
      yield* timeout(5, function* (scope) {
        scope.reschedule(50);
        scope.reschedule(null);
        yield* sleep(10);
      });
    }, "main");
    expect(recording.events.filter((line) => line.startsWith("timeout"))).toEqual([
      "timeoutArmed main at=5",
      "timeoutDisarmed main",
      "timeoutArmed main at=50",
      "timeoutDisarmed main",
    ]);
  });
});

describe("debug mode", () => {
  test("a step longer than slowStepMs is reported between its before and after hooks", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    onTestFinished(() => warnings.mockRestore());
    const recording = recordInstrument();
    await run(function* () {
      busyWait(20);
      yield* sleep(0);
    }, { clock: "virtual", debug: true, slowStepMs: 15, name: "main" });
    expect(recording.events).toEqual([
      "spawn main parent=-",
      "scheduled main by=-",
      "before main",
      "scheduled main by=main",
      "slowStep main ms>0",
      "after main sleep:sleep(0)",
      "before main",
      "after main ended",
      "exit main done",
    ]);
    expect(warnings).toHaveBeenCalledTimes(1);
  });
});

describe("instrument management", () => {
  test("an instrument that throws is removed and reported with console.error; the program and other instruments go on", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    onTestFinished(() => errors.mockRestore());
    const failure = new Error("instrument bug");
    const calls: string[] = [];
    const broken: Instrument = {
      beforeTaskStep(task: Task<unknown>) {
        calls.push(task.getName());
        throw failure;
      },
    };
    addInstrument(broken);
    onTestFinished(() => removeInstrument(broken));
    const recording = recordInstrument();
    const result = await runVirtual(function* () {
      yield* sleep(1);
      return "fine";
    }, "main");
    expect(result).toBe("fine");
    expect(calls).toEqual(["main"]);
    expect(errors.mock.calls).toEqual([["aioscope: instrument removed after its beforeTaskStep hook threw:", failure]]);
    expect(recording.events.filter((line) => line.startsWith("before"))).toEqual(["before main", "before main"]);
  });

  test("adding an instrument twice has no effect, and a removed instrument hears nothing more", async () => {
    const events: string[] = [];
    const instrument: Instrument = { taskExited: (task, outcome) => events.push(`${task.getName()} ${outcome}`) };
    addInstrument(instrument);
    addInstrument(instrument);
    onTestFinished(() => removeInstrument(instrument));
    await runVirtual(function* () {}, "first");
    removeInstrument(instrument);
    removeInstrument(instrument);
    await runVirtual(function* () {}, "second");
    expect(events).toEqual(["first done"]);
  });

  test("a second copy of the runtime in the realm reports to the same instruments and registers with the page hook", async () => {
    const registered: string[] = [];
    const holder = globalThis as { __AIOSCOPE_HOOK__?: unknown };
    holder.__AIOSCOPE_HOOK__ = {
      registerRuntime(runtime: { version: string; addInstrument: unknown; removeInstrument: unknown }) {
        registered.push(`${runtime.version} ${typeof runtime.addInstrument} ${typeof runtime.removeInstrument}`);
      },
    };
    onTestFinished(() => {
      delete holder.__AIOSCOPE_HOOK__;
    });
    vi.resetModules();
    const copy = await import("../../../src/runtime/index.ts");
    expect(registered).toEqual(["1.0.0 function function"]);
    // An instrument added through the copy hears tasks of this copy, and the other way round.
    const events: string[] = [];
    const instrument: Instrument = { taskExited: (task, outcome) => events.push(`${task.getName()} ${outcome}`) };
    copy.addInstrument(instrument);
    onTestFinished(() => removeInstrument(instrument));
    await runVirtual(function* () {}, "original");
    await copy.run(function* () {}, { clock: "virtual", name: "copy" });
    expect(events).toEqual(["original done", "copy done"]);
  });
});

describe("who woke whom through done callbacks", () => {
  test("a task woken by gather is woken by the child whose completion finished the gather", async () => {
    const woken: string[] = [];
    const watcher: Instrument = {
      taskScheduled: (task, by) => { if (task.getName() === "main") woken.push(by === null ? "-" : by.getName()); },
    };
    addInstrument(watcher);
    onTestFinished(() => removeInstrument(watcher));
    await runVirtual(function* () {
      yield* gather([createTask(sleep(5), { name: "quick" }), createTask(sleep(10), { name: "slow" })]);
      yield* sleep(1);
    }, "main");
    // Spawned (no waker), woken by "slow" through gather's done callback, then by its own timer.
    expect(woken).toEqual(["-", "slow", "-"]);
  });
});

describe("chained steps", () => {
  test("a step is chained only when the loop ran nothing but task steps since the previous one in the same drain", async () => {
    const record = async (): Promise<string[]> => {
      const steps: string[] = [];
      const instrument: Instrument = {
        beforeTaskStep: (task, chained) => steps.push(`${task.getName()} ${chained === true ? "chained" : "fresh"}`),
      };
      addInstrument(instrument);
      try {
        await run(function* () {
          const a = createTask(function* () {
            yield* sleep(0);
          }, { name: "a" });
          yield* sleep(0); // a's first step runs right after main's: chained
          getRunningLoop().callSoon(() => {}); // a callback between steps: the next step is fresh
          yield* sleep(0);
          yield* a; // done already: no suspension
          yield* awaitPromise(new Promise<void>((resolve) => setTimeout(resolve, 1))); // a new drain: fresh
        }, { name: "main" });
      } finally {
        removeInstrument(instrument);
      }
      return steps;
    };
    const expected = [
      "main fresh", // the first step of a drain
      "a chained",
      "main chained",
      "a chained", // a's last step; the callback runs after it
      "main fresh",
      "main fresh",
    ];
    // On a loaded machine a step can outlast the loop's 8 ms slice, and the host's turn that
    // follows rightly makes the next step fresh: a few tries find a run without that break.
    let steps = await record();
    for (let attempt = 1; attempt < 5 && steps.join() !== expected.join(); attempt++) steps = await record();
    expect(steps).toEqual(expected);
  });

});
