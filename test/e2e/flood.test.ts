/**
 * A page that floods the profiler while the real panel records it: 200 000 tiny runtime tasks,
 * spawned in one step, and 20 000 timers. The page finishes its work; the recorder sheds what it cannot keep and
 * the panel shows exactly how many events were dropped, the same number the trace carries;
 * and the analysis, knowing events are missing, reports no deadlock it cannot prove. (How fast
 * the page stays is a benchmark's business: `npm run bench -- flood`.)
 */
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeBrowsers, launchBrowserWithExtension, openInspectedPage, POLL, serveFixturePage, startRecording, stopRecording, type FixtureServer } from "./helpers.ts";
import { analyze } from "../../src/trace/index.ts";

const TASKS = 200_000;
const TIMERS = 20_000;

const FLOOD_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>flood</title></head><body><script>
window.flood = async (tasks, timers) => {
  const { run, createTask, gather } = globalThis.aioscope;
  let fired = 0;
  let timersDone;
  const allFired = new Promise((resolve) => { timersDone = resolve; });
  for (let i = 0; i < timers; i++) setTimeout(() => { if (++fired === timers) timersDone(); }, 0);
  let finished = 0;
  await run(function* () {
    // All spawned in one step, one event each at least: no flush runs in between, so the
    // recorder's allowance (page-agent.ts) runs out however fast or slow this machine is.
    const all = [];
    for (let k = 0; k < tasks; k++) all.push(createTask(function* () { finished++; }));
    yield* gather(all);
  }, { name: "flood" });
  await allFired;
  return { finished, fired };
};
</script></body></html>`;

describe("a page flooding the profiler", () => {
  let browser: Browser;
  let server: FixtureServer;

  beforeAll(async () => {
    server = await serveFixturePage(FLOOD_PAGE);
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("finishes its work, and the panel shows the exact count of events shed, with no unproven deadlock", async () => {
    const { page, panel } = await openInspectedPage(browser, server.url);
    await startRecording(panel);
    const done = await page.evaluate((t: number, n: number) => (window as unknown as { flood(t: number, n: number): Promise<{ finished: number; fired: number }> }).flood(t, n), TASKS, TIMERS);
    expect(done).toEqual({ finished: TASKS, fired: TIMERS });
    await stopRecording(panel);
    // The page's last batch (with the recordingStop marker) has arrived.
    await panel.waitForFunction(() => window.__aioscopePanel!.trace()!.markers.some((m) => m.kind === "recordingStop"), POLL);

    const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
    const trace = await panel.evaluate(() => window.__aioscopePanel!.trace()!);
    expect(snapshot.droppedEvents).toBeGreaterThan(0);
    expect(trace.droppedEvents).toBe(snapshot.droppedEvents);
    const shown = await panel.waitForFunction(() => document.querySelector("[data-testid=dropped-count]")?.textContent, POLL);
    expect(String(await shown.jsonValue()).replace(/\D/g, "")).toBe(String(snapshot.droppedEvents));

    const kinds = analyze(trace).warnings.map((w) => w.kind);
    expect(kinds).toContain("droppedEvents");
    expect(kinds).not.toContain("deadlock");
    await page.close();
  });
});
