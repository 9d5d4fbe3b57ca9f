/**
 * The panel's statistics of a big session (issue 13): the analysis the statistics and insights
 * views show, of a synthetic session (bench/browser/panel-session.ts; STATS_TASKS and
 * STATS_RECORDS to resize, default 100 000 tasks and 700 000 records, about what the live
 * bench's panel holds), in one go and in the slices the panel runs it in (stats/stats-job.ts,
 * 6 ms each). Budget: no slice takes a long task's 50 ms. Alternated, one go then sliced, three
 * times; each figure is the median, with every run in its note.
 */
import { median, type BenchFigure } from "../harness.ts";
import { syntheticSession } from "../browser/panel-session.ts";
import { buildTimelineModel } from "../../src/devtools/timeline/model.ts";
import { analyzeSession, analyzeSessionBuild } from "../../src/devtools/stats/session-stats.ts";
import { SLICE_MS } from "../../src/devtools/session/model-job.ts";

const TASKS = Number(process.env.STATS_TASKS ?? 100_000);
const RECORDS = Number(process.env.STATS_RECORDS ?? 700_000);
const ROUNDS = 3;

export async function statisticsFigures(): Promise<BenchFigure[]> {
  const trace = syntheticSession({ tasks: TASKS, records: RECORDS, lengthMs: 60_000 });
  const model = buildTimelineModel(trace);
  const whole: number[] = [];
  const work: number[] = [];
  const longest: number[] = [];
  const slices: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    analyzeSession(model);
    whole.push(performance.now() - started);
    let deadline = 0;
    const build = analyzeSessionBuild(model, { due: () => performance.now() >= deadline });
    let total = 0;
    let slowest = 0;
    let count = 0;
    for (let done = false; !done; count++) {
      const from = performance.now();
      deadline = from + SLICE_MS;
      done = build.next().done === true;
      const took = performance.now() - from;
      total += took;
      slowest = Math.max(slowest, took);
      await new Promise((resolve) => setImmediate(resolve));
    }
    work.push(total);
    longest.push(slowest);
    slices.push(count);
  }
  const runs = (values: readonly number[]): string => `runs: ${values.map((v) => v.toFixed(0)).join(", ")}`;
  const note = `${trace.tasks.length.toLocaleString("en-US")} tasks, ${(trace.steps.length + trace.awaits.length + trace.resourceOps.length).toLocaleString("en-US")} steps, awaits and resource operations`;
  return [
    { name: "statistics in one go (the analysis the views show)", value: median(whole), unit: "ms", note: `${note}; ${runs(whole)}` },
    { name: "  in slices: work in all", value: median(work), unit: "ms", note: `${median(slices)} slices of ${SLICE_MS} ms asked; ${runs(work)}` },
    { name: "  in slices: the longest slice", value: median(longest), unit: "ms", budget: { max: 50 }, note: runs(longest) },
  ];
}
