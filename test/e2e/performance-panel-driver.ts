/**
 * Driving DevTools' own Performance panel, as a person does: bring up the panel, load a trace
 * file through its "Load profile" file input, expand a track group by clicking its header,
 * and read which tracks the flame chart shows.
 *
 * The flame chart is a canvas, so the tracks it draws are read from the panel's own flame
 * chart data (`TimelinePanel.getFlameChart()`), reached through DevTools' front-end modules
 * (the DevTools page is itself a web page that serves them). Code that imports them is passed
 * as text: vitest would rewrite an `import()` in a function. Functions evaluated in the DevTools
 * page refer to nothing outside themselves and declare no inner functions (tsx would wrap those
 * in a `__name` helper the page lacks).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ElementHandle, Page } from "puppeteer-core";
import { ARTIFACTS_DIR, POLL } from "./helpers.ts";

/** Several times more presses than DevTools has panels (about fifteen). */
const MAX_PANEL_SWITCHES = 50;

export interface FlameChartGroup {
  readonly name: string;
  readonly expanded: boolean;
}

/** The ids of the selected tabs joined by "|" (searching every shadow root). */
function selectedTabs(): string {
  const ids: string[] = [];
  const roots: (Document | ShadowRoot)[] = [document];
  for (let root = roots.pop(); root; root = roots.pop()) {
    for (const tab of root.querySelectorAll('[role="tab"][aria-selected="true"]')) ids.push(tab.id);
    for (const element of root.querySelectorAll("*")) if (element.shadowRoot) roots.push(element.shadowRoot);
  }
  return ids.join("|");
}

/** The first element matching `selector` in the document or any shadow root. */
function deepQuery(selector: string): Element | null {
  const roots: (Document | ShadowRoot)[] = [document];
  for (let root = roots.pop(); root; root = roots.pop()) {
    const found = root.querySelector(selector);
    if (found !== null) return found;
    for (const element of root.querySelectorAll("*")) if (element.shadowRoot) roots.push(element.shadowRoot);
  }
  return null;
}

/**
 * Undocks DevTools into a window of its own (docked, it keeps a ~550 px strip of the page's
 * width), so the Performance panel is as wide as the window and its screenshot readable.
 */
export async function undockDevTools(devtools: Page, viewport = { width: 1400, height: 860 }): Promise<void> {
  await devtools.setViewport(viewport);
  const side = await devtools.evaluate(`(async () => {
    const ui = await import("./ui/legacy/legacy.js");
    const dock = ui.DockController.DockController.instance();
    dock.setDockSide("undocked");
    return dock.dockSide();
  })()`) as string;
  if (side !== "undocked") throw new Error(`DevTools stayed docked (${side}).`);
}

/** Shows the Performance panel (DevTools' "timeline"), pressing Control+] until its tab is selected. */
export async function showPerformancePanel(devtools: Page): Promise<void> {
  for (let switches = 0; switches <= MAX_PANEL_SWITCHES; switches++) {
    const selected = await devtools.evaluate(selectedTabs);
    if (selected.split("|").includes("tab-timeline")) {
      await devtools.waitForFunction(deepQuery, POLL, 'input[type="file"][accept*=".json"]');
      return;
    }
    await devtools.keyboard.down("Control");
    await devtools.keyboard.press("BracketRight");
    await devtools.keyboard.up("Control");
    await devtools.waitForFunction((before: string) => {
      const ids: string[] = [];
      const roots: (Document | ShadowRoot)[] = [document];
      for (let root = roots.pop(); root; root = roots.pop()) {
        for (const tab of root.querySelectorAll('[role="tab"][aria-selected="true"]')) ids.push(tab.id);
        for (const element of root.querySelectorAll("*")) if (element.shadowRoot) roots.push(element.shadowRoot);
      }
      return ids.length > 0 && ids.join("|") !== before;
    }, POLL, selected);
  }
  throw new Error(`The Performance panel did not appear after ${MAX_PANEL_SWITCHES} panel switches.`);
}

/** The track groups and tracks the Performance panel's flame chart shows now, in order. */
export async function flameChartGroups(devtools: Page): Promise<FlameChartGroup[]> {
  return devtools.evaluate(`(async () => {
    const timeline = await import("./panels/timeline/timeline.js");
    const groups = timeline.TimelinePanel.TimelinePanel.instance().getFlameChart().getMainDataProvider().timelineData().groups;
    return groups.map((group) => ({ name: String(group.name), expanded: group.expanded === true }));
  })()`) as Promise<FlameChartGroup[]>;
}

