/**
 * "Compare with…" in the real Async panel: a page's work recorded twice — its child tasks
 * awaited one after another, then gathered — and the second recording compared, with real
 * clicks, with the first as DevTools kept it, and with a trace file. The diff table says the
 * wall time and the children's group got better and the sequential-awaits insight went away;
 * both timelines are drawn, one above the other. Screenshots light and dark.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, ElementHandle, Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { panelShowsStoppedSession } from "../../src/cli/browser.ts";
import { decodePng, distinctColours } from "../../src/cli/png-pixels.ts";
import { exportAioscope } from "../../src/trace/index.ts";
import { scratchDir } from "./cli-helpers.ts";
import { painted } from "./panel-driver.ts";
import {
  ARTIFACTS_DIR, closeBrowsers, launchBrowserWithExtension, openInspectedPage, panelTheme, POLL, serveFixturePage,
  setDevToolsColorScheme, startRecording, stopRecording, waitForTrace, type FixtureServer,
} from "./helpers.ts";

/** `runScenario(true)` gathers the three loads; `runScenario(false)` awaits them one by one. */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>compare</title></head><body>
<script>
  const load = (ms) => aioscope.sleep(ms);
  window.runScenario = (together) => aioscope.run(function* main() {
    const tasks = [];
    // Far apart (950 ms one after another, 400 ms together): the wall time, which also holds
    // the moments before and after the work while the test presses record and stop, still falls.
    for (const [k, ms] of [300, 400, 250].entries()) {
      const task = aioscope.createTask(load(ms), { name: "load " + (k + 1) });
      if (together) tasks.push(task); else yield* task;
    }
    yield* aioscope.gather(tasks);
  }, { name: "main" });
