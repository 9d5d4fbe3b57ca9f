/**
 * The extension pipeline in headless Chromium, against the same page without the extension:
 * - sustained delivery page → panel (events a second, and whether any were dropped);
 * - what the MAIN-world script adds to page start-up (time to the page's first script);
 * - how fast a page that is NOT being recorded runs its async work.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "puppeteer-core";
import { launchChromium } from "./launch.ts";
import { POLL, openDevTools, showAsyncPanel } from "../../test/e2e/helpers.ts";
import { median, type BenchFigure } from "../harness.ts";

/**
 * The bench page. `firstScript` is when its first inline script ran. `work()` is async work
 * written with the page's own Promises and timers (no runtime), `flood(rate, ms)` makes
 * runtime tasks yield at a steady pace, using the runtime the extension injects.
 */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<script>window.firstScript = performance.now();</script></head><body><script>
window.work = async () => {
  const t0 = performance.now();
  for (let round = 0; round < 20; round++) {
    await Promise.all(Array.from({ length: 2000 }, async (_, i) => { await null; await Promise.resolve(i); return i; }));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return performance.now() - t0;
};
window.flood = (stepsPerMs, ms) => {
  const { run, sleep, createTask, gather } = globalThis.aioscope;
  return run(function* () {
    const start = performance.now();
    let steps = 0;
    const workers = [];
    for (let w = 0; w < 16; w++) workers.push(createTask(function* () {
      while (performance.now() - start < ms) {
        // Pace: never run ahead of the target rate.
        if (steps > (performance.now() - start) * stepsPerMs) { yield* sleep(1); continue; }
        steps++;
        yield* sleep(0);
      }
    }, { name: "flood-" + w }));
    yield* gather(workers);
    return steps;
  }, { name: "flood" });
};
</script></body></html>`;

async function servePage(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

interface StartUp {
  /** When the page's first script ran (ms after navigation start). */
  readonly firstScript: number;
  /** How long the MAIN-world script ran (its own `aioscope:hook` measure), if present. */
  readonly hook: number | null;
}

async function startUp(browser: Browser, url: string, loads: number): Promise<StartUp> {
  const page = await browser.newPage();
  const first: number[] = [];
  const hook: number[] = [];
  for (let k = 0; k < loads; k++) {
    await page.goto(url, { waitUntil: "load" });
    const sample = await page.evaluate(() => ({
      first: (window as unknown as { firstScript: number }).firstScript,
      hook: performance.getEntriesByName("aioscope:hook")[0]?.duration ?? null,
    }));
    first.push(sample.first);
    if (sample.hook !== null) hook.push(sample.hook);
  }
  await page.close();
  // The first loads warm the caches.
  return { firstScript: median(first.slice(2)), hook: hook.length > 2 ? median(hook.slice(2)) : null };
}

/** Medians of `work()` on both browsers, run alternately so that drift in the machine's load hits both alike. */
async function workTimes(browsers: readonly [Browser, Browser], url: string, runs: number): Promise<[number, number]> {
  const pages = await Promise.all(browsers.map(async (browser) => {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: "load" });
    return page;
  }));
  const times: [number[], number[]] = [[], []];
  for (let k = 0; k < runs; k++) {
    for (const side of [0, 1] as const) times[side].push(await pages[side]!.evaluate(() => (window as unknown as { work(): Promise<number> }).work()));
  }
  await Promise.all(pages.map((page) => page.close()));
  return [median(times[0].slice(2)), median(times[1].slice(2))];
}

interface Delivery {
  readonly produced: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly seconds: number;
}

/** Floods the page at `stepsPerMs` steps a ms (about) for `ms` while the real panel records. */
async function delivery(browser: Browser, url: string, stepsPerMs: number, ms: number): Promise<Delivery> {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: "load" });
  const devtools = await openDevTools(page);
  const panel = await showAsyncPanel(devtools);
  await panel.waitForFunction(() => window.__aioscopePanel !== undefined, POLL);
  await panel.evaluate(() => window.__aioscopePanel!.record());
  await panel.waitForFunction(() => window.__aioscopePanel!.snapshot().phase === "recording", POLL);
  const started = Date.now();
  await page.evaluate((rate, duration) => (window as unknown as { flood(r: number, d: number): Promise<number> }).flood(rate, duration), stepsPerMs, ms);
  // Delivered: every flood task has exited in the panel's session. If the page shed events,
  // its exit may be among them: then delivered is when the panel's counts stop moving.
  let last = "";
  let still = 0;
  for (;;) {
    const state = await panel.evaluate(() => {
      const trace = window.__aioscopePanel!.trace();
      const { events, droppedEvents } = window.__aioscopePanel!.snapshot();
      return { done: trace !== null && trace.tasks.some((t) => t.name === "flood" && t.outcome === "done"), counts: `${events}/${droppedEvents}`, dropped: droppedEvents > 0 };
    });
    if (state.done) break;
    still = state.counts === last ? still + 1 : 0;
    last = state.counts;
    if (state.dropped && still >= 20) break;
    if (Date.now() - started > 120_000) throw new Error(`the panel never showed the flood's end and dropped nothing (events/dropped: ${state.counts})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (Date.now() - started) / 1000;
  const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
  await page.close();
  return { produced: snapshot.events + snapshot.droppedEvents, delivered: snapshot.events, dropped: snapshot.droppedEvents, seconds };
}

export async function pipelineFigures(): Promise<BenchFigure[]> {
  const { url, server } = await servePage();
  const [withExtension, without] = await Promise.all([launchChromium(true), launchChromium(false)]);
  try {
    const startWith = await startUp(withExtension, url, 22);
    const startWithout = await startUp(without, url, 22);
    const [workWith, workWithout] = await workTimes([withExtension, without], url, 15);
    // 150 sleep(0) steps a ms: 300 000 events a second, two a step (its begin and end; the
    // wake-up a bare yield makes is implied by the end, docs/trace-format.md).
    const flood = await delivery(withExtension, url, 150, 3000);
    return [
      { name: "page start-up: the MAIN-world script's own run time (median of 20 loads)", value: startWith.hook ?? NaN, unit: "ms", budget: { max: 2 } },
      {
        name: "page start-up: first page script, with / without the extension (median of 20 loads)",
        value: startWith.firstScript - startWithout.firstScript,
        unit: "ms",
        note: `${startWith.firstScript.toFixed(1)} ms vs ${startWithout.firstScript.toFixed(1)} ms; beyond the script's own time this is Chromium injecting document_start content scripts`,
      },
      { name: "async work on a page not being recorded, with / without the extension", value: workWith / workWithout, unit: "×", budget: { max: 1.05 }, note: `${workWith.toFixed(1)} ms vs ${workWithout.toFixed(1)} ms` },
      { name: "sustained delivery page → panel (3 s flood, recorded by the real panel)", value: flood.delivered / flood.seconds, unit: "events/s", budget: { min: 200_000 }, note: `${flood.delivered.toLocaleString("en-US")} events in ${flood.seconds.toFixed(2)} s` },
      { name: "events dropped during that flood", value: flood.dropped, unit: "events", budget: { max: 0 } },
    ];
  } finally {
    await Promise.all([withExtension.close(), without.close()]);
    server.close();
  }
}
