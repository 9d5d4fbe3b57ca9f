// toThread keeps the loop free: fib(32) on the loop is one long step (the ticker cannot run,
// and `aioscope run` reports the blocked loop); on a worker the ticker keeps ticking.
import { createTask, run, sleep, toThread } from "aioscope";

const N = 32;

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function* whileTicking(name, work) {
  const counter = { ticks: 0, done: false };
  const ticker = createTask(function* () {
    while (!counter.done) {
      yield* sleep(5);
      if (!counter.done) counter.ticks++;
    }
  }, { name: `ticker (${name})` });
  yield* sleep(0);
  const value = yield* createTask(work, { name: `fib(${N}) ${name}` });
  counter.done = true;
  yield* ticker;
  return { value, ticks: counter.ticks };
}

await run(function* main() {
  const onLoop = yield* whileTicking("on the loop", function* () { yield* sleep(0); return fib(N); });
  const onWorker = yield* whileTicking("on a worker", function* () { return yield* toThread(fib, N); });
  console.log(`fib(${N}) = ${onWorker.value}: on the loop ${onLoop.ticks} ticks meanwhile · on a worker ${onWorker.ticks > 0 ? "the ticker kept ticking" : "no ticks"}`);
}, { name: "main" });
