/**
 * "Fetch three URLs": awaiting them one after another takes the sum of their delays;
 * gathering them takes the longest one.
 */
import { createTask, gather } from "../../../src/runtime/index.ts";
import { fetchItem, itemPath, msSince, type Item } from "../api.ts";
import type { Scenario } from "../scenario.ts";

const IDS = [1, 2, 3] as const;
const DELAY_MS = 200;

export interface SequentialVsConcurrentSummary {
  readonly delayMsEach: number;
  readonly sequential: { readonly ids: number[]; readonly elapsedMs: number };
  /** `overlapping`: every fetch had begun before the first one ended (they ran at the same time). */
  readonly concurrent: { readonly ids: number[]; readonly elapsedMs: number; readonly overlapping: boolean };
}

function* oneAfterAnother(progress: (text: string) => void): Generator<unknown, Item[], unknown> {
  const items: Item[] = [];
  for (const id of IDS) {
    progress(`one after another: awaiting ${itemPath(id, { delay: DELAY_MS })}…`);
    items.push(yield* fetchItem(id, { delay: DELAY_MS }));
  }
  return items;
}

function* allAtOnce(progress: (text: string) => void): Generator<unknown, { items: Item[]; overlapping: boolean }, unknown> {
  progress(`concurrently: gathering ${IDS.length} fetch tasks…`);
  let begun = 0;
  let begunAtFirstEnd = -1;
  const tasks = IDS.map((id) => createTask(function* () {
    begun++;
    const item = yield* fetchItem(id, { delay: DELAY_MS });
    if (begunAtFirstEnd < 0) begunAtFirstEnd = begun;
    return item;
  }, { name: `fetch item ${id}` }));
  return { items: yield* gather(tasks), overlapping: begunAtFirstEnd === IDS.length };
}

export const sequentialVsConcurrent: Scenario<SequentialVsConcurrentSummary> = {
  name: "sequential-vs-concurrent",
  title: "Sequential vs concurrent",
  teaches:
    "Awaiting three fetches one after another takes the sum of their delays; gather() runs them as tasks at the same time, so it takes only as long as the slowest.",
  lookFor: `The "sequential" task awaits three requests end to end; under "concurrent", three fetch tasks overlap.`,
  *run({ progress }) {
    let start = performance.now();
    const sequential = yield* createTask(oneAfterAnother(progress), { name: "sequential" });
    const sequentialMs = msSince(start);

    start = performance.now();
    const concurrent = yield* createTask(allAtOnce(progress), { name: "concurrent" });
    const concurrentMs = msSince(start);

    return {
      summary: {
        delayMsEach: DELAY_MS,
        sequential: { ids: sequential.map((item) => item.id), elapsedMs: sequentialMs },
        concurrent: { ids: concurrent.items.map((item) => item.id), elapsedMs: concurrentMs, overlapping: concurrent.overlapping },
      },
      text: `one after another: ${sequentialMs} ms · with gather: ${concurrentMs} ms (3 × ${DELAY_MS} ms requests)`,
    };
  },
};
