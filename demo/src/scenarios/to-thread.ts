/**
 * "to_thread keeps the loop free": the same CPU-bound work (fib(37)) run on the loop, then
 * on a worker with toThread. On the loop, it is one long step: no other task runs until it
 * ends, and the Async tab warns that the loop was blocked. On a worker, the loop goes on
 * ticking while the worker computes.
 */
import { createTask, sleep, toThread } from "../../../src/runtime/index.ts";
import { msSince } from "../api.ts";
import type { Scenario } from "../scenario.ts";

/** fib(37) takes 0.2–0.5 s: past the 100 ms slow-step threshold even on a fast machine, where fib(35) is not. */
const N = 37;
const TICK_MS = 10;

/** Self-contained, as toThread needs: its source is what the worker runs. */
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export interface ToThreadSummary {
  readonly n: number;
  /** The function's name as the page has it (a minified build renames it): the thread await's label. */
  readonly functionName: string;
  readonly onLoop: { readonly value: number; readonly elapsedMs: number; readonly ticks: number };
  readonly onWorker: { readonly value: number; readonly elapsedMs: number; readonly ticks: number };
}

/**
 * Runs `work` while a ticker task counts how often it got to run meanwhile. `work` calls
 * `begin()` right as the computation starts; only a tick the ticker waited for from then on
 * counts, so a tick already due before it (a slow turn of the loop while the tasks start up)
 * is not charged to the computation.
 */
function* whileTicking(
  name: string,
  work: (begin: () => void) => Generator<unknown, number, unknown>,
): Generator<unknown, { value: number; elapsedMs: number; ticks: number }, unknown> {
  const counter = { ticks: 0, done: false, begunAt: Infinity };
  const ticker = createTask(function* () {
    while (!counter.done) {
      const armedAt = performance.now();
      yield* sleep(TICK_MS);
      if (!counter.done && armedAt >= counter.begunAt) counter.ticks++;
    }
  }, { name: `ticker (${name})` });
  // One turn for the ticker to start waiting before the work begins.
  yield* sleep(0);
  const start = performance.now();
  const value = yield* createTask(work(() => (counter.begunAt = performance.now())), { name: `fib(${N}) ${name}` });
  const elapsedMs = msSince(start);
  counter.done = true;
  yield* ticker;
  return { value, elapsedMs, ticks: counter.ticks };
}

export const toThreadScenario: Scenario<ToThreadSummary> = {
  name: "to-thread",
  title: "toThread keeps the loop free",
  teaches:
    "CPU-bound work run on the loop is one long step: nothing else runs until it ends. toThread() moves it to a worker, and the other tasks keep running while it computes.",
  lookFor: `"fib(${N}) on the loop" is one long running bar with a blocked-loop warning, and its ticker stands still; "fib(${N}) on a worker" waits on a thread while its ticker keeps ticking.`,
  *run({ progress }) {
    progress(`fib(${N}) on the loop: nothing else runs…`);
    // One step that computes it all, as a blocking call in a coroutine would.
    const onLoop = yield* whileTicking("on the loop", function* (begin) {
      yield* sleep(0);
      begin();
      return fib(N);
    });
    progress(`fib(${N}) on a worker: the ticker keeps ticking…`);
    const onWorker = yield* whileTicking("on a worker", function* (begin) {
      begin();
      return yield* toThread(fib, N);
    });
    return {
      summary: { n: N, functionName: fib.name, onLoop, onWorker },
      text: `fib(${N}) = ${onWorker.value}: on the loop ${onLoop.elapsedMs} ms, ${onLoop.ticks} ticks meanwhile · on a worker ${onWorker.elapsedMs} ms, ${onWorker.ticks} ticks meanwhile`,
    };
  },
};
