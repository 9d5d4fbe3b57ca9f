/**
 * The runtime programs the trace tests record: small, deterministic, and each showing
 * something the analysis must find.
 */
import {
  createTask, gather, run, sleep, waitFor, EventLoop, Lock, Queue, TimeoutError, type Task,
} from "../../../src/runtime/index.ts";
import type { Recorder, Trace } from "../../../src/trace/index.ts";
import { record, runStuck } from "./helpers.ts";

/** Workers behind a lock, a producer and a consumer on a queue, a timeout and a cancellation. */
export function crawler(): Promise<Trace> {
  return record(() => run(function* main() {
    const lock = new Lock();
    const queue = new Queue<number>(2);
    function* fetcher(n: number): Generator<unknown, number, unknown> {
      yield* sleep(10 * n);
      yield* lock.acquire();
      try {
        yield* sleep(5);
      } finally {
        lock.release();
      }
      return n;
    }
    const producer = createTask(function* produce() {
      for (let k = 0; k < 4; k++) yield* queue.put(k);
    }, { name: "producer" });
    const consumer = createTask(function* consume() {
      let total = 0;
      for (let k = 0; k < 4; k++) {
        total += yield* queue.get();
        yield* sleep(3);
      }
      return total;
    }, { name: "consumer" });
    const fetchers = [1, 2, 3].map((n) => createTask(fetcher(n), { name: "fetch" }));
    const slow = createTask(sleep(1000), { name: "slow" });
    try {
      yield* waitFor(sleep(500), 40);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
    }
    slow.cancel("no longer needed");
    yield* gather([...fetchers, producer, consumer]);
    yield* gather([slow], { returnExceptions: true });
    return "done";
  }, { clock: "virtual", name: "main" }));
}

/** Two tasks awaiting each other: a wait-for cycle of tasks. */
export function taskCycle(): Promise<Trace> {
  return record(() => runStuck((loop) => {
    let b: Task<void> | null = null;
    const a = loop.createTask(function* () {
      yield* sleep(1);
      yield* b!;
    }, { name: "a" });
    b = loop.createTask(function* () {
      yield* sleep(2);
      yield* a;
    }, { name: "b" });
  }));
}

/** Each of two tasks waits on a future only the other would resolve: stuck, but no named cycle. */
export function futureStandoff(): Promise<Trace> {
  return record(() => runStuck((loop) => {
    const left = loop.createFuture<number>();
    const right = loop.createFuture<number>();
    loop.createTask(function* () {
      yield* left;
      right.setResult(1);
    }, { name: "left" });
    loop.createTask(function* () {
      yield* right;
      left.setResult(1);
    }, { name: "right" });
  }));
}

/** Two tasks taking two locks in opposite orders: the lock holders close the cycle. */
export function lockOrder(): Promise<Trace> {
  return record(() => runStuck((loop) => {
    const first = new Lock();
    const second = new Lock();
    const take = (one: Lock, two: Lock) => function* () {
      yield* one.acquire();
      yield* sleep(1);
      yield* two.acquire();
    };
    loop.createTask(take(first, second), { name: "forward" });
    loop.createTask(take(second, first), { name: "backward" });
  }));
}

/** A task fails and nobody ever looks at its error; another fails and gather retrieves it. */
export function unretrieved(): Promise<Trace> {
  return record(async () => {
    const loop = new EventLoop({ clock: "virtual" });
    loop.setExceptionHandler(() => {});
    await loop.runUntilComplete(loop.createTask(function* main() {
      createTask(function* () {
        yield* sleep(1);
        throw new RangeError("nobody reads this");
      }, { name: "forgotten" });
      const watched = createTask(function* () {
        yield* sleep(2);
        throw new Error("gather reads this");
      }, { name: "watched" });
      const [error] = yield* gather([watched], { returnExceptions: true });
      yield* sleep(5);
      return error;
    }, { name: "main" }));
    loop.close();
  });
}

/** Native operations and markers, as the extension feeds them, around a small program. */
export function withNativeOps(): Promise<Trace> {
  return record((recorder: Recorder) => {
    recorder.mark("recordingStart");
    recorder.mark("navigation", "https://example.test/", { detail: "reload" });
    return run(function* main() {
      const group = recorder.nativeStart("Promise.all", "Promise.all(2)");
      const a = recorder.nativeStart("fetch", "GET /a", { parent: group });
      const b = recorder.nativeStart("fetch", "GET /b", { parent: group });
      const timer = recorder.nativeStart("setInterval", "setInterval(16)", { task: null });
      yield* sleep(16);
      recorder.nativeTick(timer);
      recorder.nativeEnd(a, "ok", { detail: "200" });
      yield* sleep(16);
      recorder.nativeTick(timer);
      recorder.nativeEnd(b, "error", { detail: "TypeError: Failed to fetch" });
      recorder.nativeEnd(group, "error");
      recorder.nativeEnd(timer, "cancelled");
      const longTask = recorder.nativeStart("longTask", "long task", { at: 5 });
      recorder.nativeEnd(longTask, "ok", { at: 60 });
      // A click whose handler set a timer whose callback fetched: each caused by the one before.
      const click = recorder.nativeStart("event", "click on button#go", { task: null });
      const timeout = recorder.nativeStart("setTimeout", "setTimeout(10)", { task: null, cause: click });
      recorder.nativeEnd(click, "ok");
      yield* sleep(10);
      recorder.nativeEnd(timeout, "ok");
      const again = recorder.nativeStart("fetch", "GET /c", { task: null, cause: timeout });
      recorder.nativeEnd(again, "ok", { detail: "200" });
      recorder.mark("user", "checkpoint");
    }, { clock: "virtual", name: "main" }).then(() => recorder.mark("recordingStop"));
  });
}

export const PROGRAMS: [string, () => Promise<Trace>][] = [
  ["crawler", crawler],
  ["taskCycle", taskCycle],
  ["futureStandoff", futureStandoff],
  ["lockOrder", lockOrder],
  ["unretrieved", unretrieved],
  ["withNativeOps", withNativeOps],
];
