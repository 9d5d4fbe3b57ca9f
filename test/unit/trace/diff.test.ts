/**
 * Two recordings compared: the same program written sequentially and concurrently, both ways
 * round, and a recording against itself.
 */
import { describe, expect, test } from "vitest";
import { createTask, gather, run, sleep } from "../../../src/runtime/index.ts";
import { analyze, diffTraces, indexTrace, numberedGroup, regressions, type DiffSide, type Trace } from "../../../src/trace/index.ts";
import { record } from "./helpers.ts";

function side(trace: Trace): DiffSide {
  return { trace, index: indexTrace(trace), analysis: analyze(trace) };
}

function* crawlPage(n: number) {
  yield* sleep(20 + n * 10);
  return n;
}

const sequential = (): Promise<Trace> => record(() => run(function* main() {
  for (const n of [1, 2, 3]) yield* createTask(crawlPage(n), { name: `crawl page ${n}` });
}, { clock: "virtual", name: "main" }));

const concurrent = (): Promise<Trace> => record(() => run(function* main() {
  yield* gather([1, 2, 3].map((n) => createTask(crawlPage(n), { name: `crawl page ${n}` })));
}, { clock: "virtual", name: "main" }));

describe("trace diff", () => {
  test("numbered names are one group", () => {
    expect(numberedGroup("crawl page 17")).toBe("crawl page #");
    expect(numberedGroup("fetch 2.5 s")).toBe("fetch # s");
  });

  test("going concurrent: the wall time and the main task shrink, the sequential-awaits insight is gone", async () => {
    const diff = diffTraces(side(await sequential()), side(await concurrent()));
    expect(diff.wall.after).toBeLessThan(diff.wall.before * 0.7);
    const crawl = diff.names.find((n) => n.group === "crawl page #")!;
    expect(crawl.before?.count).toBe(3);
    expect(crawl.after?.count).toBe(3);
    const main = diff.names.find((n) => n.group === "main")!;
    expect(main.after!.p50!).toBeLessThan(main.before!.p50!);
    expect(diff.insights.removed).toEqual([expect.stringMatching(/^main waits for 3 independent things/)]);
    expect(diff.insights.added).toEqual([]);
    expect(diff.criticalPath?.task).toBe("main");
    expect(diff.criticalPath!.after.waiting).toBeLessThan(diff.criticalPath!.before!.waiting);
    expect(regressions(diff, 0.2)).toEqual([]);
  });

  test("going sequential is a regression of the wall time and of main", async () => {
    const diff = diffTraces(side(await concurrent()), side(await sequential()));
    const found = regressions(diff, 0.2).map((r) => r.what);
    expect(found).toEqual(expect.arrayContaining(["wall time", "main p50", "main p95"]));
    expect(found).not.toContain("crawl page # p50");
    expect(diff.insights.added).toHaveLength(1);
  });

  test("a recording against itself has no change and no regression", async () => {
    const trace = await sequential();
    const diff = diffTraces(side(trace), side(trace));
    expect(regressions(diff, 0)).toEqual([]);
    expect(diff.warnings).toEqual({ added: [], removed: [] });
    expect(diff.insights).toEqual({ added: [], removed: [] });
  });
});
