/**
 * Insights found in recorded programs written to show each anti-pattern, and not found in the
 * same programs written well.
 */
import { describe, expect, test } from "vitest";
import { createTask, gather, run, sleep, Lock, Queue } from "../../../src/runtime/index.ts";
import { analyze, type Insight, type InsightKind, type Recorder, type Trace } from "../../../src/trace/index.ts";
import { record } from "./helpers.ts";

const of = (trace: Trace, kind: InsightKind, options = {}): Insight[] => analyze(trace, options).insights.filter((i) => i.kind === kind);

function fetchLike(ms: number) {
  return function* fetchItem() {
    yield* sleep(ms);
    return ms;
  };
}

/** Native operations reported at fixed times, as the page's wrappers report them. */
function nativeOp(recorder: Recorder, kind: "fetch" | "setTimeout", label: string, start: number, end: number | null, site = "load (https://app.test/main.js:3:5)"): number {
  const id = recorder.nativeStart(kind, label, { at: start, task: 0 });
  if (end !== null) recorder.nativeEnd(id, kind === "setTimeout" && label.endsWith("(cleared)") ? "cancelled" : "ok", { at: end, detail: JSON.stringify({ site }) });
  return id;
}

describe("insights", () => {
  test("child tasks spawned and awaited one by one are sequential awaits, saving the sum minus the longest", async () => {
    const trace = await record(() => run(function* main() {
      for (const ms of [30, 50, 20]) yield* createTask(fetchLike(ms)(), { name: `fetch ${ms}` });
    }, { clock: "virtual", name: "main" }));
    const [found, ...rest] = of(trace, "sequential-awaits");
    expect(rest).toEqual([]);
    expect(found!.title).toMatch(/^main waits for 3 independent things one after another/);
    // 30 + 50 + 20 − 50, give or take the recorder's per-reading ticks.
    expect(found!.savingMs).toBeGreaterThanOrEqual(50);
    expect(found!.savingMs).toBeLessThan(55);
    expect(found!.tasks[0]).toBe(trace.tasks.find((t) => t.name === "main")!.id);
    expect(found!.tasks).toHaveLength(4);
  });

  test("tasks of one numbered name doing the same are one insight, saving the largest of theirs", async () => {
    const trace = await record(() => run(function* main() {
      function* consumer() {
        for (const ms of [20, 30, 25]) yield* sleep(ms);
      }
      yield* gather([1, 2, 3].map((n) => createTask(consumer(), { name: `consumer-${n}` })));
    }, { clock: "virtual", name: "main" }));
    const found = of(trace, "sequential-awaits");
    expect(found).toHaveLength(1);
    expect(found[0]!.title).toMatch(/^3 tasks named consumer-# each wait for independent things one after another/);
    expect(found[0]!.tasks).toHaveLength(3);
    expect(found[0]!.savingMs).toBeGreaterThanOrEqual(45);
  });

  test("the same children started together and gathered are not", async () => {
    const trace = await record(() => run(function* main() {
      yield* gather([30, 50, 20].map((ms) => fetchLike(ms)()));
    }, { clock: "virtual", name: "main" }));
    expect(of(trace, "sequential-awaits")).toEqual([]);
  });

  test("children created first and then awaited in turn already ran concurrently: no insight", async () => {
    const trace = await record(() => run(function* main() {
      const tasks = [30, 50, 20].map((ms) => createTask(fetchLike(ms)()));
      for (const task of tasks) yield* task;
    }, { clock: "virtual", name: "main" }));
    expect(of(trace, "sequential-awaits")).toEqual([]);
  });

  test("a ticker sleeping the same time over and over beside the work it keeps time for is pacing, not sequential", async () => {
    const trace = await record(() => run(function* main() {
      const state = { done: false, ticks: 0 };
      const ticker = createTask(function* () {
        while (!state.done) {
          yield* sleep(10);
          state.ticks++;
        }
      }, { name: "ticker" });
      yield* createTask(fetchLike(100)(), { name: "work" });
      state.done = true;
      yield* ticker;
    }, { clock: "virtual", name: "main" }));
    expect(trace.awaits.filter((a) => a.kind === "sleep" && a.label === "sleep(10)").length).toBeGreaterThanOrEqual(10);
    expect(of(trace, "sequential-awaits")).toEqual([]);
  });

  test("the same sleep over and over in a task with nothing beside it is still sequential (sleeps standing for work)", async () => {
    const trace = await record(() => run(function* main() {
      for (let k = 0; k < 3; k++) yield* sleep(20);
    }, { clock: "virtual", name: "main" }));
    const [found, ...rest] = of(trace, "sequential-awaits");
    expect(rest).toEqual([]);
    expect(found!.title).toMatch(/^main waits for 3 independent things one after another/);
    expect(found!.savingMs).toBeGreaterThanOrEqual(40);
  });

  test("a lock held across a long sleep while another task queues for it", async () => {
    const trace = await record(() => run(function* main() {
      const lock = new Lock();
      function* slowHolder() {
        yield* lock.acquire();
        try {
          yield* sleep(40);
        } finally {
          lock.release();
        }
      }
      function* waiter() {
        yield* sleep(5);
        yield* lock.acquire();
        lock.release();
      }
      yield* gather([createTask(slowHolder(), { name: "holder" }), createTask(waiter(), { name: "waiter" })]);
    }, { clock: "virtual", name: "main" }));
    const [found, ...rest] = of(trace, "lock-across-wait");
    expect(rest).toEqual([]);
    expect(found!.title).toMatch(/^holder held Lock\S* across sleep sleep\(40\) \([\d.]+ ms\) while 1 other task queued for it/);
    expect(found!.tasks.map((id) => trace.tasks.find((t) => t.id === id)!.name)).toEqual(["holder", "waiter"]);
    expect(found!.savingMs).toBeGreaterThanOrEqual(40);
  });

  test("each hold names only the tasks that queued while it waited, among many that queued for the lock", async () => {
    const trace = await record(() => run(function* main() {
      const lock = new Lock();
      function* holder(startAt: number) {
        yield* sleep(startAt);
        yield* lock.acquire();
        try {
          yield* sleep(40);
        } finally {
          lock.release();
        }
      }
      function* quick(startAt: number) {
        yield* sleep(startAt);
        yield* lock.acquire();
        lock.release();
      }
      yield* gather([
        createTask(holder(0), { name: "first" }),
        // Queues at 1 and waits for the first's 40 ms, then holds it across a wait of its own.
        createTask(holder(1), { name: "patient" }),
        ...[0, 1, 2].map((k) => createTask(quick(50 + k), { name: `late ${k}` })),
        // Queues long after: the lock is free by then.
        createTask(quick(300), { name: "after" }),
      ]);
    }, { clock: "virtual", name: "main" }));
    const names = (ids: readonly number[]): string[] => ids.map((id) => trace.tasks.find((t) => t.id === id)!.name);
    const found = of(trace, "lock-across-wait").map((i) => names(i.tasks)).sort((a, b) => a[0]!.localeCompare(b[0]!));
    expect(found).toEqual([["first", "patient"], ["patient", "late 0", "late 1", "late 2"]]);
  });

  test("a queue that grows without bound", async () => {
    const trace = await record(() => run(function* main() {
      const queue = new Queue<number>();
      for (let k = 0; k < 60; k++) yield* queue.put(k);
      while (!queue.empty()) queue.getNowait();
    }, { clock: "virtual", name: "main" }));
    expect(of(trace, "unbounded-queue", { queueItems: 50 })).toHaveLength(1);
    expect(of(trace, "unbounded-queue", { queueItems: 61 })).toEqual([]);
  });

  test("the same request twice at once is a duplicate; one after the other is not", async () => {
    const trace = await record(async (recorder) => {
      nativeOp(recorder, "fetch", "GET https://app.test/api/user", 0, 40);
      nativeOp(recorder, "fetch", "GET https://app.test/api/user", 10, 45, "load (https://app.test/other.js:1:1)");
      nativeOp(recorder, "fetch", "GET https://app.test/api/items", 0, 10);
      nativeOp(recorder, "fetch", "GET https://app.test/api/items", 200, 210, "load (https://app.test/other.js:9:1)");
    });
    const found = of(trace, "duplicate-request");
    expect(found).toHaveLength(1);
    expect(found[0]!.title).toMatch(/^fetch GET https:\/\/app\.test\/api\/user was requested 2 times at once/);
    expect(found[0]!.ops).toHaveLength(2);
  });

  test("requests from one call site, each started as the previous ended, are sequential", async () => {
    const trace = await record(async (recorder) => {
      nativeOp(recorder, "fetch", "GET https://app.test/page/1", 0, 30);
      nativeOp(recorder, "fetch", "GET https://app.test/page/2", 31, 61);
      nativeOp(recorder, "fetch", "GET https://app.test/page/3", 61.5, 101.5);
      // Another site, at the same time: not part of the run.
      nativeOp(recorder, "fetch", "GET https://app.test/other", 31, 60, "load (https://app.test/other.js:1:1)");
    });
    const [found, ...rest] = of(trace, "sequential-awaits");
    expect(rest).toEqual([]);
    expect(found!.title).toBe("3 requests from load (https://app.test/main.js:3:5) ran one after another: started together (Promise.all), they would take 60 ms less");
    expect(found!.savingMs).toBe(60);
  });

  test("requests a runtime task made are read through its awaits, not joined by their call site", async () => {
    const trace = await record(async (recorder) => {
      for (const [k, start] of [0, 31, 62].entries()) {
        const id = recorder.nativeStart("fetch", `GET https://app.test/page/${k}`, { at: start, task: 1 });
        recorder.nativeEnd(id, "ok", { at: start + 30, detail: JSON.stringify({ site: "fetchItem (https://app.test/api.js:3:5)" }) });
      }
    });
    expect(of(trace, "sequential-awaits")).toEqual([]);
  });

  test("hundreds of timers within a second are a storm", async () => {
    const trace = await record(async (recorder) => {
      for (let k = 0; k < 250; k++) nativeOp(recorder, "setTimeout", "setTimeout(100)(cleared)", k * 2, k * 2 + 1);
    });
    const [found] = of(trace, "timer-storm");
    expect(found!.title).toMatch(/^250 timers were started within one second \(250 of 250 cleared before firing\)/);
    expect(of(trace, "timer-storm", { timerStorm: 251 })).toEqual([]);
  });

  test("insights are ranked by the time they would save, those without an estimate last", async () => {
    const trace = await record(() => run(function* main() {
      createTask(function* failing() {
        yield* sleep(1);
        throw new RangeError("nobody reads this");
      }(), { name: "forgotten" });
      for (const ms of [30, 50, 20]) yield* createTask(fetchLike(ms)(), { name: `fetch ${ms}` });
    }, { clock: "virtual", name: "main" }));
    const ranked = analyze(trace).insights;
    expect(ranked.map((i) => i.kind)).toEqual(["sequential-awaits", "lost-error"]);
    expect(ranked[1]!.savingMs).toBeNull();
  });
});