</script></body></html>`;

/** Records one run of the scenario, the page titled `title` (the kept recording's name). */
async function recordRun(page: Page, panel: Frame, title: string, together: boolean): Promise<void> {
  await page.evaluate((t: string) => {
    document.title = t;
  }, title);
  await startRecording(panel);
  await page.evaluate((t: boolean) => (window as unknown as { runScenario(t: boolean): Promise<void> }).runScenario(t), together);
  await waitForTrace(panel, (trace) => trace.tasks.some((task) => task.name === "main" && task.end !== null)
    && trace.tasks.filter((task) => task.name.startsWith("load ") && task.end !== null).length === 3);
  await stopRecording(panel);
  // The panel says "stopped" before the page's last batch (the one with its recordingStop
  // marker) has arrived: until then the session can still grow.
  await waitForTrace(panel, (trace) => trace.markers.some((marker) => marker.kind === "recordingStop"));
  // The comparison's "after" is the session as the panel shows it, whose model is rebuilt after
  // the last batch: wait until the timeline has drawn the whole session (same end and tasks).
  await panel.waitForFunction(panelShowsStoppedSession, POLL);
}

/** Distinct colours a canvas holds (up to 64): a drawn timeline has bars and labels, a blank one one colour. */
function canvasColours(panel: Frame, testid: string): Promise<number> {
  return panel.$eval(`[data-testid="${testid}"] [data-testid="timeline-canvas"]`, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let k = 0; k < data.length && seen.size < 64; k += 4) seen.add((data[k]! << 16) | (data[k + 1]! << 8) | data[k + 2]!);
    return seen.size;
  });
}

/**
 * Saves artifacts/<name>.png (the DevTools tab strip and the panel, as screenshotPanel cuts
 * it) once it shows both compared timelines drawn: DevTools composites the panel's frame on
 * its own schedule, so a canvas drawn in the panel can still be blank on screen for a while.
 * The picture saved is the one checked. (Without captureBeyondViewport, a clipped screenshot
 * does not resize the page, which would clear the canvases to draw them again.)
 */
async function screenshotWhenDrawn(devtools: Page, panel: Frame, name: string): Promise<void> {
  const frame = (await (await panel.frameElement())!.boundingBox())!;
  const areas = await panel.$$eval('[data-testid="compare-view"] [data-testid="timeline-canvas"]', (canvases) => canvases.map((canvas) => {
    const box = canvas.getBoundingClientRect();
    return { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
  }));
  expect(areas).toHaveLength(2);
  const clip = { x: frame.x, y: 0, width: frame.width, height: frame.y + frame.height };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const shot = await devtools.screenshot({ clip, captureBeyondViewport: false });
    const pixels = decodePng(shot)!;
    if (areas.every((area) => distinctColours(pixels, { ...area, y: Math.round(frame.y) + area.y }) > 8)) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      writeFileSync(join(ARTIFACTS_DIR, `${name}.png`), shot);
      return;
    }
    if (Date.now() > deadline) throw new Error(`DevTools did not show the compared timelines drawn within 20 s (${name})`);
    await painted(panel);
  }
}

interface NameRow {
  readonly group: string;
  readonly cells: string[];
  readonly tones: string[];
}

function nameRows(panel: Frame): Promise<NameRow[]> {
  return panel.$$eval('[data-testid="compare-name"]', (rows) => rows.map((row) => ({
    group: row.getAttribute("data-group") ?? "",
    cells: [...row.querySelectorAll("td")].map((cell) => cell.textContent ?? ""),
    tones: [...row.querySelectorAll(".compare-change")].map((span) => span.getAttribute("data-tone") ?? ""),
  })));
}

describe('the panel\'s "Compare with…"', () => {
  let browser: Browser;
  let server: FixtureServer;
  let page: Page | undefined;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowserWithExtension(), serveFixturePage(PAGE)]);
  });

  afterAll(async () => {
    await page?.close();
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("compares the recording with a kept one and with a file: the diff table and both timelines", async () => {
    const inspected = await openInspectedPage(browser, server.url);
    page = inspected.page;
    const { panel, devtools } = inspected;
    await recordRun(page, panel, "one after another", false);
    const sequential = await panel.evaluate(() => window.__aioscopePanel!.trace()!);
    await recordRun(page, panel, "gathered", true);

    // Nothing to compare in the menu until the first recording is kept.
    await panel.click('[data-testid="compare-button"]');
    await panel.waitForSelector('[data-testid="compare-menu"]');
    const kept = await panel.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="compare-menu"] [data-testid="saved-open"]')]
        .find((button) => button.querySelector(".saved-title")?.textContent === "one after another") ?? null,
      POLL,
    );
    await (kept as ElementHandle<HTMLButtonElement>).click();

    await panel.waitForSelector('[data-testid="compare-view"]');
    expect(await panel.$eval('[data-testid="compare-before-label"]', (e) => e.textContent)).toBe("one after another");
    expect(await panel.$eval('[data-testid="view-compare"]', (tab) => tab.getAttribute("aria-selected"))).toBe("true");
    // Gathered, the three loads take as long as the longest, not their sum: the wall time fell.
    expect(await panel.$eval('[data-testid="compare-wall"] .compare-change', (e) => e.getAttribute("data-tone"))).toBe("better");
    const rows = await nameRows(panel);
    const loads = rows.find((row) => row.group === "load #");
    expect(loads, JSON.stringify(rows)).toBeDefined();
    expect(loads!.cells[1]).toBe("3 → 3");
    const main = rows.find((row) => row.group === "main")!;
    expect(main.tones[0]).toBe("better");
    expect(await panel.$eval('[data-testid="compare-gone-insights"]', (e) => e.textContent ?? "")).toMatch(/main waits for 3 independent things one after another/);

    // Both timelines drew their session, one above the other.
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="compare-view"] [data-testid="timeline-canvas"]').length === 2, POLL);
    const boxes = await panel.$$eval('[data-testid^="compare-timeline-"]', (sections) => sections.map((s) => {
      const box = s.getBoundingClientRect();
      return { id: s.getAttribute("data-testid"), top: box.top, bottom: box.bottom, height: box.height };
    }));
    expect(boxes.map((b) => b.id)).toEqual(["compare-timeline-before", "compare-timeline-after"]);
    expect(boxes[0]!.bottom).toBeLessThanOrEqual(boxes[1]!.top + 1);
    expect(Math.min(boxes[0]!.height, boxes[1]!.height)).toBeGreaterThan(100);
    for (const id of ["compare-timeline-before", "compare-timeline-after"]) {
      await panel.waitForFunction((testid: string) => {
        const c = document.querySelector(`[data-testid="${testid}"] [data-testid="timeline-canvas"]`) as HTMLCanvasElement | null;
        return c !== null && c.width > 0 && c.height > 0;
      }, POLL, id);
      expect(await canvasColours(panel, id), id).toBeGreaterThan(8);
    }

    await screenshotWhenDrawn(devtools, panel, "compare-light");
    await setDevToolsColorScheme(devtools, "dark");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
    expect(await panelTheme(panel)).toBe("dark");
    await screenshotWhenDrawn(devtools, panel, "compare-dark");
    await setDevToolsColorScheme(devtools, "light");

    // The same through a trace file: the sequential run exported, chosen in the file chooser.
    await panel.click('[data-testid="compare-close"]');
    await panel.waitForFunction(() => document.querySelector('[data-testid="compare-view"]') === null
      && document.querySelector('[data-testid="view-compare"]') === null, POLL);
    const file = join(scratchDir(), "before.aioscope.json");
    writeFileSync(file, exportAioscope(sequential));
    await panel.click('[data-testid="compare-button"]');
    const input = (await panel.waitForSelector('[data-testid="compare-input"]')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(file);
    await panel.waitForSelector('[data-testid="compare-view"]');
    expect(await panel.$eval('[data-testid="compare-before-label"]', (e) => e.textContent)).toBe("before.aioscope.json");
    expect(await panel.$eval('[data-testid="compare-gone-insights"]', (e) => e.textContent ?? "")).toMatch(/main waits for 3 independent things/);
  });

  test("a session compared with itself shows no change", async () => {
    const inspected = await openInspectedPage(browser, server.url);
    const { panel } = inspected;
    await recordRun(inspected.page, panel, "itself", true);
    const trace = await panel.evaluate(() => window.__aioscopePanel!.trace()!);
    const file = join(scratchDir(), "itself.json");
    writeFileSync(file, exportAioscope(trace));
    const input = (await panel.waitForSelector('[data-testid="compare-input"]')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(file);
    await panel.waitForSelector('[data-testid="compare-view"]');
    expect(await panel.$eval('[data-testid="compare-wall"] .compare-change', (e) => e.getAttribute("data-tone"))).toBe("same");
    for (const row of await nameRows(panel)) expect(row.tones.every((tone) => tone === "same"), JSON.stringify(row)).toBe(true);
    expect(await panel.$('[data-testid="compare-same-findings"]')).not.toBeNull();
    await inspected.page.close();
  });
});
