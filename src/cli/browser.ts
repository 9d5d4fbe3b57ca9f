/**
 * Driving Chromium the way a person does: launch it with the built extension, open DevTools
 * on the page, bring up the "Async" panel, and talk to the panel through the automation API
 * it exposes on its own window (`window.__aioscopePanel`, src/devtools/automation.ts).
 *
 * The DevTools quirks handled here (finding the panel by cycling tabs with Control+[, waiting
 * for the extension's devtools page) are explained in test/e2e/helpers.ts and in
 * /work/shared/notes/browser-testing.md; the end-to-end helpers use the same approach.
 */
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import type { Browser, Frame, Page } from "puppeteer-core";
import { CliError, EXIT, firstLine } from "./errors.ts";
import { MINIMUM_CHROME_VERSION, majorVersion, type FoundBrowser } from "./chromium.ts";
import { decodePng, distinctColours } from "./png-pixels.ts";

/** The extension's pages, as the built extension names them. */
export const DEVTOOLS_PAGE = "src/devtools/devtools.html";
export const PANEL_PAGE = "src/devtools/panel.html";

/**
 * Flags for Chromium on a server or CI machine. The networking flags stop it from trying, and
 * waiting on, hosts that a machine without internet cannot reach.
 */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Re-check conditions on a timer rather than on animation frames, which a hidden page may never paint. */
export const POLL = { polling: 50 } as const;

/** Several times more presses than DevTools has panels (about fifteen). */
const MAX_PANEL_SWITCHES = 50;

/** Waits in the browser are generous: this machine may share two cores with other browsers. */
const STEP_TIMEOUT_MS = 60_000;

const SCREENSHOT_TIMEOUT_MS = 30_000;

/** The DevTools window's size: the panel screenshot is cut from it. */
export const DEVTOOLS_VIEWPORT = { width: 1200, height: 760 } as const;

/** More flags from AIOSCOPE_CHROMIUM_FLAGS (space-separated), e.g. a proxy or `--ozone-platform=headless`. */
export function extraFlags(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((flag) => flag !== "");
}

export interface LaunchOptions {
  readonly browser: FoundBrowser;
  readonly extensionDir: string;
  /** Show the window (needs a display) rather than run headless. */
  readonly show: boolean;
}

/**
 * Launches Chromium with the extension loaded. Signals are left to the CLI: puppeteer would
 * otherwise close the browser on Ctrl-C before the trace so far could be read out. (Chromium
 * runs in its own process group, so the terminal's Ctrl-C does not reach it.)
 */
export async function launchBrowser(options: LaunchOptions): Promise<Browser> {
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: options.browser.path,
      headless: !options.show,
      pipe: true,
      enableExtensions: [options.extensionDir],
      args: [...CHROMIUM_FLAGS, ...extraFlags(process.env.AIOSCOPE_CHROMIUM_FLAGS)],
      defaultViewport: options.show ? null : { width: 1000, height: 700 },
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: STEP_TIMEOUT_MS,
      // A call to the browser that takes longer than this is a browser that stopped answering.
      protocolTimeout: 120_000,
      // puppeteer would watch the network (and issues) in every page: Chromium's Network agent
      // then costs the recorded page's main thread more per request (500 fetches took 446 ms of
      // CPU instead of 301 ms), which no page pays with DevTools closed. The document's status
      // is read from its navigation entry instead (target.ts).
      networkEnabled: false,
      issuesEnabled: false,
    });
  } catch (error) {
    const reason = firstLine(error);
    const hint = options.show && /display|ozone|X server/i.test(String(error)) ? " (--show needs a display; leave it out to run headless)" : "";
    throw new CliError(`could not start ${options.browser.path}: ${reason}${hint}`, EXIT.environment);
  }
  const product = await browser.version();
  const major = majorVersion(product);
  if (major !== null && major < MINIMUM_CHROME_VERSION) {
    await browser.close();
    throw new CliError(`${options.browser.path} is ${product}: the extension needs Chromium ${MINIMUM_CHROME_VERSION} or newer`, EXIT.environment);
  }
  return browser;
}

/**
 * The ids of DevTools' selected tabs joined by "|", or "" while they are still `before`.
 * It runs inside the DevTools page: it refers to nothing outside itself and declares no inner
 * functions (tsx would wrap them in a `__name` helper the page lacks).
 */
