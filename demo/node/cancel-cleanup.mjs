// Cancelling a task that cleans up: CancelledError is thrown in at the worker's await; its
// finally still runs, awaits its own clean-up, and the task ends cancelled.
import { createTask, run, sleep } from "aioscope";
import { fetchItem } from "./remote.mjs";

const CANCEL_AFTER_MS = 350;

function* worker(state) {
  try {
    for (let chunk = 1; ; chunk++) {
      yield* fetchItem(40 + chunk, { delay: 100 });
      state.chunks = chunk;
    }
  } finally {
    yield* sleep(50); // closing connections, flushing buffers…
    state.cleanedUp = true;
  }
}

function* supervisor(task) {
  yield* sleep(CANCEL_AFTER_MS);
  task.cancel("the supervisor stopped it");
}

await run(function* main() {
  const state = { chunks: 0, cleanedUp: false };
  const task = createTask(worker(state), { name: "worker" });
  const stopper = createTask(supervisor(task), { name: "supervisor" });
  try {
    yield* task;
  } catch (error) {
    console.log(`main: awaiting the worker raised ${error.name}`);
  }
  yield* stopper;
  console.log(`worker processed ${state.chunks} chunks, was ${task.cancelled() ? "cancelled" : "NOT cancelled"}; clean-up ${state.cleanedUp ? "finished" : "did not finish"}`);
}, { name: "main" });
