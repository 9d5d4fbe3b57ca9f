// toThread keeps the loop free: fib(32) on the loop is one long step (the ticker cannot run,
// and `aioscope run` reports the blocked loop); on a worker the ticker keeps ticking.
import { createTask, run, sleep, toThread } from "aioscope";

const N = 32;

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// Only a tick the ticker waited for from `begin()` on counts: one already due while the tasks
// started up (a slow turn of the loop) is not the computation's.
function* whileTicking(name, work) {
  const counter = { ticks: 0, done: false, begunAt: Infinity };
  const ticker = createTask(function* () {
    while (!counter.done) {
      const armedAt = performance.now();
      yield* sleep(5);
      if (!counter.done && armedAt >= counter.begunAt) counter.ticks++;
    }
  }, { name: `ticker (${name})` });
  yield* sleep(0);
  const value = yield* createTask(work(() => (counter.begunAt = performance.now())), { name: `fib(${N}) ${name}` });
  counter.done = true;
  yield* ticker;
  return { value, ticks: counter.ticks };
}

await run(function* main() {
  const onLoop = yield* whileTicking("on the loop", function* (begin) {
    yield* sleep(0);
    begin();
    return fib(N);
  });
  const onWorker = yield* whileTicking("on a worker", function* (begin) {
    begin();
    return yield* toThread(fib, N);
  });
  console.log(`fib(${N}) = ${onWorker.value}: on the loop ${onLoop.ticks} ticks meanwhile · on a worker ${onWorker.ticks > 0 ? "the ticker kept ticking" : "no ticks"}`);
}, { name: "main" });