function selectedTabsOnceChanged(before: string): string {
  const ids: string[] = [];
  const roots: (Document | ShadowRoot)[] = [document];
  for (let root = roots.pop(); root; root = roots.pop()) {
    for (const tab of root.querySelectorAll('[role="tab"][aria-selected="true"]')) ids.push(tab.id);
    for (const element of root.querySelectorAll("*")) if (element.shadowRoot) roots.push(element.shadowRoot);
  }
  const selected = ids.join("|");
  return selected === before ? "" : selected;
}

async function waitForTabSelection(devtools: Page, before: string): Promise<string> {
  const handle = await devtools.waitForFunction(selectedTabsOnceChanged, { ...POLL, timeout: STEP_TIMEOUT_MS }, before);
  try {
    return await handle.jsonValue();
  } finally {
    await handle.dispose();
  }
}

/** An extension panel's tab id is "tab-" + the extension's origin + the panel title. */
function isAsyncPanelSelected(selectedTabs: string): boolean {
  return selectedTabs.split("|").some((id) => /^tab-chrome-extension:\/\/[a-p]{32}Async$/.test(id));
}

/**
 * Opens DevTools for `page` and waits until the extension's devtools page has added its panel.
 * Headless, DevTools lays itself out as if docked to the right of the page, in about 550 px
 * whatever its viewport; undocked, it fills the viewport, so headless it is undocked to give
 * the panel (and its screenshot) room.
 */
export async function openDevTools(page: Page, options: { headless: boolean }): Promise<Page> {
  const devtools = await page.openDevTools();
  if (options.headless) {
    // In a window, DevTools keeps the size the person gives it.
    await devtools.setViewport(DEVTOOLS_VIEWPORT);
  }
  await waitForTabSelection(devtools, "");
  const devtoolsPage = await devtools.waitForFrame((frame) => frame.url().endsWith(DEVTOOLS_PAGE), { timeout: STEP_TIMEOUT_MS });
  await devtoolsPage.waitForFunction(() => document.readyState === "complete", { ...POLL, timeout: STEP_TIMEOUT_MS });
  // DevTools answers the extension's requests in order: once this one is answered, the panel
  // it asked for earlier exists. Bounded, because an answer that never comes (a devtools page
  // replaced meanwhile) must not hold the recording: the panel search below still finds it.
  await withinTime(
    devtoolsPage.evaluate(() => new Promise<void>((answered) => chrome.devtools.inspectedWindow.getResources(() => answered()))),
    ANSWER_TIMEOUT_MS,
  );
  if (options.headless) await undock(devtools);
  return devtools;
}

/** How long a best-effort step may take before the CLI goes on without it. */
const ANSWER_TIMEOUT_MS = 10_000;

