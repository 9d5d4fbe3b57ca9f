/**
 * The Async panel in real DevTools, with the built extension, driven as a person drives it:
 * record a demo scenario with the toolbar, read the timeline's rows and marks, select a task
 * and read its details, open the statistics, export both formats, import them back, import a
 * broken file, and find the recording again after reopening DevTools.
 * `npm run build` first (the extension and the demo page).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Browser, Frame, KeyInput, Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import { importTrace } from "../../src/trace/import.ts";
import type { Trace } from "../../src/trace/model.ts";
import { panelShowsStoppedSession } from "../../src/cli/browser.ts";
import {
  clickWhenStill, closeBrowsers, launchBrowserWithExtension, openDevTools, POLL, screenshotPanel, setDevToolsColorScheme, showAsyncPanel, startRecording, stopRecording,
} from "./helpers.ts";
import {
  allowDownloads, colourDistance, dropFile, enlargeWindow, hexToRgb, importThroughInput, pixelAt, selectRow, text, painted, timelineRows,
  waitForDownload, waitForRow, waitForSteadyFrame, type PanelView,
} from "./panel-driver.ts";

const SLOW = 120_000;
const schema = JSON.parse(readFileSync(new URL("../../docs/trace-format.schema.json", import.meta.url), "utf8")) as object;
const validateTrace = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

/** The Chrome Trace Event Format's object form, as far as viewers rely on it. */
const validateChromeTrace = new Ajv2020({ allErrors: true }).compile({
  type: "object",
  required: ["traceEvents"],
  properties: {
    traceEvents: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["ph", "pid", "tid", "ts"],
        properties: {
          ph: { type: "string", minLength: 1 }, name: { type: "string" }, cat: { type: "string" },
          ts: { type: "number" }, dur: { type: "number" }, pid: { type: "integer" }, tid: { type: "integer" },
        },
      },
    },
  },
});

