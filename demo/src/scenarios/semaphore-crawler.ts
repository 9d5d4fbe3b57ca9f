/**
 * A crawler limited by a Semaphore: 20 pages, at most 4 requests in flight at once, the
 * way tutorials throttle aiohttp with `async with semaphore:`.
 */
import { createTask, gather, Semaphore } from "../../../src/runtime/index.ts";
import { fetchPage, msSince } from "../api.ts";
import type { Scenario } from "../scenario.ts";

const PAGES = 20;
const LIMIT = 4;

export interface SemaphoreCrawlerSummary {
  readonly pages: number;
  readonly limit: number;
  /** The most crawl tasks holding the semaphore at once, as the page counted them. */
  readonly maxInFlight: number;
  /** The most page requests the server was answering at once. */
  readonly maxServerInFlight: number;
  /** The pages' server delays added up: what crawling one at a time would take. */
  readonly oneAtATimeMs: number;
  readonly elapsedMs: number;
}

export const semaphoreCrawler: Scenario<SemaphoreCrawlerSummary> = {
  name: "semaphore-crawler",
  title: "A Semaphore-limited crawler",
  teaches:
    `All ${PAGES} crawl tasks start at once, but each must acquire a Semaphore(${LIMIT}) before fetching and release it after, so never more than ${LIMIT} requests are in flight: polite to the server, still much faster than one at a time.`,
  lookFor: `${PAGES} tasks, of which ${LIMIT} fetch while the rest wait on the semaphore; as one releases, the next waiter (first come, first served) starts.`,
  *run({ progress }) {
    const start = performance.now();
    const semaphore = new Semaphore(LIMIT);
    let inFlight = 0;
    let maxInFlight = 0;
    let maxServerInFlight = 0;
    let crawled = 0;
    let oneAtATimeMs = 0;

    function* crawl(n: number): Generator<unknown, string, unknown> {
      yield* semaphore.acquire();
      try {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const page = yield* fetchPage(n);
        maxServerInFlight = Math.max(maxServerInFlight, page.serverInFlight);
        oneAtATimeMs += page.delayMs;
        crawled++;
        progress(`${crawled}/${PAGES} pages crawled, ${inFlight} in flight`);
        return page.title;
      } finally {
        inFlight--;
        semaphore.release();
      }
    }

    const tasks = [];
    for (let n = 1; n <= PAGES; n++) tasks.push(createTask(crawl(n), { name: `crawl page ${n}` }));
    const titles = yield* gather(tasks);
    const elapsedMs = msSince(start);

    return {
      summary: { pages: titles.length, limit: LIMIT, maxInFlight, maxServerInFlight, oneAtATimeMs, elapsedMs },
      text: `${titles.length} pages in ${elapsedMs} ms (one at a time: ~${oneAtATimeMs} ms), at most ${maxInFlight} in flight (limit ${LIMIT})`,
    };
  },
};
