/**
 * Driving the Async panel as a person does, for the panel tests: its toolbar, its rows (found
 * through the panel's automation API, which reports where the timeline drew them, then
 * clicked with the mouse), its details, its files. Works on the panel in real DevTools (a
 * Frame inside the DevTools page) and on the inline shell (a Page) alike.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CDPSession, ElementHandle, Frame, Page } from "puppeteer-core";
import type { RowGeometry } from "../../src/devtools/timeline/geometry.ts";
import { POLL } from "./helpers.ts";

/** The panel's document, and the page whose mouse reaches it. */
export interface PanelView {
  readonly frame: Frame | Page;
  readonly mousePage: Page;
}

export async function panelOffset(view: PanelView): Promise<{ x: number; y: number }> {
  if (!("frameElement" in view.frame)) return { x: 0, y: 0 };
  const element = await (view.frame as Frame).frameElement();
  const box = await element?.boundingBox();
  if (!box) throw new Error("the panel's frame is not laid out");
  return { x: box.x, y: box.y };
}

/**
 * Makes the page's real browser window large. openDevTools() emulates an 800×720 DevTools
 * viewport, but headless Chromium's window is 780×580: the mouse events it is sent below the
 * real window's edge are dropped, so the lower part of the panel could not be clicked.
 */
export async function enlargeWindow(page: Page): Promise<void> {
  const session = await page.createCDPSession();
  try {
    const { windowId } = await session.send("Browser.getWindowForTarget");
    await session.send("Browser.setWindowBounds", { windowId, bounds: { width: 1400, height: 1000 } });
  } finally {
    await session.detach();
  }
}

/**
 * Waits until DevTools has finished laying out the panel's frame: its box is the same in two
 * looks a frame apart. A click aimed while DevTools still moves the frame lands elsewhere.
 */
export async function waitForSteadyFrame(frame: Frame): Promise<void> {
  const element = await frame.frameElement();
  if (element === null) return;
  let previous = "";
  for (;;) {
    const box = JSON.stringify(await element.boundingBox());
    if (box === previous && box !== "null") return;
    previous = box;
    await element.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  }
}

/** Resolves once the panel has rendered two more frames: what it shows is on screen. */
export async function painted(frame: Frame | Page): Promise<void> {
  await frame.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** Moves the mouse to (x, y) in the panel's own CSS pixels and clicks. */
export async function clickAt(view: PanelView, x: number, y: number, options: { count?: number } = {}): Promise<void> {
  const offset = await panelOffset(view);
  await view.mousePage.mouse.click(offset.x + x, offset.y + y, { count: options.count ?? 1 });
}

export async function moveTo(view: PanelView, x: number, y: number): Promise<void> {
  const offset = await panelOffset(view);
  await view.mousePage.mouse.move(offset.x + x, offset.y + y);
}

export function timelineRows(view: PanelView): Promise<RowGeometry[]> {
  return view.frame.evaluate(() => window.__aioscopePanel?.timelineRows() ?? []);
}

/** Waits until a row named `name` is on screen, and returns it. */
export async function waitForRow(view: PanelView, name: string): Promise<RowGeometry> {
  const handle = await view.frame.waitForFunction(
    (wanted: string) => window.__aioscopePanel?.timelineRows().find((row) => row.name === wanted) ?? false,
    POLL,
    name,
  );
  return (await handle.jsonValue()) as RowGeometry;
}

/** Clicks the row's label, as a person selecting the task does. */
export async function selectRow(view: PanelView, name: string): Promise<RowGeometry> {
  const row = await waitForRow(view, name);
  await clickAt(view, row.labelX, row.y);
  await view.frame.waitForFunction(
    (id: number) => document.querySelector('[data-testid="details-pane"]')?.getAttribute("data-task-id") === String(id),
    POLL,
    row.key,
  );
  return row;
}

export async function text(view: PanelView, selector: string): Promise<string> {
  return view.frame.$eval(selector, (element) => element.textContent?.trim() ?? "");
}

/** The colour the timeline's canvas shows at (x, y), panel CSS pixels, as [r, g, b]. */
export function pixelAt(view: PanelView, x: number, y: number): Promise<[number, number, number]> {
  return view.frame.evaluate((px: number, py: number) => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="timeline-canvas"]')!;
    const box = canvas.getBoundingClientRect();
    const scale = canvas.width / box.width;
    const data = canvas.getContext("2d")!.getImageData(Math.round((px - box.left) * scale), Math.round((py - box.top) * scale), 1, 1).data;
    return [data[0]!, data[1]!, data[2]!] as [number, number, number];
  }, x, y);
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

/** Sends the browser's downloads to `dir` (CDP Browser.setDownloadBehavior). */
export async function allowDownloads(session: CDPSession, dir: string): Promise<void> {
  await session.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir, eventsEnabled: true });
}

/** Waits until a finished download whose name ends with `suffix` is in `dir`; returns its path. */
export async function waitForDownload(dir: string, suffix: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(dir)) {
      const done = readdirSync(dir).find((name) => name.endsWith(suffix) && !name.endsWith(".crdownload"));
      if (done !== undefined) {
        const path = join(dir, done);
        // Chrome renames the file into place once it is whole; a stable size confirms it.
        const size = statSync(path).size;
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (size > 0 && statSync(path).size === size) return path;
      }
    }
    if (Date.now() > deadline) throw new Error(`no download ending in ${suffix} appeared in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Chooses `path` in the panel's file input, as the file chooser of Ctrl+O would. */
export async function importThroughInput(view: PanelView, path: string): Promise<void> {
  const input = (await view.frame.$('[data-testid="import-input"]')) as ElementHandle<HTMLInputElement> | null;
  if (input === null) throw new Error("the panel has no import input");
  await input.uploadFile(path);
}

/** Drops a file with `content` on the panel, as dragging it from the desktop does. */
export async function dropFile(view: PanelView, name: string, content: string): Promise<void> {
  await view.frame.evaluate((fileName: string, body: string) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([body], fileName, { type: "application/json" }));
    const target = document.querySelector('[data-testid="panel-root"]')!;
    for (const type of ["dragenter", "dragover", "drop"]) {
      target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, name, content);
}
