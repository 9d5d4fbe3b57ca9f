/**
 * The Async panel at scale, in headless Chromium (the inline shell, production build): a
 * synthetic session of 100 000 tasks and about 1 000 000 records (panel-session.ts) is
 * imported through the panel's own file input and import worker, and then zoomed and panned
 * as a person would — Ctrl+wheel, Shift+wheel, W/A/S/D held down.
 *
 * Budgets (issue 6): imported and first drawn within 3 s; zoom and pan frames under 16 ms at
 * the median; panel memory under 300 MB (JavaScript heaps of the panel page and its import
 * worker, after a garbage collection).
 *
 * PANEL_TASKS and PANEL_RECORDS change the session's size (issue 13's 1 M-task file:
 * `PANEL_TASKS=1000000 PANEL_RECORDS=4400000 npm run bench:panel`; budgets then 8 s and 1 GB).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CDPSession, ElementHandle, Page } from "puppeteer-core";
import { aioscopeChunks } from "../../src/trace/export-aioscope.ts";
import { POLL } from "../../test/e2e/helpers.ts";
import { buildShell, launchShellBrowser, openShell, serveShell } from "../../test/e2e/panel-shell.ts";
import type { BenchFigure } from "../harness.ts";
import { BUDGET_SHAPE, recordCount, syntheticSession, type SessionShape } from "./panel-session.ts";

const MB = 1024 * 1024;

const SHAPE: SessionShape = {
  ...BUDGET_SHAPE,
  tasks: Number(process.env.PANEL_TASKS ?? BUDGET_SHAPE.tasks),
  records: Number(process.env.PANEL_RECORDS ?? BUDGET_SHAPE.records),
};
/** The budgets of issue 6 at 100 000 tasks; of issue 13 for a file ten times that. */
const LARGE = SHAPE.tasks > BUDGET_SHAPE.tasks;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function heapUsed(session: CDPSession): Promise<number> {
  await session.send("HeapProfiler.collectGarbage");
  const { usedSize } = await session.send("Runtime.getHeapUsage");
  return usedSize;
}

/**
 * Resolves after the page has drawn `count` more animation frames. (Text, not a function:
 * tsx would wrap an inner function in a `__name` helper that the page does not have.)
 */
function frames(page: Page, count: number): Promise<void> {
  return page.evaluate(`new Promise((resolve) => {
    let left = ${count};
    const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  })`) as Promise<void>;
}

async function navigate(page: Page): Promise<{ samples: number[]; heldFps: number }> {
  const box = (await page.$eval('[data-testid="timeline-canvas"]', (c) => c.getBoundingClientRect().toJSON())) as DOMRect;
  const x = box.left + box.width * 0.6;
  const y = box.top + box.height * 0.5;
  await page.mouse.move(x, y);
  await page.evaluate(() => window.__aioscopePanel!.resetFrameTimes());
  await page.keyboard.down("Control");
  for (let k = 0; k < 40; k++) {
    await page.mouse.wheel({ deltaY: -120 });
    await frames(page, 1);
  }
  await page.keyboard.up("Control");
  await page.keyboard.down("Shift");
  for (let k = 0; k < 40; k++) {
    await page.mouse.wheel({ deltaY: k < 20 ? 120 : -120 });
    await frames(page, 1);
  }
  await page.keyboard.up("Shift");
  // Scroll the rows to the middle of the session and zoom back out with the keys.
  await page.$eval('[data-testid="timeline-scroller"]', (s) => (s.scrollTop = s.scrollHeight / 2));
  const before = await page.evaluate(() => window.__aioscopePanel!.frameTimes().total);
  const started = Date.now();
  for (const key of ["s", "a", "w", "d"] as const) {
    await page.keyboard.down(key);
    await frames(page, 30);
    await page.keyboard.up(key);
  }
  const seconds = (Date.now() - started) / 1000;
  const report = await page.evaluate(() => window.__aioscopePanel!.frameTimes());
  return { samples: report.samples, heldFps: (report.total - before) / seconds };
}

