// Structured concurrency: when one child of a taskGroup fails, the group cancels the others
// and its own body, then raises an ExceptionGroup holding the failure.
import { run, taskGroup } from "aioscope";
import { fetchItem, msSince } from "./remote.mjs";

const CHILDREN = [
  { name: "load profile", id: 21, delay: 400, fail: false },
  { name: "load orders", id: 22, delay: 120, fail: true },
  { name: "load recommendations", id: 23, delay: 600, fail: false },
];

await run(function* main() {
  const start = performance.now();
  try {
    yield* taskGroup(function* (group) {
      for (const { name, id, delay, fail } of CHILDREN) group.createTask(fetchItem(id, { delay, fail }), { name });
      yield* fetchItem(20, { delay: 300 }); // the body's own work, cancelled too
    });
  } catch (error) {
    console.log(`raised ${error.name}[${(error.errors ?? []).map((e) => e.name).join(", ")}] after ${msSince(start)} ms`);
  }
}, { name: "main" });