describe("the Async panel in DevTools", () => {
  let browser: Browser;
  let demo: DemoServer;
  let page: Page | undefined;

  beforeAll(async () => {
    [browser, demo] = await Promise.all([launchBrowserWithExtension(), startDemoServer({ port: 0 })]);
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), demo?.close()]);
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
  });

  /** Opens the demo page with DevTools on the Async panel. */
  async function openPanel(): Promise<{ devtools: Page; panel: Frame; view: PanelView }> {
    page = await browser.newPage();
    await enlargeWindow(page);
    await page.goto(demo.url);
    await page.waitForSelector('[data-testid="run-all"]');
    const devtools = await openDevTools(page);
    const panel = await showAsyncPanel(devtools);
    await waitForSteadyFrame(panel);
    return { devtools, panel, view: { frame: panel, mousePage: devtools } };
  }

  /**
   * Presses record, runs the scenario with its button in the page, waits until the panel
   * has the scenario's main task finished (or, for `stuck` ones, its tasks waiting), then
   * presses stop.
   */
  async function recordScenario(panel: Frame, scenario: string, until: "done" | "stuck" = "done"): Promise<void> {
    await startRecording(panel);
    await panel.waitForSelector('[data-testid="panel-root"][data-phase="recording"]');
    await page!.click(`[data-testid="run-${scenario}"]`);
    await page!.waitForFunction(
      (name: string, states: string[]) => document.documentElement.dataset.scenario === name && states.includes(document.documentElement.dataset.scenarioState ?? ""),
      POLL,
      scenario,
      until === "done" ? ["done", "error"] : ["deadlocked"],
    );
    await panel.waitForFunction(
      (root: string, done: boolean) => {
        const task = window.__aioscopePanel?.trace()?.tasks.find((t) => t.name === root);
        return task !== undefined && (!done || task.end !== null);
      },
      POLL,
      `scenario ${scenario}`,
      until === "done",
    );
    await stopRecording(panel);
    await panel.waitForSelector('[data-testid="panel-root"][data-phase="stopped"]');
    // The page's last batch carries its recordingStop marker: after it, the session is whole.
    await panel.waitForFunction(() => window.__aioscopePanel?.trace()?.markers.some((m) => m.kind === "recordingStop") === true, POLL);
    // And the timeline shows that whole session (its model comes a frame or two later).
    await panel.waitForFunction(panelShowsStoppedSession, POLL);
  }

  async function exportAs(panel: Frame, format: "aioscope" | "chrome", dir: string): Promise<string> {
    await panel.click('[data-testid="export-button"]');
    await panel.click(`[data-testid="export-${format}"]`);
    return waitForDownload(dir, format === "aioscope" ? ".aioscope.json" : ".trace.json");
  }

  test("draws one row per task under its parent, with error marks where tasks failed", async () => {
    const { devtools, panel, view } = await openPanel();
    await recordScenario(panel, "gather");

    const root = await waitForRow(view, "scenario gather");
    const failed = await waitForRow(view, "raise: item 2 (fails)");
    const sibling = await waitForRow(view, "raise: item 1");
    expect(root.depth).toBe(0);
    expect(failed.depth).toBe(1);
    expect(failed.y).toBeGreaterThan(root.y);
    expect(failed.outcome).toBe("error");
    expect(sibling.outcome).toBe("done");
    expect(sibling.marks).toEqual([]);
    expect(failed.marks.some((mark) => mark.kind === "error")).toBe(true);
    // The mark is drawn: the canvas shows the error colour there. Drawn now and read in the
    // same task, so a batch that arrived meanwhile (a busy machine delivers late) cannot move
    // the mark between the drawing and the geometry.
    const drawn = await panel.evaluate(() => {
      const automation = window.__aioscopePanel!;
      automation.drawTimeline();
      const mark = automation.timelineRows().find((row) => row.name === "raise: item 2 (fails)")?.marks.find((m) => m.kind === "error");
      return mark === undefined ? null : { x: mark.x, y: mark.y };
    });
    expect(drawn).not.toBeNull();
    expect(colourDistance(await pixelAt(view, drawn!.x, drawn!.y), hexToRgb("#d93025"))).toBeLessThan(60);
    const names = (await timelineRows(view)).map((row) => row.name);
    expect(names).toEqual(expect.arrayContaining(["return: item 1", "return: item 2 (fails)", "return: item 3"]));

    await painted(panel);
    await screenshotPanel(devtools, panel, "panel-timeline-light");
  }, SLOW);

  test("updates the timeline live while the page is recording", async () => {
    const { panel, view } = await openPanel();
    await startRecording(panel);
    await page!.click('[data-testid="run-deadlock"]');
    // The deadlock never ends, so these rows can only have come while recording.
    await waitForRow(view, "transfer alice→bob");
    await waitForRow(view, "transfer bob→alice");
    expect(await panel.$eval('[data-testid="panel-root"]', (root) => root.getAttribute("data-phase"))).toBe("recording");
    expect(Number((await text(view, '[data-testid="event-count"]')).replace(/\D/g, ""))).toBeGreaterThan(0);
  }, SLOW);

  test("selecting a task shows its details: outcome, parent, times, cancellation and awaits", async () => {
    const { devtools, panel, view } = await openPanel();
    await recordScenario(panel, "cancel-cleanup");

    await selectRow(view, "worker");
    expect(await text(view, '[data-testid="details-name"]')).toBe("worker");
    expect(await text(view, '[data-testid="details-outcome"]')).toBe("cancelled");
    expect(await text(view, '[data-testid="details-kind"]')).toBe("coroutine");
    expect(await text(view, '[data-testid="details-parent"]')).toBe("scenario cancel-cleanup");
    expect(await text(view, '[data-testid="details-total"]')).toMatch(/\d+(\.\d+)? (ms|s)$/);
    expect(await text(view, '[data-testid="details-busy"]')).toMatch(/running its steps/);
    const cancellation = await text(view, '[data-testid="details-cancellations"]');
    expect(cancellation).toContain("supervisor");
    expect(cancellation).toContain("stop requested by the supervisor");
    const awaited = await panel.$$eval('[data-testid="await-row"]', (rows) => rows.map((row) => row.getAttribute("data-kind")));
    expect(awaited.length).toBeGreaterThan(0);
    expect(await panel.$('[data-testid="details-site-link"]')).not.toBeNull();

    await painted(panel);
    await screenshotPanel(devtools, panel, "panel-details-light");
  }, SLOW);

  test("its shortcuts are its own: Ctrl+F finds in the panel, Ctrl+O opens a file, Escape closes a menu, then the selection, and only then opens DevTools' drawer", async () => {
    const { devtools, panel, view } = await openPanel();
    await recordScenario(panel, "cancel-cleanup");
    await selectRow(view, "worker");
    const frameHeight = async (): Promise<number> => (await (await panel.frameElement())!.boundingBox())!.height;
    const fullHeight = await frameHeight();
    // Keys that reach the panel's document after DevTools' own listener there, which forwards them to DevTools.
    await panel.evaluate(() => {
      const reached: string[] = [];
      (window as unknown as { reachedDocument: string[] }).reachedDocument = reached;
      document.addEventListener("keydown", (event) => reached.push(event.key));
      document.querySelector("[data-testid=import-input]")!.addEventListener("click", (event) => {
        event.preventDefault(); // no file chooser: that the panel asked for one is enough
        document.documentElement.dataset.fileAsked = "yes";
      }, { once: true });
    });
    const chord = async (key: KeyInput): Promise<void> => {
      await devtools.keyboard.down("Control");
      await devtools.keyboard.press(key);
      await devtools.keyboard.up("Control");
    };

    await chord("KeyF");
    await panel.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "filter-input", POLL);
    await devtools.keyboard.type("work");
    await panel.waitForFunction(() => document.querySelector<HTMLInputElement>("[data-testid=filter-input]")?.value === "work", POLL);
    await chord("KeyO");
    await panel.waitForFunction(() => document.documentElement.dataset.fileAsked === "yes", POLL);
    await panel.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    await clickWhenStill(panel, "[data-testid=export-button]");
    await panel.waitForSelector("[data-testid=export-menu]");
    await devtools.keyboard.press("Escape");
    await panel.waitForFunction(() => document.querySelector("[data-testid=export-menu]") === null, POLL);
    expect(await panel.$("[data-testid=details-pane]")).not.toBeNull();
    await panel.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await devtools.keyboard.press("Escape");
    await panel.waitForFunction(() => document.querySelector("[data-testid=details-pane]") === null, POLL);
    // Only what was typed into the filter went on (and Control on its own, which DevTools ignores).
    const reached = await panel.evaluate(() => (window as unknown as { reachedDocument: string[] }).reachedDocument);
    expect(reached.filter((key) => key !== "Control")).toEqual(["w", "o", "r", "k"]);

    // With nothing of the panel's to close, Escape is DevTools': its drawer opens. DevTools takes
    // forwarded keys in order, so by now it would have shown its search bar and Quick Open had
    // Ctrl+F and Ctrl+O reached it.
    await devtools.keyboard.press("Escape");
    await devtools.waitForFunction(
      (full: number) => [...document.querySelectorAll("iframe")].some((frame) => frame.src.startsWith("chrome-extension://") && frame.getBoundingClientRect().height < full),
      POLL,
      fullHeight,
    );
    const shownInDevTools = await devtools.evaluate(() => {
      const shown: string[] = [];
      const roots: (Document | ShadowRoot)[] = [document];
      for (let root = roots.pop(); root; root = roots.pop()) {
        for (const element of root.querySelectorAll("*")) {
          if (element.shadowRoot) roots.push(element.shadowRoot);
          const label = element.id === "search-input-field" ? "search bar" : element.getAttribute("aria-label") === "Quick open prompt" ? "Quick Open" : null;
          if (label !== null && element.checkVisibility()) shown.push(label);
        }
      }
      return shown;
    });
    expect(shownInDevTools).toEqual([]);
    await devtools.keyboard.press("Escape");
    await devtools.waitForFunction(
      (full: number) => [...document.querySelectorAll("iframe")].some((frame) => frame.src.startsWith("chrome-extension://") && frame.getBoundingClientRect().height === full),
      POLL,
      fullHeight,
    );
  }, SLOW);

  test("a task's creation site opens in the Sources panel", async () => {
    const { devtools, panel, view } = await openPanel();
    await recordScenario(panel, "cancel-cleanup");
    await selectRow(view, "worker");
    await panel.click('[data-testid="details-site-link"]');
    await devtools.waitForFunction(() => {
      const roots: (Document | ShadowRoot)[] = [document];
      for (let root = roots.pop(); root; root = roots.pop()) {
        if (root.querySelector('[role="tab"][aria-selected="true"][id$="sources"]')) return true;
        for (const element of root.querySelectorAll("*")) if (element.shadowRoot) roots.push(element.shadowRoot);
      }
      return false;
    }, POLL);
  }, SLOW);

  test("the statistics view shows charts, tables and warnings, and a warning selects its task", async () => {
    const { devtools, panel, view } = await openPanel();
    await recordScenario(panel, "deadlock", "stuck");

    await panel.click('[data-testid="view-statistics"]');
    // Polled on a timer: a DevTools panel in the background may not get animation frames.
    await panel.waitForFunction(() => document.querySelector('[data-testid="stats-view"]') !== null, POLL);
    for (const chart of ["chart-concurrency", "chart-outcomes", "chart-durations", "chart-utilisation"]) {
      expect(await panel.$(`[data-testid="${chart}"] canvas`)).not.toBeNull();
    }
    const names = await panel.$$eval('[data-testid="name-row"]', (rows) => rows.map((row) => row.getAttribute("data-name")));
    expect(names).toEqual(expect.arrayContaining(["transfer alice→bob", "transfer bob→alice"]));
    expect(await panel.$$('[data-testid="resource-row"]')).not.toHaveLength(0);
    await panel.waitForSelector('[data-testid="warning"][data-kind="deadlock"] button');
    expect(await text(view, '[data-testid="warning"][data-kind="deadlock"]')).toMatch(/deadlock/i);
    await painted(panel);
    await screenshotPanel(devtools, panel, "panel-statistics-light");

    // Looked up again once the screenshot is taken and the panel has drawn since: the click
    // goes to the warning as it is shown now.
    await painted(panel);
    const deadlock = await panel.waitForSelector('[data-testid="warning"][data-kind="deadlock"] button');
    const taskId = Number(await deadlock!.evaluate((button) => button.getAttribute("data-task-id")));
    await deadlock!.click();
    await panel.waitForSelector('[data-testid="panel-root"][data-view="timeline"]');
    await panel.waitForSelector(`[data-testid="details-pane"][data-task-id="${taskId}"]`);
    expect(await text(view, '[data-testid="details-name"]')).toMatch(/^transfer /);
  }, SLOW);

  test("exports aioscope JSON and a Chrome trace as downloaded files, both valid", async () => {
    const { panel } = await openPanel();
    const downloads = mkdtempSync(join(tmpdir(), "aioscope-downloads-"));
    await allowDownloads(await browser.target().createCDPSession(), downloads);
    await recordScenario(panel, "wait-for-timeout");
    const recorded = (await panel.evaluate(() => window.__aioscopePanel!.trace())) as Trace;

    const aioscopeText = readFileSync(await exportAs(panel, "aioscope", downloads), "utf8");
    const aioscope = JSON.parse(aioscopeText) as unknown;
    expect(validateTrace(aioscope), JSON.stringify(validateTrace.errors)).toBe(true);
    expect((aioscope as Trace).tasks.map((t) => t.name)).toEqual(recorded.tasks.map((t) => t.name));

    const chromeText = readFileSync(await exportAs(panel, "chrome", downloads), "utf8");
    expect(validateChromeTrace(JSON.parse(chromeText)), JSON.stringify(validateChromeTrace.errors)).toBe(true);
    const fromChrome = importTrace(chromeText);
    expect(fromChrome.ok).toBe(true);
    if (fromChrome.ok) expect(validateTrace(JSON.parse(JSON.stringify(fromChrome.trace)))).toBe(true);
  }, SLOW);

  test("an exported file imports back and shows the same rows", async () => {
    const { panel, view } = await openPanel();
    const downloads = mkdtempSync(join(tmpdir(), "aioscope-downloads-"));
    await allowDownloads(await browser.target().createCDPSession(), downloads);
    // Only the runtime's tasks: the page's own timers would go on changing the session while
    // the files are written.
    await panel.click('[data-testid="native-toggle"]');
    await panel.waitForSelector('[data-testid="native-toggle"]:not(:checked)');
    await recordScenario(panel, "gather");
    const recordedRows = (await timelineRows(view)).map(({ name, outcome, depth, marks }) => ({ name, outcome, depth, marks: marks.map((m) => m.kind) }));
    const chromeFile = await exportAs(panel, "chrome", downloads);
    const aioscopeFile = await exportAs(panel, "aioscope", downloads);

    for (const file of [aioscopeFile, chromeFile]) {
      await panel.click('[data-testid="clear-button"]');
      await panel.waitForSelector('[data-testid="empty-state"]');
      await importThroughInput(view, file);
      await panel.waitForSelector('[data-testid="session-label"]');
      await waitForRow(view, "scenario gather");
      const importedRows = (await timelineRows(view)).map(({ name, outcome, depth, marks }) => ({ name, outcome, depth, marks: marks.map((m) => m.kind) }));
      expect(importedRows).toEqual(recordedRows);
    }
  }, SLOW);

  test("a file dropped on the panel is imported", async () => {
    const { panel, view } = await openPanel();
    await recordScenario(panel, "gather");
    const trace = (await panel.evaluate(() => window.__aioscopePanel!.trace())) as Trace;
    const renamed = { ...trace, tasks: trace.tasks.map((t) => (t.parent === null ? { ...t, name: "dropped session" } : t)) };
    await panel.click('[data-testid="clear-button"]');
    await dropFile(view, "dropped.aioscope.json", JSON.stringify(renamed));
    await waitForRow(view, "dropped session");
    expect(await text(view, '[data-testid="session-label"]')).toBe("dropped.aioscope.json");
  }, SLOW);

  test("a broken file shows the importer's precise error, and the session stays", async () => {
    const { panel, view } = await openPanel();
    await recordScenario(panel, "gather");
    const trace = (await panel.evaluate(() => window.__aioscopePanel!.trace())) as Trace;
    const session = (): Promise<unknown> => panel.evaluate(() => {
      const automation = window.__aioscopePanel!;
      return { session: automation.snapshot().session, loaded: automation.snapshot().loaded, tasks: automation.trace()!.tasks.map((t) => t.name) };
    });
    const before = await session();
    const broken = join(mkdtempSync(join(tmpdir(), "aioscope-broken-")), "broken.aioscope.json");
    const text_ = JSON.stringify({ ...trace, tasks: trace.tasks.map((t, k) => (k === 1 ? { ...t, created: -5 } : t)) });
    writeFileSync(broken, text_);

    await importThroughInput(view, broken);
    const banner = await panel.waitForSelector('[data-testid="banner-error"]');
    const message = await banner!.evaluate((element) => element.textContent ?? "");
    expect(message).toContain("broken.aioscope.json");
    expect(message).toContain("$.tasks[1].created");
    expect(await session()).toEqual(before);
    await waitForRow(view, "scenario gather");

    // A truncated file says so.
    writeFileSync(broken, text_.slice(0, text_.length / 2));
    await panel.click('[data-testid="banner-dismiss"]');
    await importThroughInput(view, broken);
    await panel.waitForFunction(() => /truncated/.test(document.querySelector('[data-testid="banner-error"]')?.textContent ?? ""), POLL);
  }, SLOW);

  test("a recording is kept and listed again after DevTools is closed and reopened", async () => {
    const first = await openPanel();
    await recordScenario(first.panel, "gather");
    // Clearing keeps the recording (it is saved at once if it was not yet), and lists it.
    await first.panel.click('[data-testid="clear-button"]');
    await first.panel.waitForSelector('[data-testid="saved-recording"]');
    await first.devtools.close();

    const devtools = await openDevTools(page!);
    const panel = await showAsyncPanel(devtools);
    const view: PanelView = { frame: panel, mousePage: devtools };
    const saved = await panel.waitForSelector('[data-testid="saved-recording"]');
    expect(await saved!.evaluate((element) => element.textContent ?? "")).toMatch(/tasks/);
    await panel.click('[data-testid="saved-open"]');
    await waitForRow(view, "scenario gather");
  }, SLOW);

  test("follows DevTools into the dark theme", async () => {
    const { devtools, panel, view } = await openPanel();
    // Runtime tasks only: the colours checked here are the task rows' own, with no native
    // rows laid out among them.
    await panel.click('[data-testid="native-toggle"]');
    await panel.waitForFunction(() => !(document.querySelector('[data-testid="native-toggle"]') as HTMLInputElement).checked, POLL);
    await recordScenario(panel, "cancel-cleanup");
    await setDevToolsColorScheme(devtools, "dark");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
    await selectRow(view, "worker");
    // The end mark is a bar 3 px wide: the dark palette's cancel colour, not the light one's.
    // Selecting opens the details pane, which resizes (and so clears and redraws) the
    // timeline's canvas: look until what is on screen settles, at the row's current place.
    const darkCancel = hexToRgb("#fcad70");
    let closest = Infinity;
    for (const deadline = Date.now() + 10_000; closest >= 60 && Date.now() < deadline;) {
      await painted(panel);
      await panel.evaluate(() => window.__aioscopePanel!.drawTimeline());
      const cancelled = (await waitForRow(view, "worker")).marks.find((mark) => mark.kind === "cancelled");
      expect(cancelled).toBeDefined();
      const near = await Promise.all([-1, 0, 1].map((dx) => pixelAt(view, cancelled!.x + dx, cancelled!.y + 3)));
      closest = Math.min(...near.map((rgb) => colourDistance(rgb, darkCancel)));
    }
    expect(closest).toBeLessThan(60);
    await painted(panel);
    await screenshotPanel(devtools, panel, "panel-details-dark");
    // The dark statistics view is photographed, not tested here (the statistics test clicks
    // with the mouse): a mouse click sent right after a clipped screenshot of the DevTools
    // window is sometimes lost in headless Chromium, so the tab is pressed from its element.
    await panel.$eval('[data-testid="view-statistics"]', (tab) => (tab as HTMLButtonElement).click());
    // Polled on a timer: a DevTools panel in the background may not get animation frames.
    await panel.waitForFunction(() => document.querySelector('[data-testid="stats-view"]') !== null, POLL);
    await painted(panel);
    await screenshotPanel(devtools, panel, "panel-statistics-dark");
  }, SLOW);
});
