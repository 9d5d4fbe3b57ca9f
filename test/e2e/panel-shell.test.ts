/**
 * The Async panel in the inline shell (src/devtools/shell): the real panel, mounted in a plain
 * page and fed by the extension's real page agent, bridge and router over in-memory ports,
 * recording a real runtime program in that page. These cover how the timeline is navigated and read — zoom, pan, hover, collapse, filter, keys —
 * and storage errors, quickly and without DevTools.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { panelShowsStoppedSession } from "../../src/cli/browser.ts";
import { POLL } from "./helpers.ts";
import { buildShell, launchShellBrowser, openShell, serveShell, type ShellServer } from "./panel-shell.ts";
import {
  allowDownloads, clickAt, moveTo, selectRow, text, timelineRows, waitForDownload, waitForRow, type PanelView,
} from "./panel-driver.ts";

const SLOW = 90_000;

describe("the Async panel in the inline shell", () => {
  let browser: Browser;
  let server: ShellServer;
  let page: Page | undefined;

  beforeAll(async () => {
    await buildShell();
    [browser, server] = await Promise.all([launchShellBrowser(), serveShell()]);
  });

  afterAll(async () => {
    await Promise.all([browser?.close(), server?.close()]);
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
  });

  /** Opens the shell, records its program to the end, and stops. */
  async function recorded(query = "?storage=off"): Promise<PanelView> {
    page = await openShell(browser, server, query);
    const view: PanelView = { frame: page, mousePage: page };
    await page.click('[data-testid="record-button"]');
    await page.waitForFunction(() => window.__aioscopeShell?.extension.programDone !== undefined, POLL);
    await page.evaluate(() => window.__aioscopeShell!.extension.programDone);
    await page.waitForFunction(() => window.__aioscopePanel?.trace()?.tasks.find((t) => t.name === "main")?.end != null, POLL);
    await page.click('[data-testid="record-button"]');
    await page.waitForSelector('[data-testid="panel-root"][data-phase="stopped"]');
    // The panel says "stopped" at once, but the page's last batch (its recordingStop marker,
    // which ends the session) crosses the bridge and the router after that. Until it is in,
    // the session may still grow and the timeline rescale under a test's pointer.
    await page.waitForFunction(() => window.__aioscopePanel!.trace()!.markers.some((m) => m.kind === "recordingStop"), POLL);
    // And the timeline shows that whole session: its model is built after a rest, in slices,
    // so a frame or two later than the store has the session.
    await page.waitForFunction(panelShowsStoppedSession, POLL);
    await waitForRow(view, "main");
    return view;
  }

  const span = (view: PanelView): Promise<number> => view.frame.evaluate(() => {
    const window_ = window.__aioscopePanel!.timelineWindow()!;
    return window_.end - window_.start;
  });

  test("shows rows as they are recorded, before the recording stops", async () => {
    page = await openShell(browser, server, "?storage=off");
    const view: PanelView = { frame: page, mousePage: page };
    await page.click('[data-testid="record-button"]');
    await waitForRow(view, "fetch 1");
    expect(await page.$eval('[data-testid="panel-root"]', (root) => root.getAttribute("data-phase"))).toBe("recording");
    await waitForRow(view, "worker");
  }, SLOW);

  test("W and S zoom in and out, A and D pan", async () => {
    const view = await recorded();
    const whole = await span(view);
    await page!.keyboard.down("w");
    await page!.waitForFunction((before: number) => {
      const w = window.__aioscopePanel!.timelineWindow()!;
      return w.end - w.start < before / 2;
    }, POLL, whole);
    await page!.keyboard.up("w");
    const zoomed = await span(view);
    const start = await page!.evaluate(() => window.__aioscopePanel!.timelineWindow()!.start);
    await page!.keyboard.down("d");
    await page!.waitForFunction((before: number) => window.__aioscopePanel!.timelineWindow()!.start > before, POLL, start);
    await page!.keyboard.up("d");
    // Panning keeps the zoom: the span stays as it was (a ratio, since a busy machine may
    // deliver the released W one animation frame late).
    expect(Math.abs((await span(view)) / zoomed - 1)).toBeLessThan(0.05);
    await page!.keyboard.down("s");
    await page!.waitForFunction((before: number) => {
      const w = window.__aioscopePanel!.timelineWindow()!;
      return w.end - w.start > before * 1.5;
    }, POLL, zoomed);
    await page!.keyboard.up("s");
  }, SLOW);

  test("Ctrl+wheel zooms at the pointer and dragging pans", async () => {
    const view = await recorded();
    const row = await waitForRow(view, "fetch 2");
    const anchorX = (row.x0 + row.x1) / 2;
    /** The trace time at x, from where "fetch 2"'s lifetime is drawn (x0 is its creation, x1 its end). */
    const timeAt = (x: number): Promise<number> => page!.evaluate((px: number) => {
      const r = window.__aioscopePanel!.timelineRows().find((g) => g.name === "fetch 2")!;
      const t = window.__aioscopePanel!.trace()!.tasks.find((task) => task.name === "fetch 2")!;
      return t.created + ((px - r.x0) / (r.x1 - r.x0)) * (t.end! - t.created);
    }, x);
    const before = await timeAt(anchorX);
    await moveTo(view, anchorX, row.y);
    await page!.keyboard.down("Control");
    await page!.mouse.wheel({ deltaY: -400 });
    await page!.keyboard.up("Control");
    await page!.waitForFunction((x: number) => {
      const r = window.__aioscopePanel!.timelineRows().find((g) => g.name === "fetch 2");
      return r !== undefined && r.x1 - r.x0 > 0 && Math.abs((r.x0 + r.x1) / 2 - x) < 200;
    }, POLL, anchorX);
    const zoomedRow = (await timelineRows(view)).find((r) => r.name === "fetch 2")!;
    expect(zoomedRow.x1 - zoomedRow.x0).toBeGreaterThan((row.x1 - row.x0) * 1.5);
    // The time under the pointer stayed under the pointer: it moved by less than a pixel's
    // worth of time at the new zoom (a ratio to the scale, not a number of ms).
    const fetch2 = await page!.evaluate(() => window.__aioscopePanel!.trace()!.tasks.find((task) => task.name === "fetch 2")!);
    const pxPerMs = (zoomedRow.x1 - zoomedRow.x0) / (fetch2.end! - fetch2.created);
    expect(Math.abs((await timeAt(anchorX)) - before) * pxPerMs).toBeLessThan(1.5);

    const windowBefore = await page!.evaluate(() => window.__aioscopePanel!.timelineWindow()!);
    await page!.mouse.move(anchorX, row.y);
    await page!.mouse.down();
    await page!.mouse.move(anchorX - 100, row.y, { steps: 5 });
    await page!.mouse.up();
    const windowAfter = await page!.evaluate(() => window.__aioscopePanel!.timelineWindow()!);
    expect(windowAfter.start).toBeGreaterThan(windowBefore.start);
  }, SLOW);

  test("hovering a wait tells what the task awaited", async () => {
    const view = await recorded();
    const row = await waitForRow(view, "fetch 2");
    await moveTo(view, (row.x0 + row.x1) / 2, row.y);
    const tooltip = await page!.waitForSelector('[data-testid="timeline-tooltip"]');
    const words = await tooltip!.evaluate((element) => element.textContent ?? "");
    expect(words).toContain("fetch 2");
    expect(words).toMatch(/Awaiting sleep/);
  }, SLOW);

  test("clicking a row's triangle collapses its children, and again expands them", async () => {
    const view = await recorded();
    const main = await waitForRow(view, "main");
    const count = (await timelineRows(view)).length;
    // The triangle sits at the start of the label, after the indent.
    await clickAt(view, 10, main.y);
    await page!.waitForFunction((n: number) => window.__aioscopePanel!.timelineRows().length < n, POLL, count);
    expect((await timelineRows(view)).map((r) => r.name)).toEqual(["main"]);
    await clickAt(view, 10, main.y);
    await page!.waitForFunction((n: number) => window.__aioscopePanel!.timelineRows().length === n, POLL, count);
  }, SLOW);

  test("the filter keeps matching tasks and their ancestors", async () => {
    const view = await recorded();
    await page!.type('[data-testid="filter-input"]', "consumer");
    await page!.waitForFunction(() => window.__aioscopePanel!.timelineRows().every((r) => r.name === "main" || r.name.startsWith("consumer")), POLL);
    expect((await timelineRows(view)).map((r) => r.name)).toEqual(["main", "consumer 1", "consumer 2"]);
    expect(await text(view, '[data-testid="filter-count"]')).toBe("2 matches");
  }, SLOW);

  test("arrow keys move the selection from row to row", async () => {
    const view = await recorded();
    await selectRow(view, "fetch 1");
    await page!.keyboard.press("ArrowDown");
    await page!.waitForFunction(() => document.querySelector('[data-testid="details-name"]')?.textContent === "fetch 2", POLL);
    await page!.keyboard.press("ArrowUp");
    await page!.waitForFunction(() => document.querySelector('[data-testid="details-name"]')?.textContent === "fetch 1", POLL);
  }, SLOW);

  test("Ctrl+S saves the session as an aioscope file, Ctrl+Shift+S as a Chrome trace", async () => {
    const view = await recorded();
    const downloads = mkdtempSync(join(tmpdir(), "aioscope-shell-downloads-"));
    await allowDownloads(await browser.target().createCDPSession(), downloads);
    await page!.keyboard.down("Control");
    await page!.keyboard.press("s");
    await page!.keyboard.up("Control");
    const saved = JSON.parse(readFileSync(await waitForDownload(downloads, ".aioscope.json"), "utf8")) as { tasks: { name: string }[] };
    expect(saved.tasks.map((t) => t.name)).toContain("main");
    await page!.keyboard.down("Control");
    await page!.keyboard.down("Shift");
    await page!.keyboard.press("S");
    await page!.keyboard.up("Shift");
    await page!.keyboard.up("Control");
    const chrome = JSON.parse(readFileSync(await waitForDownload(downloads, ".trace.json"), "utf8")) as { traceEvents: unknown[] };
    expect(chrome.traceEvents.length).toBeGreaterThan(0);
    expect(await text(view, '[data-testid="banner-info"]')).toMatch(/Exported .*\.trace\.json/);
  }, SLOW);

  test("Ctrl+O opens the file chooser for an import", async () => {
    await recorded();
    const [chooser] = await Promise.all([
      page!.waitForFileChooser(),
      (async () => {
        await page!.keyboard.down("Control");
        await page!.keyboard.press("o");
        await page!.keyboard.up("Control");
      })(),
    ]);
    expect(chooser.isMultiple()).toBe(false);
    await chooser.cancel();
  }, SLOW);

  test("a full storage quota is shown in a banner, not swallowed", async () => {
    page = await openShell(browser, server, "?db=quota-test");
    const session = await page.createCDPSession();
    await session.send("Storage.overrideQuotaForOrigin", { origin: new URL(server.url).origin, quotaSize: 1 });
    await page.click('[data-testid="record-button"]');
    await page.evaluate(() => window.__aioscopeShell!.extension.programDone);
    const banner = await page.waitForSelector('[data-testid="banner-error"]');
    expect(await banner!.evaluate((element) => element.textContent ?? "")).toMatch(/quota/i);
  }, SLOW);
});
