// 20 crawl tasks start at once, but a Semaphore(4) lets only 4 fetch at a time.
import { Semaphore, createTask, gather, run } from "aioscope";
import { fetchPage, msSince } from "./remote.mjs";

const PAGES = 20;
const LIMIT = 4;

await run(function* main() {
  const start = performance.now();
  const semaphore = new Semaphore(LIMIT);
  let inFlight = 0;
  let maxInFlight = 0;

  function* crawl(n) {
    yield* semaphore.acquire();
    try {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      return (yield* fetchPage(n)).title;
    } finally {
      inFlight--;
      semaphore.release();
    }
  }

  const tasks = [];
  for (let n = 1; n <= PAGES; n++) tasks.push(createTask(crawl(n), { name: `crawl page ${n}` }));
  const titles = yield* gather(tasks);
  console.log(`${titles.length} pages in ${msSince(start)} ms, at most ${maxInFlight} in flight (limit ${LIMIT})`);
}, { name: "main" });
