/**
 * What the analysis must find, stated as whole results on recorded programs (ids are
 * normalised to creation order; see helpers.ts).
 */
import { describe, expect, test } from "vitest";
import { run, sleep, createTask, type EventLoop } from "../../../src/runtime/index.ts";
import { analyze, criticalPath, indexTrace, type Warning } from "../../../src/trace/index.ts";
import { crawler, futureStandoff, lockOrder, taskCycle, unretrieved } from "./programs.ts";
import { normalized, record, runStuck } from "./helpers.ts";

const deadlocks = (warnings: readonly Warning[]): Warning[] => warnings.filter((w) => w.kind === "deadlock");

describe("deadlocks", () => {
  test("two tasks awaiting each other are a deadlock with their wait-for cycle", async () => {
    const trace = normalized(await taskCycle());
    expect(analyze(trace).warnings).toEqual([
      { kind: "pendingAtEnd", tasks: [1, 2], message: "2 tasks were still pending at the end: a, b" },
      {
        kind: "deadlock", tasks: [1, 2], cycle: [1, 2, 1],
        waits: [
          { task: 1, kind: "task", label: "b", since: 2.5, targetTask: 2, resource: null, holders: [] },
          { task: 2, kind: "task", label: "a", since: 3.875, targetTask: 1, resource: null, holders: [] },
        ],
        message: "deadlock: all 2 live tasks wait and nothing can wake them; wait-for cycle: a → b → a",
      },
    ]);
  });

  test("a trace that dropped events reports no deadlock: the missing events may have ended it", async () => {
    const trace = { ...normalized(await taskCycle()), droppedEvents: 3 };
    const found = analyze(trace).warnings;
    expect(deadlocks(found)).toEqual([]);
    expect(found.map((w) => w.kind)).toEqual(["droppedEvents", "pendingAtEnd"]);
  });

  test("two tasks taking two locks in opposite orders deadlock through the locks' holders", async () => {
    const trace = normalized(await lockOrder());
    expect(deadlocks(analyze(trace).warnings)).toEqual([{
      kind: "deadlock", tasks: [1, 2], cycle: [1, 2, 1],
      waits: [
        { task: 1, kind: "lock", label: "Lock#2", since: 3.125, targetTask: null, resource: 2, holders: [2] },
        { task: 2, kind: "lock", label: "Lock#1", since: 3.375, targetTask: null, resource: 1, holders: [1] },
      ],
      message: "deadlock: all 2 live tasks wait and nothing can wake them; wait-for cycle: forward → backward → forward",
    }]);
  });

  test("tasks each waiting on a future only the other would resolve are a deadlock with no named cycle", async () => {
    const trace = normalized(await futureStandoff());
    expect(deadlocks(analyze(trace).warnings)).toEqual([{
      kind: "deadlock", tasks: [1, 2], cycle: null,
      waits: [
        { task: 1, kind: "future", label: "Future", since: 0.625, targetTask: null, resource: null, holders: [] },
        { task: 2, kind: "future", label: "Future", since: 0.875, targetTask: null, resource: null, holders: [] },
      ],
      message: "deadlock: all 2 live tasks wait and nothing can wake them; each waits on something only another of them could finish: left on Future, right on Future",
    }]);
  });

  test("a task still sleeping at the end is pending, not deadlocked", async () => {
    const trace = normalized(await record(() => runStuck((loop: EventLoop) => {
      loop.createTask(sleep(10_000), { name: "sleeper" });
    })));
    expect(analyze(trace).warnings).toEqual([{ kind: "pendingAtEnd", tasks: [1], message: "1 task was still pending at the end: sleeper" }]);
  });

  test("a pending native operation could still wake the tasks: no deadlock", async () => {
    const trace = normalized(await record((recorder) => runStuck((loop: EventLoop) => {
      recorder.nativeStart("setTimeout", "setTimeout(1000)", { task: null });
      loop.createTask(function* () { yield* loop.createFuture<void>(); }, { name: "waiter" });
    })));
    expect(deadlocks(analyze(trace).warnings)).toEqual([]);
  });
});

