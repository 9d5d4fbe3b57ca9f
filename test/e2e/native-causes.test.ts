/**
 * Causes of native work, on a plain page (no aioscope code) recorded through the real panel
 * of the real extension in Chromium: a real click starts a fetch, whose `.then` sets a timer,
 * whose callback fetches again — and the second fetch's recorded ancestry reaches the click.
 * The other sources of causes are checked the same way: an XHR's `onload`, a window message's
 * listener, a `.catch` after a failed fetch, an interval's ticks, an animation-frame loop.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { NativeOpRecord, Trace } from "../../src/trace/model.ts";
import { ARTIFACTS_DIR, openInspectedPage, panelTheme, POLL, screenshotPanel, setDevToolsColorScheme, waitForTrace } from "./helpers.ts";
import { clickAt, painted, timelineRows, waitForSteadyFrame, type PanelView } from "./panel-driver.ts";
import type { RowGeometry } from "../../src/devtools/timeline/geometry.ts";
import { launchWithExtensionCopy, startNativeServer, type NativeServer } from "./native-fixtures.ts";

export const CAUSES_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>causes</title></head>
<body><h1>Causes</h1>
<button id="go">Go</button> <button id="send" class="primary wide">Send</button> <button id="more">More</button>
<script>
const done = new Set();
function finished(what) { done.add(what); document.title = [...done].sort().join(" "); }
// The done-when chain: click → fetch → its .then sets a timer → the timer's callback fetches.
document.getElementById("go").addEventListener("click", () => {
  fetch("/data?id=first&ms=20")
    .then((response) => response.text())
    .then(() => {
      setTimeout(() => {
        fetch("/data?id=second&ms=10").then((response) => response.text()).then(() => finished("chain"));
      }, 30);
    });
});
// An on… handler: an XHR whose onload sets a timer; a window message whose listener fetches a
// URL that fails, whose .catch sets a timer.
document.getElementById("send").onclick = () => {
  const request = new XMLHttpRequest();
  request.open("GET", "/data?id=xhr&ms=10");
  request.onload = () => setTimeout(() => finished("xhr"), 5);
  request.send();
  window.postMessage("ping", "*");
};
window.addEventListener("message", (event) => {
  if (event.data !== "ping") return;
  fetch("http://127.0.0.1:1/unreachable").catch(() => setTimeout(() => finished("message"), 5));
});
// Repeating series: an interval whose three ticks each fetch, and a loop of five animation frames.
document.getElementById("more").addEventListener("click", () => {
  let ticks = 0;
  const id = setInterval(() => {
    fetch("/data?id=tick-" + ticks + "&ms=1");
    if (++ticks === 3) { clearInterval(id); finished("interval"); }
  }, 15);
  let frames = 0;
  const frame = () => (++frames === 5 ? finished("frames") : requestAnimationFrame(frame));
  requestAnimationFrame(frame);
});
</script></body></html>`;

/** An operation's ancestry, from itself back to the root of its chain, as labels. */
export function ancestry(trace: Trace, op: NativeOpRecord): string[] {
  const byId = new Map(trace.nativeOps.map((o) => [o.id, o]));
  const out: string[] = [];
  for (let at: NativeOpRecord | undefined = op; at !== undefined && out.length < 50; at = at.cause === null ? undefined : byId.get(at.cause)) {
    out.push(at.label);
  }
  return out;
}

/**
 * Saves the timeline's canvas as artifacts/<name>.png: headless Chromium's screenshot of the
 * DevTools window can leave the panel frame's canvas out, so it is also kept as drawn.
 */
async function saveCanvas(panel: Frame, name: string): Promise<void> {
  const url = await panel.$eval("[data-testid=timeline-canvas]", (canvas) => (canvas as HTMLCanvasElement).toDataURL("image/png"));
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(join(ARTIFACTS_DIR, `${name}.png`), Buffer.from(url.slice(url.indexOf(",") + 1), "base64"));
}

const withId = (trace: Trace, id: string): NativeOpRecord | undefined => trace.nativeOps.find((op) => op.label.includes(`/data?id=${id}&`));
const path = (label: string): string => label.replace(/http:\/\/127\.0\.0\.1:\d+/, "");