export async function panelFigures(importer: "inline" | "worker" = "worker"): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), "aioscope-panel-bench-"));
  const file = join(dir, "synthetic.aioscope.json");
  const trace = syntheticSession(SHAPE);
  const records = recordCount(trace);
  // Written in chunks: a file of a million tasks is longer than the longest string V8 makes.
  const fd = openSync(file, "w");
  let bytes = 0;
  try {
    for (const chunk of aioscopeChunks(trace)) bytes += writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  await buildShell();
  const [server, browser] = await Promise.all([serveShell(), launchShellBrowser()]);
  try {
    const page = await openShell(browser, server, `?storage=off&importer=${importer}`, { width: 1400, height: 900 });
    const session = await page.createCDPSession();
    await session.send("HeapProfiler.enable");
    const heapBefore = await heapUsed(session);
    const input = (await page.$('[data-testid="import-input"]')) as ElementHandle<HTMLInputElement>;
    await page.evaluate(() => {
      document.querySelector('[data-testid="import-input"]')!.addEventListener("change", () => performance.mark("bench:chosen"), { capture: true });
    });
    await input.uploadFile(file);
    await page.waitForFunction(
      () => window.__aioscopePanel!.snapshot().loaded !== null && window.__aioscopePanel!.frameTimes().firstAt !== null,
      { ...POLL, timeout: LARGE ? 600_000 : 120_000 },
    );
    const timing = await page.evaluate(() => ({
      chosen: performance.getEntriesByName("bench:chosen")[0]?.startTime ?? NaN,
      result: performance.getEntriesByName("aioscope:import-result")[0]?.startTime ?? NaN,
      // The worker's columns arrived (worker importer only).
      columns: performance.getEntriesByName("aioscope:import-columns")[0]?.startTime ?? null,
      drawn: window.__aioscopePanel!.frameTimes().firstAt!,
    }));
    await frames(page, 2);
    let workerHeap = 0;
    for (const worker of page.workers()) workerHeap += await heapUsed(worker.client);
    const pageHeap = await heapUsed(session);
    const { samples, heldFps } = await navigate(page);
    const statsStart = Date.now();
    await page.click('[data-testid="view-statistics"]');
    await page.waitForSelector('[data-testid="chart-concurrency"]', { timeout: LARGE ? 600_000 : 120_000 });
    await frames(page, 1);
    const statsMs = Date.now() - statsStart;
    const note = `${trace.tasks.length.toLocaleString("en-US")} tasks, ${records.toLocaleString("en-US")} records, ${(bytes / MB).toFixed(0)} MB file`;
    return [
      { name: "import + first draw", value: timing.drawn - timing.chosen, unit: "ms", budget: { max: LARGE ? 8000 : 3000 }, note },
      ...(timing.columns === null
        ? [{ name: "  of which reading, parsing and checking on the panel's thread", value: timing.result - timing.chosen, unit: "ms" }]
        : [
          { name: "  of which reading, parsing and checking in the import worker, and moving the columns back", value: timing.columns - timing.chosen, unit: "ms" },
          { name: "  of which rebuilding the trace's records from the columns", value: timing.result - timing.columns, unit: "ms" },
        ]),
      { name: "  of which building the timeline and drawing it", value: timing.drawn - timing.result, unit: "ms" },
      { name: "zoom/pan frame, median", value: percentile(samples, 50), unit: "ms", budget: { max: 16 }, note: `${samples.length} frames: Ctrl+wheel, Shift+wheel, W/A/S/D held` },
      { name: "zoom/pan frame, 95th percentile", value: percentile(samples, 95), unit: "ms" },
      { name: "zoom/pan frame, slowest", value: Math.max(...samples), unit: "ms" },
      { name: "frames a second while a key is held", value: heldFps, unit: "fps" },
      { name: "panel memory (JS heaps: page + import worker, after GC)", value: (pageHeap + workerHeap) / MB, unit: "MB", budget: { max: LARGE ? 1024 : 300 }, note: `page ${(pageHeap / MB).toFixed(0)} MB (${(heapBefore / MB).toFixed(0)} MB before the import), worker ${(workerHeap / MB).toFixed(0)} MB` },
      { name: "statistics view first shown (analysis of the whole session)", value: statsMs, unit: "ms" },
    ];
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