describe("errors", () => {
  test("an error nobody retrieved is reported; one gather read is not", async () => {
    const trace = normalized(await unretrieved());
    expect(analyze(trace).warnings).toEqual([{
      kind: "unretrievedError", task: 2,
      error: { name: "RangeError", message: "nobody reads this", stack: "RangeError: nobody reads this" },
      message: "forgotten failed with RangeError: nobody reads this, and nobody retrieved it",
    }]);
    expect(trace.tasks.map((t) => [t.name, t.outcome, t.errorRetrieved !== null])).toEqual([
      ["main", "done", false], ["forgotten", "error", false], ["watched", "error", true],
    ]);
  });
});

describe("time accounting", () => {
  test("the crawler's per-name statistics, lock and queue waits and wake-up kinds", async () => {
    const result = analyze(normalized(await crawler()));
    expect(result.byName.map((n) => [n.name, n.count, n.done, n.cancelled, n.timeouts, n.p50, n.max, n.steps])).toEqual([
      ["fetch", 3, 3, 0, 0, 32.25, 43.125, 9],
      ["main", 1, 1, 0, 1, 50.625, 50.625, 3],
      ["consumer", 1, 1, 0, 0, 18, 18, 5],
      ["producer", 1, 1, 0, 0, 7.25, 7.25, 3],
      ["slow", 1, 0, 1, 0, 49.125, 49.125, 2],
    ]);
    // The gather wakes main on behalf of the child that finished last: a task wake-up, not an anonymous callback.
    expect(result.wakeKinds).toEqual({ spawn: 7, task: 3, self: 0, timer: 10, host: 0, callback: 0, cancel: 1, timeout: 1 });
    expect(result.resources).toEqual([
      { resource: 2, kind: "queue", label: "Queue#2 (0/2)", waits: 2, pending: 0, totalWait: 3.625, maxWait: 3.375, meanWait: 1.813, ops: { create: 1, put: 4, get: 4 } },
      { resource: 1, kind: "lock", label: "Lock#1", waits: 0, pending: 0, totalWait: 0, maxWait: 0, meanWait: 0, ops: { create: 1, acquire: 3, release: 3 } },
    ]);
    for (const t of result.tasks) expect(t.busy + t.scheduled + t.idle).toBeCloseTo(t.total, 9);
    expect(result.summary.alive).toEqual({ peak: 7, peakAt: 1.25, mean: 4.369458 });
  });

  test("the critical path of main runs through the child whose end woke it", async () => {
    const trace = normalized(await crawler());
    expect(criticalPath(indexTrace(trace), 1)).toEqual({
      task: 1,
      segments: [
        { task: 1, state: "ready", start: 0.125, end: 0.25, kind: null, label: null },
        { task: 1, state: "running", start: 0.25, end: 1.5, kind: null, label: null },
        { task: 1, state: "waiting", start: 1.5, end: 49.625, kind: "sleep", label: "sleep(500)" },
        { task: 1, state: "ready", start: 49.625, end: 49.75, kind: null, label: null },
        { task: 1, state: "running", start: 49.75, end: 50, kind: null, label: null },
        { task: 7, state: "ready", start: 50, end: 50.25, kind: null, label: null },
        { task: 7, state: "running", start: 50.25, end: 50.375, kind: null, label: null },
        { task: 1, state: "ready", start: 50.5, end: 50.625, kind: null, label: null },
        { task: 1, state: "running", start: 50.625, end: 50.75, kind: null, label: null },
      ],
      running: 1.75, ready: 0.625, waiting: 48.125,
    });
  });

  test("a step longer than the threshold is a slow step that blocked the loop", async () => {
    let busyUntil = 0;
    const trace = normalized(await record(() => run(function* main() {
      yield* createTask(function* hog() {
        busyUntil = 150; // the recorder's clock below jumps 150 ms within this step
        yield* sleep(1);
      }, { name: "hog" });
    }, { clock: "virtual", name: "main" }), {
      clock: (() => {
        let ticks = 0;
        return (task) => (task?.getLoop().time() ?? 0) + (ticks += 0.125) + busyUntil;
      })(),
    }));
    expect(analyze(trace, { slowStepMs: 100 }).warnings).toEqual([
      { kind: "slowStep", task: 2, start: 0.625, duration: 150.125, message: "a step of hog blocked the event loop for 150.125 ms (more than 100 ms)" },
    ]);
  });
});