describe("causes of native work on a page without aioscope code", () => {
  let launched: Awaited<ReturnType<typeof launchWithExtensionCopy>>;
  let server: NativeServer;
  let page: Page;
  let devtools: Page;
  let panel: Frame;
  let trace: Trace;

  beforeAll(async () => {
    [launched, server] = await Promise.all([launchWithExtensionCopy(), startNativeServer({ "/": CAUSES_PAGE })]);
    ({ page, devtools, panel } = await openInspectedPage(launched.browser, `${server.origin}/`));
    await panel.evaluate(() => window.__aioscopePanel?.record());
    await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "recordingStart"), 30_000);
    // Real clicks: trusted input events, dispatched by the browser as a person's would be.
    await page.click("#go");
    await page.click("#send");
    await page.click("#more");
    await page.waitForFunction(() => document.title === "chain frames interval message xhr", { timeout: 20_000 });
    trace = await waitForTrace(panel, (t) => {
      const second = withId(t, "second");
      return second !== undefined && second.end !== null && t.nativeOps.filter((op) => op.label.includes("tick-")).length === 3
        // The page's five frames, fired: not any five (the driver's own polling uses frames too).
        && t.nativeOps.filter((op) => op.kind === "requestAnimationFrame" && op.end !== null && ancestry(t, op).includes("click on button#more")).length === 5;
    }, 30_000);
  });

  afterAll(async () => {
    await Promise.all([launched?.close(), server?.close()]);
  });

  test("the second fetch's ancestry reaches the click: fetch ← timer (set in .then) ← fetch ← click", () => {
    const second = withId(trace, "second")!;
    expect(ancestry(trace, second).map(path)).toEqual([
      "GET /data?id=second&ms=10", "setTimeout(30)", "GET /data?id=first&ms=20", "click on button#go",
    ]);
    const click = trace.nativeOps.find((op) => op.label === "click on button#go")!;
    expect(click.kind).toBe("event");
    // The click's span is its dispatch: it began before the fetch its listener started, and
    // ended (its listeners done) before that fetch's response could have come.
    const first = withId(trace, "first")!;
    expect(click.start).toBeLessThanOrEqual(first.start);
    expect(click.end).not.toBeNull();
    expect(click.end!).toBeLessThanOrEqual(first.end!);
  });

  test("an on… handler, an XHR's onload, a window message and a .catch each cause what they start", () => {
    const xhr = trace.nativeOps.find((op) => op.kind === "xhr")!;
    expect(ancestry(trace, xhr).map(path)).toEqual(["GET /data?id=xhr&ms=10", "click on button#send"]);
    const afterLoad = trace.nativeOps.find((op) => op.cause === xhr.id && op.kind === "setTimeout");
    expect(afterLoad?.label).toBe("setTimeout(5)");
    const unreachable = trace.nativeOps.find((op) => op.label.includes("/unreachable"))!;
    expect(unreachable.outcome).toBe("error");
    expect(ancestry(trace, unreachable)).toEqual(["GET http://127.0.0.1:1/unreachable", "message on window"]);
    const afterCatch = trace.nativeOps.find((op) => op.cause === unreachable.id);
    expect(afterCatch?.label).toBe("setTimeout(5)");
  });

  test("an interval causes what each tick starts; each animation frame is caused by the one before", () => {
    const interval = trace.nativeOps.find((op) => op.kind === "setInterval")!;
    expect(ancestry(trace, interval)).toEqual(["setInterval(15)", "click on button#more"]);
    const ticks = trace.nativeOps.filter((op) => op.label.includes("tick-"));
    expect(ticks.map((op) => op.cause)).toEqual([interval.id, interval.id, interval.id]);
    // The page's frames (the test driver's own polling uses animation frames too).
    const frames = trace.nativeOps.filter((op) => op.kind === "requestAnimationFrame" && ancestry(trace, op).includes("click on button#more"));
    expect(frames.length).toBe(5);
    expect(frames[0]!.cause).toBe(trace.nativeOps.find((op) => op.label === "click on button#more")!.id);
    for (let k = 1; k < 5; k++) expect(frames[k]!.cause, `frame ${k}`).toBe(frames[k - 1]!.id);
  });

  test("every cause is an earlier operation of the same source, and nothing is its own ancestor", () => {
    const byId = new Map(trace.nativeOps.map((op) => [op.id, op]));
    for (const op of trace.nativeOps) {
      if (op.cause === null) continue;
      const cause = byId.get(op.cause);
      expect(cause, `${op.label}'s cause`).toBeDefined();
      expect(cause!.id).toBeLessThan(op.id);
      expect(cause!.source).toBe(op.source);
    }
  });

  test("the panel draws the work as a tree by cause, folds the frame loop, says what caused the second fetch and scrolls to it", async () => {
    const view: PanelView = { frame: panel, mousePage: devtools };
    await panel.evaluate(() => window.__aioscopePanel?.stop());
    await panel.waitForFunction(() => window.__aioscopePanel?.snapshot().phase === "stopped", POLL);
    await waitForSteadyFrame(panel);
    await painted(panel);
    const rows = await timelineRows(view);
    const find = (list: RowGeometry[], prefix: string, from = 0): RowGeometry => {
      const row = list.slice(from).find((r) => r.name.startsWith(prefix));
      if (row === undefined) throw new Error(`no row ${prefix} in ${list.map((r) => `${r.depth}:${r.name}`).join(", ")}`);
      return row;
    };
    // The chain, each under its cause: click → first fetch → timer → second fetch.
    const go = find(rows, "click on button#go");
    const first = find(rows, "fetch GET /data?id=first");
    const timer = find(rows, "setTimeout(30)");
    const second = find(rows, "fetch GET /data?id=second");
    expect([first.depth, timer.depth, second.depth]).toEqual([go.depth + 1, go.depth + 2, go.depth + 3]);
    expect(go.y < first.y && first.y < timer.y && timer.y < second.y).toBe(true);
    // The loop: the first frame under the click, the four it asked for one after the other
    // folded into one row under it.
    const more = find(rows, "click on button#more");
    const loop = rows.find((r) => r.name === "requestAnimationFrame" && r.series === 4);
    if (loop === undefined) {
      // What the rows were made of: the frames and their callbacks, with their causes and sites.
      const stopped = await panel.evaluate(() => window.__aioscopePanel?.trace() ?? null);
      const frames = (stopped?.nativeOps ?? []).filter((op) => op.label.startsWith("requestAnimationFrame"))
        .map((op) => `#${op.id} ${op.label} ${op.start}–${op.end} cause ${op.cause} ${op.detail}`);
      expect.fail(`no folded frame loop in ${rows.map((r) => `${r.depth}:${r.name}×${r.series}`).join(", ")}\n${frames.join("\n")}`);
    }
    expect(loop!.depth).toBe(more.depth + 2);
    expect(loop!.disclosureX).not.toBeNull();

    // Selecting the second fetch: its details name the timer as its cause and the chain to the click.
    await clickAt(view, second.labelX, second.y);
    await panel.waitForSelector(`[data-testid="details-pane"][data-native-id="${-second.key - 1}"]`, { timeout: 10_000 });
    expect(await panel.$eval("[data-testid=details-caused-by] a", (a) => a.textContent)).toBe("setTimeout(30)");
    expect(await panel.$$eval("[data-testid=details-cause-chain] a", (links) => links.map((a) => a.textContent))).toEqual([
      "fetch GET /data?id=first&ms=20", "click on button#go",
    ]);
    await painted(panel);
    await screenshotPanel(devtools, panel, "native-causes-light");
    await saveCanvas(panel, "native-causes-timeline-light");
    await setDevToolsColorScheme(devtools, "dark");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
    expect(await panelTheme(panel)).toBe("dark");
    await painted(panel);
    await screenshotPanel(devtools, panel, "native-causes-dark");
    await saveCanvas(panel, "native-causes-timeline-dark");
    await setDevToolsColorScheme(devtools, "light");

    // "Scroll to cause": the timer's row is shown; the selection stays on the second fetch.
    await panel.evaluate(() => {
      const scroller = document.querySelector(".timeline-scroller");
      if (scroller !== null) scroller.scrollTop = scroller.scrollHeight;
    });
    await panel.click("[data-testid=scroll-to-cause]");
    await panel.waitForFunction((key: number) => window.__aioscopePanel?.timelineRows().some((r) => r.key === key) ?? false, POLL, timer.key);
    expect(await panel.$eval("[data-testid=details-pane]", (pane) => pane.getAttribute("data-native-id"))).toBe(String(-second.key - 1));

    // The fold: the triangle unfolds the series into its four rows; ArrowLeft on it folds it again.
    await panel.evaluate(() => {
      const scroller = document.querySelector(".timeline-scroller");
      if (scroller !== null) scroller.scrollTop = scroller.scrollHeight;
    });
    await panel.waitForFunction((key: number) => window.__aioscopePanel?.timelineRows().some((r) => r.key === key) ?? false, POLL, loop!.key);
    const folded = (await timelineRows(view)).find((r) => r.key === loop!.key)!;
    await clickAt(view, folded.disclosureX!, folded.y);
    await panel.waitForFunction((key: number) => {
      const list = window.__aioscopePanel?.timelineRows() ?? [];
      const head = list.find((r) => r.key === key);
      return head !== undefined && head.series === 0;
    }, POLL, loop!.key);
    await panel.evaluate(() => {
      const scroller = document.querySelector(".timeline-scroller");
      if (scroller !== null) scroller.scrollTop = scroller.scrollHeight;
    });
    await painted(panel);
    const unfolded = await timelineRows(view);
    expect(unfolded.filter((r) => r.name === "requestAnimationFrame" && r.depth === loop!.depth && r.series === 0).length).toBeGreaterThanOrEqual(4);
    const head = unfolded.find((r) => r.key === loop!.key)!;
    await clickAt(view, head.labelX, head.y);
    await panel.waitForSelector(`[data-testid="details-pane"][data-native-id="${-head.key - 1}"]`, { timeout: 10_000 });
    await panel.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await devtools.keyboard.press("ArrowLeft");
    await panel.waitForFunction((key: number) => window.__aioscopePanel?.timelineRows().find((r) => r.key === key)?.series === 4, POLL, loop!.key);
  });
});
