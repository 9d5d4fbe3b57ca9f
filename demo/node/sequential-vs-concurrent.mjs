// "Fetch three URLs": awaiting them one after another takes the sum of their delays;
// gathering them takes the longest one.   aioscope run demo/node/sequential-vs-concurrent.mjs
import { createTask, gather, run } from "aioscope";
import { fetchItem, msSince } from "./remote.mjs";

const IDS = [1, 2, 3];
const DELAY_MS = 200;

function* oneAfterAnother() {
  const items = [];
  for (const id of IDS) items.push(yield* fetchItem(id, { delay: DELAY_MS }));
  return items;
}

function* allAtOnce() {
  return yield* gather(IDS.map((id) => createTask(fetchItem(id, { delay: DELAY_MS }), { name: `fetch item ${id}` })));
}

await run(function* main() {
  let start = performance.now();
  yield* createTask(oneAfterAnother(), { name: "sequential" });
  const sequentialMs = msSince(start);
  start = performance.now();
  yield* createTask(allAtOnce(), { name: "concurrent" });
  console.log(`one after another: ${sequentialMs} ms · with gather: ${msSince(start)} ms (3 × ${DELAY_MS} ms requests)`);
}, { name: "main" });
