// gather() with a failing child: without returnExceptions the first error is raised at once
// and the siblings run on; with returnExceptions: true it takes its place in the results.
import { createTask, gather, run, wait } from "aioscope";
import { fetchItem, msSince } from "./remote.mjs";

const CHILDREN = [
  { id: 11, delay: 300, fail: false },
  { id: 12, delay: 100, fail: true },
  { id: 13, delay: 200, fail: false },
];

const startChildren = (round) => CHILDREN.map(({ id, delay, fail }) =>
  createTask(fetchItem(id, { delay, fail }), { name: `${round} item ${id}` }));

await run(function* main() {
  const start = performance.now();
  const first = startChildren("raise");
  let raised = "nothing";
  try {
    yield* gather(first);
  } catch (error) {
    raised = error.name;
  }
  const raisedAfterMs = msSince(start);
  const stillRunning = first.filter((task) => !task.done()).length;
  yield* wait(first);
  const settled = yield* gather(startChildren("return"), { returnExceptions: true });
  const shown = settled.map((r) => (r instanceof Error ? r.name : String(r.id))).join(", ");
  console.log(`raised ${raised} after ${raisedAfterMs} ms, ${stillRunning} children kept running · returnExceptions: [${shown}]`);
}, { name: "main" });
