/**
 * A page that floods the profiler (issue 12): 1 000 000 tiny runtime tasks (in gathers of
 * 1 000) and 100 000 zero-delay timers, run side by side in one bench run:
 *
 *   unrecorded  the extension installed, the page not recorded (its runtime is the injected one);
 *   recorded    DevTools open, the Async panel recording with native instrumentation on.
 *
 * Each has a browser of its own. Figures: the work's wall time recorded / unrecorded (budget
 * 3×), the peak JS heap of the page in both, the peak JS heap of the panel while it receives,
 * and the events the panel holds and the page dropped (the recorder sheds load, and counts
 * exactly what it shed). Heaps are CDP Runtime.getHeapUsage, sampled every 100 ms.
 *
 * `npm run bench -- flood`, or FLOOD_TASKS / FLOOD_TIMERS to change the sizes.
 */
import type { Browser, CDPSession, Page } from "puppeteer-core";
import type { BenchFigure } from "../harness.ts";
import { openInspectedPage, startRecording } from "../../test/e2e/helpers.ts";
import { launchWithExtensionCopy, startNativeServer } from "../../test/e2e/native-fixtures.ts";
import { PANEL_PAGE } from "../../src/cli/browser.ts";

const TASKS = Number(process.env.FLOOD_TASKS ?? 1_000_000);
const TIMERS = Number(process.env.FLOOD_TIMERS ?? 100_000);
const SAMPLE_MS = 100;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>flood</title></head><body><script>
window.flood = async (tasks, timers) => {
  const { run, createTask, gather } = globalThis.aioscope;
  const t0 = performance.now();
  let fired = 0;
  let timersDone;
  const allFired = new Promise((resolve) => { timersDone = resolve; });
  for (let i = 0; i < timers; i++) setTimeout(() => { if (++fired === timers) timersDone(); }, 0);
  if (timers === 0) timersDone();
  await run(function* () {
    const CHUNK = 1000;
    for (let k = 0; k < tasks; k += CHUNK) {
      const chunk = [];
      for (let j = 0; j < CHUNK && k + j < tasks; j++) chunk.push(createTask(function* () {}));
      yield* gather(chunk);
    }
  }, { name: "flood" });
  await allFired;
  return performance.now() - t0;
};
</script></body></html>`;

/** Samples a target's JS heap until stopped; returns the peak in MB. */
function heapPeak(cdp: CDPSession): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { usedSize } = await cdp.send("Runtime.getHeapUsage");
        if (usedSize > peak) peak = usedSize;
      } catch {
        // The target went away: the peak so far stands.
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak / (1024 * 1024);
    },
  };
}

async function flood(page: Page): Promise<number> {
  return page.evaluate((t: number, n: number) => (window as unknown as { flood(t: number, n: number): Promise<number> }).flood(t, n), TASKS, TIMERS);
}

async function panelSession(browser: Browser): Promise<CDPSession> {
  const target = await browser.waitForTarget((t) => t.url().endsWith(PANEL_PAGE));
  return target.createCDPSession();
}

export async function floodFigures(): Promise<BenchFigure[]> {
  const server = await startNativeServer({ "/": PAGE });
  const idle = await launchWithExtensionCopy();
  const recording = await launchWithExtensionCopy();
  try {
    const url = `${server.origin}/`;
    // Unrecorded: the extension answers at once that nobody records this tab.
    const plainPage = await idle.browser.newPage();
    await plainPage.goto(url, { waitUntil: "load" });
    const plainCdp = await plainPage.createCDPSession();
    const plainHeap = heapPeak(plainCdp);
    const unrecordedMs = await flood(plainPage);
    const unrecordedPeak = await plainHeap.stop();

    const { page, panel } = await openInspectedPage(recording.browser, url);
    await startRecording(panel);
    const pageCdp = await page.createCDPSession();
    const panelCdp = await panelSession(recording.browser);
    const pageHeap = heapPeak(pageCdp);
    const panelHeap = heapPeak(panelCdp);
    const recordedMs = await flood(page);
    // Everything the page shipped has reached the panel once what it holds and what was
    // dropped stop changing (batches may still be on their way when the work ends).
    let last = "";
    for (;;) {
      const now = await panel.evaluate(() => {
        const s = window.__aioscopePanel?.snapshot();
        return `${s?.events ?? 0}/${s?.droppedEvents ?? 0}`;
      });
      if (now === last) break;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const recordedPeak = await pageHeap.stop();
    const panelPeak = await panelHeap.stop();
    const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
    const work = `${TASKS.toLocaleString("en-US")} tasks + ${TIMERS.toLocaleString("en-US")} timers`;
    return [
      { name: `${work}, wall time recorded / unrecorded`, value: recordedMs / unrecordedMs, unit: "×", budget: { max: 3 }, note: `${recordedMs.toFixed(0)} ms vs ${unrecordedMs.toFixed(0)} ms` },
      { name: `${work}, page JS heap peak, unrecorded`, value: unrecordedPeak, unit: "MB" },
      { name: `${work}, page JS heap peak, recorded`, value: recordedPeak, unit: "MB" },
      { name: `${work}, panel JS heap peak, recording`, value: panelPeak, unit: "MB" },
      { name: `${work}, events the panel holds`, value: snapshot.events, unit: "events" },
      { name: `${work}, events dropped by page and panel (counted exactly)`, value: snapshot.droppedEvents, unit: "events" },
    ];
  } finally {
    await Promise.all([idle.close(), recording.close(), server.close()]);
  }
}
