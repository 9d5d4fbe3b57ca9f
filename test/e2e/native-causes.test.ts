/**
 * Causes of native work, on a plain page (no aioscope code) recorded through the real panel
 * of the real extension in Chromium: a real click starts a fetch, whose `.then` sets a timer,
 * whose callback fetches again — and the second fetch's recorded ancestry reaches the click.
 * The other sources of causes are checked the same way: an XHR's `onload`, a window message's
 * listener, a `.catch` after a failed fetch, an interval's ticks, an animation-frame loop.
 */
import type { Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { NativeOpRecord, Trace } from "../../src/trace/model.ts";
import { openInspectedPage, waitForTrace } from "./helpers.ts";
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

const withId = (trace: Trace, id: string): NativeOpRecord | undefined => trace.nativeOps.find((op) => op.label.includes(`/data?id=${id}&`));
const path = (label: string): string => label.replace(/http:\/\/127\.0\.0\.1:\d+/, "");

describe("causes of native work on a page without aioscope code", () => {
  let launched: Awaited<ReturnType<typeof launchWithExtensionCopy>>;
  let server: NativeServer;
  let page: Page;
  let panel: Frame;
  let trace: Trace;

  beforeAll(async () => {
    [launched, server] = await Promise.all([launchWithExtensionCopy(), startNativeServer({ "/": CAUSES_PAGE })]);
    ({ page, panel } = await openInspectedPage(launched.browser, `${server.origin}/`));
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
        && t.nativeOps.filter((op) => op.kind === "requestAnimationFrame" && op.end !== null).length >= 5;
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
});