/** Loads `path` through the panel's "Load profile" file input and waits until the flame chart shows `group`. */
export async function loadTraceFile(devtools: Page, path: string, group: string): Promise<FlameChartGroup[]> {
  const input = (await devtools.evaluateHandle(deepQuery, 'input[type="file"][accept*=".json"]')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
  await input.dispose();
  return waitForGroup(devtools, group);
}

/** Waits until the flame chart has the track group `group`, and returns every group. */
export async function waitForGroup(devtools: Page, group: string, timeoutMs = 30_000): Promise<FlameChartGroup[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const groups = await flameChartGroups(devtools).catch(() => []);
    if (groups.some((g) => g.name === group)) return groups;
    if (Date.now() > deadline) throw new Error(`The Performance panel did not show the group "${group}" in ${timeoutMs} ms; it shows: ${groups.map((g) => g.name).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, POLL.polling));
  }
}

/** The button labelled `label` (aria-label) that DevTools shows now, wherever it is in its shadow roots. */
async function shownButton(devtools: Page, label: string): Promise<ElementHandle<Element> | null> {
  const handle = await devtools.evaluateHandle((wanted: string) => {
    const roots: (Document | ShadowRoot)[] = [document];
    for (let root = roots.pop(); root; root = roots.pop()) {
      for (const element of root.querySelectorAll(`[aria-label="${wanted}"]`)) {
        const box = element.getBoundingClientRect();
        if (box.width > 0 && box.height > 0) return element;
      }
      for (const element of root.querySelectorAll("*")) if (element.shadowRoot) roots.push(element.shadowRoot);
    }
    return null;
  }, label);
  const element = handle.asElement() as ElementHandle<Element> | null;
  if (element === null) await handle.dispose();
  return element;
}

/** Presses the button labelled `label` until DevTools no longer shows it (the panel may redraw it while a trace loads). */
async function pressUntilGone(devtools: Page, label: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let button = await shownButton(devtools, label); button !== null; button = await shownButton(devtools, label)) {
    if (Date.now() > deadline) throw new Error(`DevTools still shows "${label}" after pressing it for ${timeoutMs} ms.`);
    // A button DevTools is still laying out may have a box but no clickable point yet: then press it directly.
    await button.click().catch(() => button.evaluate((element) => (element as HTMLElement).click()));
    await button.dispose();
    await new Promise((resolve) => setTimeout(resolve, POLL.polling));
  }
}

/**
 * Makes room for the tracks, as a person would: hides the insights sidebar and closes the
 * keyboard-shortcuts card the panel shows over the flame chart the first time a trace loads.
 */
export async function clearTheView(devtools: Page): Promise<void> {
  await pressUntilGone(devtools, "Hide sidebar");
  await pressUntilGone(devtools, "Close");
}

/**
 * Expands the track group `name` by clicking its header in the flame chart, and waits until it
 * is expanded. The header is looked up again before each click: while DevTools is still laying
 * the panel out (the sidebar closing, a group above expanding) the chart moves under a click
 * computed a moment earlier, and a person would simply look again and click the header where it
 * now is. A click is only repeated once the previous one has visibly not expanded the group.
 */
export async function expandGroup(devtools: Page, name: string): Promise<void> {
  const expanded = async (): Promise<boolean> => (await flameChartGroups(devtools)).some((g) => g.name === name && g.expanded);
  const deadline = Date.now() + 30_000;
  while (!(await expanded())) {
    if (Date.now() > deadline) throw new Error(`Clicking the header of "${name}" did not expand it.`);
    const at = await devtools.evaluate(`(async () => {
      const timeline = await import("./panels/timeline/timeline.js");
      const chart = timeline.TimelinePanel.TimelinePanel.instance().getFlameChart();
      const index = chart.getMainDataProvider().timelineData().groups.findIndex((group) => group.name === ${JSON.stringify(name)});
      if (index < 0) return null;
      const flame = chart.getMainFlameChart();
      const box = flame.element.getBoundingClientRect();
      return { x: box.left + 12, y: box.top + flame.groupIndexToOffsetForTest(index) + 8 };
    })()`) as { x: number; y: number } | null;
    if (at === null) throw new Error(`The Performance panel has no group "${name}" to expand.`);
    await devtools.mouse.click(at.x, at.y);
    // Give this click time to take effect before looking (and clicking) again.
    for (const settle = Date.now() + 3_000; Date.now() < settle && !(await expanded());) {
      await new Promise((resolve) => setTimeout(resolve, POLL.polling));
    }
  }
}

/** Saves a screenshot of the DevTools window as artifacts/<name>.png and returns its path. */
export async function screenshotDevTools(devtools: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await devtools.screenshot({ path });
  return path;
}