/** `work`'s value, or undefined if it fails or takes longer than `ms`. */
export async function withinTime<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([work.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Undocks DevTools through its own DockController — an internal module of the DevTools
 * front-end, so this is best effort: if a Chromium moves it, DevTools stays docked and the
 * panel is only narrower.
 */
async function undock(devtools: Page): Promise<void> {
  // A string, not a function: bundlers would try to resolve a dynamic import() in a function.
  // DevTools may still be setting itself up (its DockController throws until then): retry a
  // few times.
  const script = `import("./ui/legacy/legacy.js").then((ui) => {
    const dock = ui.DockController.DockController.instance();
    dock.setDockSide("undocked");
    return dock.dockSide() === "undocked";
  })`;
  for (let attempt = 0; attempt < 10; attempt++) {
    if ((await withinTime(devtools.evaluate(script), ANSWER_TIMEOUT_MS)) === true) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Shows the Async panel and returns its frame once its automation API is there. DevTools
 * creates an extension panel's iframe only when the panel is first shown, and a headless
 * DevTools has no clickable overflow menu, so this presses Control+[ until the tab is selected.
 */
export async function showAsyncPanel(devtools: Page, options: { headless: boolean } = { headless: true }): Promise<Frame> {
  const shown = async (): Promise<Frame> => {
    const panel = await devtools.waitForFrame((frame) => frame.url().endsWith(PANEL_PAGE), { timeout: STEP_TIMEOUT_MS });
    await panel.waitForSelector('[data-testid="panel-root"]', { timeout: STEP_TIMEOUT_MS });
    await panel.waitForFunction(() => window.__aioscopePanel !== undefined, { ...POLL, timeout: STEP_TIMEOUT_MS });
    return panel;
  };
  // In a window, DevTools only takes keys when it has the focus, which a person may hold
  // elsewhere: there the panel is shown through DevTools' own InspectorView (internal, so
  // best effort; the keys remain the fallback).
  if (!options.headless && (await showPanelThroughInspectorView(devtools))) return shown();
  let selected = await waitForTabSelection(devtools, "");
  for (let switches = 0; switches <= MAX_PANEL_SWITCHES; switches++) {
    if (isAsyncPanelSelected(selected)) return shown();
    await devtools.keyboard.down("Control");
    await devtools.keyboard.press("BracketLeft");
    await devtools.keyboard.up("Control");
    selected = await waitForTabSelection(devtools, selected);
  }
  throw new CliError(`the Async panel did not appear in DevTools after ${MAX_PANEL_SWITCHES} panel switches: is dist/extension a build of aioscope?`, EXIT.browser);
}

async function showPanelThroughInspectorView(devtools: Page): Promise<boolean> {
  // A string, not a function, for the same reason as in `undock`.
  const script = `import("./ui/legacy/legacy.js").then(async (ui) => {
    const view = ui.InspectorView.InspectorView.instance();
    const id = view.tabbedPane.tabIds().find((tab) => /^chrome-extension:\\/\\/[a-p]{32}Async$/.test(tab));
    if (id === undefined) return false;
    await view.showPanel(id);
    return true;
  })`;
  return devtools.evaluate(script).then((done) => done === true, () => false);
}

/**
 * What the CLI watches while recording, read from the panel in one round trip. Counts only:
 * the session itself is not built for this (under a flood of events, building it at every
 * poll would take the panel longer than the poll interval).
 */
export interface PanelProgress {
  readonly phase: string;
  readonly events: number;
  readonly droppedEvents: number;
  readonly problems: readonly string[];
}

export function panelProgress(panel: Frame): Promise<PanelProgress> {
  return panel.evaluate(() => {
    const snapshot = window.__aioscopePanel!.snapshot();
    return { phase: snapshot.phase, events: snapshot.events, droppedEvents: snapshot.droppedEvents, problems: snapshot.problems.slice(0, 5) };
  });
}

/** Characters per round trip when reading the trace: large traces cross in pieces. */
const TRACE_CHUNK_CHARS = 8 * 1024 * 1024;

/**
 * The panel's session as the bytes of its aioscope file, or null when it has none. The text is
 * stashed on the panel's window and read in slices, so a trace of hundreds of megabytes never
 * has to cross the DevTools protocol as one message; each slice goes to a scratch file as it
 * arrives, so the CLI never holds the slices and their joined text at once.
 */
export async function readPanelTraceBytes(panel: Frame): Promise<Uint8Array | null> {
  const length = await panel.evaluate(() => {
    const holder = window as unknown as { __aioscopeCliTrace?: string };
    holder.__aioscopeCliTrace = window.__aioscopePanel!.traceFile() ?? undefined;
    return holder.__aioscopeCliTrace?.length ?? -1;
  });
  if (length < 0) return null;
  const folder = await mkdtemp(join(tmpdir(), "aioscope-read-"));
  try {
    const scratch = join(folder, "trace.json");
    const file = await open(scratch, "wx");
    try {
      for (let offset = 0; offset < length;) {
        const piece = await panel.evaluate((from: number, to: number) => {
          const text = (window as unknown as { __aioscopeCliTrace: string }).__aioscopeCliTrace;
          // Never between the halves of a surrogate pair: each slice is encoded on its own.
          const code = text.charCodeAt(to - 1);
          return text.slice(from, to < text.length && code >= 0xd800 && code <= 0xdbff ? to - 1 : to);
        }, offset, offset + TRACE_CHUNK_CHARS);
        if (piece.length === 0) throw new Error("the panel's trace text ended early");
        await file.writeFile(piece);
        offset += piece.length;
      }
    } finally {
      await file.close();
    }
    await panel.evaluate(() => {
      delete (window as unknown as { __aioscopeCliTrace?: string }).__aioscopeCliTrace;
    });
    return await readFile(scratch);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Whether the panel has painted the stopped session: its timeline's last frame shows this
 * session (same end, same task count) with rows on the canvas. A session with nothing to draw
 * counts as painted once the panel shows it as stopped. Runs in the panel's frame.
 */
export function panelShowsStoppedSession(): boolean {
  const root = document.querySelector('[data-testid="panel-root"]');
  if (root?.getAttribute("data-phase") !== "stopped") return false;
  const automation = window.__aioscopePanel!;
  const trace = automation.trace();
  if (trace === null) return false;
  if (trace.tasks.length === 0 && trace.nativeOps.length === 0) return true;
  const frame = automation.drawnFrame();
  return frame !== null && frame.traceEnd === trace.end && frame.tasks === trace.tasks.length && frame.rows > 0;
}

/** A drawn timeline has labels and bars: more colours than this (a blank canvas has one). */
const BLANK_PANEL_COLOURS = 4;

/**
 * A PNG of the DevTools window cut to its tab strip and the Async panel below it, taken only
 * once the panel reports that it has drawn the stopped session: the timeline's automation
 * signal says which session its last frame painted, and with how many rows. DevTools is
 * brought to the front first, since a page in the background does not present its iframes'
 * frames; and the picture itself is checked, so a frame the compositor has not caught up with
 * is taken again rather than written blank.
 */
export async function screenshotPanel(devtools: Page, panel: Frame, options: { headless: boolean }): Promise<Uint8Array> {
  try {
    await panel.waitForFunction(panelShowsStoppedSession, { ...POLL, timeout: STEP_TIMEOUT_MS });
  } catch (error) {
    throw new CliError(`the Async panel did not draw the recording within ${STEP_TIMEOUT_MS / 1000} s, so no screenshot was taken: ${firstLine(error)}`, EXIT.browser);
  }
  await withinTime(devtools.bringToFront(), ANSWER_TIMEOUT_MS);
  const deadline = Date.now() + SCREENSHOT_TIMEOUT_MS;
  for (;;) {
    // Drawn again now, in case a resize cleared the canvas since: the automation API draws synchronously.
    await withinTime(panel.evaluate(() => {
      window.__aioscopePanel!.drawTimeline();
      return new Promise<void>((painted) => requestAnimationFrame(() => requestAnimationFrame(() => painted())));
    }), ANSWER_TIMEOUT_MS);
    const frameElement = await panel.frameElement();
    const box = await frameElement?.boundingBox();
    if (!box) throw new CliError("the Async panel is not laid out, so it cannot be photographed", EXIT.browser);
    const clip = { x: box.x, y: 0, width: box.width, height: box.y + box.height };
    const png = await captureWithin(devtools.screenshot({ type: "png", clip }), Math.max(1, deadline - Date.now()), options);
    const pixels = decodePng(png);
    // Where the timeline's canvas is, within the panel (empty sessions have none).
    const canvas = await panel.evaluate(() => {
      const rect = document.querySelector("canvas.timeline-canvas")?.getBoundingClientRect();
      return rect === undefined ? null : { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
    });
    if (pixels === null || canvas === null) return png;
    const scale = pixels.width / clip.width;
    const area = { x: Math.round(canvas.x * scale), y: Math.round((box.y + canvas.y) * scale), width: Math.round(canvas.width * scale), height: Math.round(canvas.height * scale) };
    if (distinctColours(pixels, area) > BLANK_PANEL_COLOURS) return png;
    if (Date.now() >= deadline) {
      throw new CliError(`the panel screenshot stayed blank for ${SCREENSHOT_TIMEOUT_MS / 1000} s although the panel reported the recording drawn; no screenshot was written`, EXIT.browser);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function captureWithin(capture: Promise<Uint8Array>, ms: number, options: { headless: boolean }): Promise<Uint8Array> {
  // A DevTools docked in a window (--show) may never be captured: give up after a while.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CliError(`taking the panel screenshot did not finish within ${SCREENSHOT_TIMEOUT_MS / 1000} s${options.headless ? "" : " (DevTools in a window may not be capturable: leave out --show)"}`, EXIT.browser)), ms);
  });
  try {
    return await Promise.race([capture, timeout]);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`could not take the panel screenshot: ${firstLine(error)}`, EXIT.browser);
  } finally {
    clearTimeout(timer);
  }
}
