/**
 * `npm run bench`: every benchmark, one table, one run. Budgets are ratios to a baseline row
 * measured in the same process. Exit status stays 0: the table is the report.
 */
import { printFigures, printTable, type BenchFigure, type BenchRow } from "./harness.ts";
import { runtimeCoreCases } from "./cases/runtime-core.ts";
import { primitivesCases } from "./cases/primitives.ts";
import { traceCases } from "./cases/trace.ts";
import { asyncTransformCases } from "./cases/async-transform.ts";
import { performanceTracksCases } from "./cases/performance-tracks.ts";
import { flightRecorderCases } from "./cases/flight-recorder.ts";
import { pipelineFigures } from "./browser/pipeline.ts";
import { nativeFigures } from "./browser/native.ts";
import { panelFigures } from "./browser/panel.ts";
import { panelLiveFigures } from "./browser/panel-live.ts";
import { floodFigures } from "./browser/flood.ts";
import { statisticsFigures } from "./cases/statistics.ts";
import { liveModelFigures } from "./cases/live-model.ts";

const suites: [string, () => Promise<BenchRow[]>][] = [
  ["runtime core", runtimeCoreCases],
  ["primitives", primitivesCases],
  ["trace", traceCases],
  ["async/await build transform", asyncTransformCases],
  ["performance panel tracks", performanceTracksCases],
  ["flight recorder", flightRecorderCases],
];

/** Suites that report figures rather than per-operation rows (rates, sizes, browser timings). */
const figureSuites: [string, () => Promise<BenchFigure[]>][] = [
  ["extension pipeline (headless Chromium)", pipelineFigures],
  ["native instrumentation (headless Chromium)", nativeFigures],
  ["Async panel at 100 000 tasks (headless Chromium)", () => panelFigures()],
  ["Async panel, live recording growing to 100 000 tasks (headless Chromium)", panelLiveFigures],
  ["panel statistics of a 100 000-task session, in one go and in slices (node)", statisticsFigures],
  ["timeline models of a session growing to 100 000 tasks (node)", liveModelFigures],
  ["flood: 1 000 000 tasks + 100 000 timers (headless Chromium)", floodFigures],
];

const only = process.argv[2];
const rows: BenchRow[] = [];
for (const [name, suite] of suites) {
  if (only !== undefined && !name.includes(only)) continue;
  process.stderr.write(`measuring ${name}…\n`);
  rows.push(...(await suite()));
}
const figures: [string, BenchFigure[]][] = [];
for (const [name, suite] of figureSuites) {
  if (only !== undefined && !name.includes(only)) continue;
  process.stderr.write(`measuring ${name}…\n`);
  figures.push([name, await suite()]);
}
console.log(`aioscope benchmarks — node ${process.version}, ${new Date().toISOString()}`);
let ok = rows.length === 0 || printTable(rows);
for (const [name, list] of figures) {
  console.log(`\n${name}`);
  ok = printFigures(list) && ok;
}
console.log(ok ? "\nall budgets met" : "\nsome budgets are not met (marked OVER)");
