// waitFor() returning in time, then timing out: the inner task is cancelled and awaited
// (its finally runs, the request is aborted) before TimeoutError reaches the caller.
import { CancelledError, createTask, run, waitFor } from "aioscope";
import { fetchItem, msSince } from "./remote.mjs";

const TIMEOUT_MS = 250;

function* slowFetch() {
  try {
    return yield* fetchItem(2, { delay: 1000 });
  } catch (error) {
    if (error instanceof CancelledError) console.log("slow fetch: cancelled by the timeout");
    throw error;
  }
}

await run(function* main() {
  let start = performance.now();
  const item = yield* waitFor(createTask(fetchItem(1, { delay: 100 }), { name: "fast fetch" }), TIMEOUT_MS);
  console.log(`fast: item ${item.id} in ${msSince(start)} ms`);
  start = performance.now();
  try {
    yield* waitFor(createTask(slowFetch(), { name: "slow fetch" }), TIMEOUT_MS);
  } catch (error) {
    console.log(`slow: ${error.name} after ${msSince(start)} ms`);
  }
}, { name: "main" });
