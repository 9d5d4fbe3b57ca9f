/**
 * The work a plain page does that is neither a request nor a timer, recorded through the real
 * extension and panel: its classic scripts and modules (a `<script>`, a `<script type=module>`,
 * a static `import` and a dynamic `import()`), a Web Worker it talks to both ways and then
 * terminates, and ten parallel requests to one slow HTTP/1.1 host — Chrome opens six
 * connections to it, so four wait for one to be free, and are recorded as queued. Recorded
 * twice: by the Async panel in DevTools, which takes request phases and script loads from
 * DevTools' network log, and by the flight recorder with DevTools closed, where an observer of
 * resource entries in the page tells them. Then the panel's filter by kind hides and shows
 * rows, clicked as a person does.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { NativeOpRecord, Trace } from "../../src/trace/model.ts";
import {
  clickWhenStill, openDevTools, openInspectedPage, panelTrace, POLL, screenshotPanel, setDevToolsColorScheme, showAsyncPanel, stopRecording, waitForTrace,
} from "./helpers.ts";
import { detailOf, launchWithExtensionCopy } from "./native-fixtures.ts";
import { clickAt, painted, timelineRows, waitForSteadyFrame, type PanelView } from "./panel-driver.ts";

/** How long the slow endpoint takes to answer. */
const SLOW_MS = 400;
const PARALLEL = 10;

const FILES: Readonly<Record<string, string>> = {
  "/blank": "<!doctype html><title>blank</title>",
  "/": `<!doctype html><html><head><meta charset="utf-8"><title>loads</title>
<script src="/classic.js"></script>
<script src="/missing.js"></script>
<script type="module" src="/entry.mjs"></script>
</head><body></body></html>`,
  "/classic.js": "window.classicRan = true;",
  "/entry.mjs": `import { value } from "/dep.mjs";
window.depValue = value;
const lazy = await import("/lazy.mjs");
window.lazyValue = lazy.value;
const worker = new Worker("/worker.js");
window.workerIsWorker = worker instanceof Worker && worker.constructor === Worker;
let replies = 0;
worker.addEventListener("message", (event) => {
  replies++;
  if (replies < 3) worker.postMessage("ping " + replies);
  else {
    worker.terminate();
    window.replies = replies;
    Promise.all(Array.from({ length: ${PARALLEL} }, (_, i) => fetch("/slow?i=" + i).then((r) => r.text()))).then((bodies) => {
      window.fetched = bodies.length;
    });
  }
});
worker.postMessage("ping 0");`,
  "/dep.mjs": "export const value = 1;",
  "/lazy.mjs": "export const value = 2;",
  "/worker.js": "onmessage = (event) => postMessage(event.data + ' pong');",
};

function serve(): Promise<{ origin: string; server: Server }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    if (path === "/slow") {
      const timer = setTimeout(() => {
        response.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
        response.end("slow");
      }, SLOW_MS);
      request.on("close", () => clearTimeout(timer));
      return;
    }
    const body = FILES[path];
    if (body === undefined) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found");
      return;
    }
    const type = path.endsWith("js") ? "text/javascript" : "text/html; charset=utf-8";
    response.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    response.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

const byUrl = (trace: Trace, kind: string, path: string): NativeOpRecord | undefined => trace.nativeOps.find((op) => op.kind === kind && op.label.endsWith(path));

/**
 * The two ways request phases and script loads reach a recording: from DevTools' network log,
 * when the Async panel records in DevTools, and from an observer of resource entries in the
 * page, when DevTools is closed (the flight recorder, saved once DevTools is opened).
 */
const WAYS = ["the Async panel in DevTools", "the flight recorder"] as const;
type Way = (typeof WAYS)[number];

interface Recorded {
  readonly page: Page;
  readonly devtools: Page;
  readonly panel: Frame;
  readonly trace: Trace;
}

const recordedWhole = (t: Trace): boolean => t.nativeOps.filter((op) => op.kind === "requestQueue").length === PARALLEL
  && t.nativeOps.some((op) => op.kind === "module" && op.label.endsWith("/lazy.mjs"))
  && t.nativeOps.some((op) => op.kind === "script" && op.label.endsWith("/missing.js"));

/** What of `recordedWhole` a trace has: the requests with their phases, and the loads. */
function loadsOf(t: Trace): string {
  const fetches = t.nativeOps.filter((op) => op.kind === "fetch");
  const loads = t.nativeOps.filter((op) => op.kind === "script" || op.kind === "module").map((op) => `${op.kind} ${op.label}`);
  return `${fetches.length} fetches (${fetches.filter((op) => op.end !== null).length} ended), `
    + `${t.nativeOps.filter((op) => op.kind === "requestQueue").length} of ${PARALLEL} queued phases; loads: ${loads.join(", ")}`;
}

async function recordLoads(browser: Browser, origin: string, way: Way): Promise<Recorded> {
  const inspected = await openInspectedPage(browser, `${origin}/blank`);
  const { page } = inspected;
  const loaded = async (): Promise<void> => {
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as { fetched?: number }).fetched === 10, POLL);
  };
  if (way === "the Async panel in DevTools") {
    const { devtools, panel } = inspected;
    await panel.evaluate(() => window.__aioscopePanel?.record());
    await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "recordingStart"), 30_000);
    await loaded();
    const trace = await waitForTrace(panel, recordedWhole, 30_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nRecorded: ${loadsOf(await panelTrace(panel))}`);
    });
    // Stopped, so that the rows stand still while they are clicked.
    await stopRecording(panel);
    return { page, devtools, panel, trace };
  }
  await inspected.panel.click("[data-testid=flight-recorder-toggle]");
  await inspected.panel.waitForFunction(() => !(document.querySelector("[data-testid=flight-save-button]") as HTMLButtonElement).disabled, POLL);
  await inspected.devtools.close();
  await loaded();
  const devtools = await openDevTools(page);
  const panel = await showAsyncPanel(devtools);
  await panel.waitForFunction(() => !(document.querySelector("[data-testid=flight-save-button]") as HTMLButtonElement | null)?.disabled, POLL);
  await panel.click("[data-testid=flight-save-button]");
  const trace = await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "recordingStop"), 30_000);
  expect(recordedWhole(trace)).toBe(true);
  return { page, devtools, panel, trace };
}

for (const way of WAYS) describe(`script loads, workers and queued requests of a plain page, recorded by ${way}`, () => {
  let launched: Awaited<ReturnType<typeof launchWithExtensionCopy>>;
  let origin: string;
  let server: Server;
  let page: Page;
  let devtools: Page;
  let panel: Frame;
  let trace: Trace;

  beforeAll(async () => {
    [launched, { origin, server }] = await Promise.all([launchWithExtensionCopy(), serve()]);
    ({ page, devtools, panel, trace } = await recordLoads(launched.browser, origin, way));
  }, 120_000);

  afterAll(async () => {
    await launched?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  test("the page ran as it does without the extension", async () => {
    const ran = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return [w.classicRan, w.depValue, w.lazyValue, w.workerIsWorker, w.replies, w.fetched];
    });
    expect(ran).toEqual([true, 1, 2, true, 3, PARALLEL]);
  });

  test("classic scripts and modules are loads of their own kinds, with sizes and outcomes", () => {
    const classic = byUrl(trace, "script", "/classic.js")!;
    expect(classic.outcome).toBe("ok");
    expect(detailOf(classic)).toMatchObject({ status: 200, loadedBy: "element", decodedSize: FILES["/classic.js"]!.length });
    expect(byUrl(trace, "script", "/missing.js")?.outcome).toBe("error");
    expect(detailOf(byUrl(trace, "script", "/missing.js")!)).toMatchObject({ status: 404 });
    // The module script, its static import and its dynamic import().
    expect(detailOf(byUrl(trace, "module", "/entry.mjs")!)).toMatchObject({ loadedBy: "element", status: 200 });
    expect(detailOf(byUrl(trace, "module", "/dep.mjs")!)).toMatchObject({ loadedBy: "import", status: 200 });
    expect(detailOf(byUrl(trace, "module", "/lazy.mjs")!)).toMatchObject({ loadedBy: "import", status: 200 });
    // In the order the page needed them: the entry before what it imports.
    const entry = byUrl(trace, "module", "/entry.mjs")!;
    expect(byUrl(trace, "module", "/dep.mjs")!.start).toBeGreaterThanOrEqual(entry.start);
    expect(byUrl(trace, "module", "/lazy.mjs")!.start).toBeGreaterThanOrEqual(byUrl(trace, "module", "/dep.mjs")!.end!);
    // The worker's script is the worker's, not a module or a script load.
    expect(trace.nativeOps.some((op) => (op.kind === "script" || op.kind === "module") && op.label.endsWith("/worker.js"))).toBe(false);
  });

  test("the worker spans creation to termination, with its messages both ways", () => {
    const worker = byUrl(trace, "worker", "/worker.js")!;
    expect(worker.outcome).toBe("ok");
    expect(detailOf(worker)).toMatchObject({ terminated: true, sent: 3, received: 3 });
    const messages = trace.nativeOps.filter((op) => op.kind === "workerMessage");
    expect(messages.every((m) => m.parent === worker.id)).toBe(true);
    const toWorker = messages.filter((m) => m.label === "postMessage → worker");
    const fromWorker = messages.filter((m) => m.label === "message ← worker");
    expect([toWorker.length, fromWorker.length]).toEqual([3, 3]);
    expect(toWorker.map((m) => detailOf(m).chars)).toEqual(["ping 0".length, "ping 1".length, "ping 2".length]);
    expect(fromWorker.map((m) => detailOf(m).chars)).toEqual(["ping 0 pong".length, "ping 1 pong".length, "ping 2 pong".length]);
    // Within the worker's life, each reply after the message it answers.
    for (const m of messages) expect(m.start).toBeGreaterThanOrEqual(worker.start);
    for (let k = 0; k < 3; k++) expect(fromWorker[k]!.start).toBeGreaterThanOrEqual(toWorker[k]!.start);
    expect(worker.end!).toBeGreaterThanOrEqual(fromWorker[2]!.start);
    // The last reply's listener set off the requests and their Promise.all: they read back to it.
    const started = trace.nativeOps.filter((op) => op.kind === "fetch" || op.kind === "Promise.all");
    expect(started).toHaveLength(PARALLEL + 1);
    for (const op of started) expect(op.cause).toBe(fromWorker[2]!.id);
  });

  test("work started after the page loaded is not caused by its load: Chromium never resets that event's phase", () => {
    // The worker is made after an await, the fetches in the worker's message listener: later
    // tasks than the window's load and pageshow, which stay AT_TARGET once dispatched.
    const later = trace.nativeOps.filter((op) => op.kind === "worker" || op.kind === "fetch" || op.kind === "Promise.all");
    expect(later).toHaveLength(PARALLEL + 2);
    const byId = new Map(trace.nativeOps.map((op) => [op.id, op]));
    for (const op of later) {
      for (let cause: number | null | undefined = op.cause; cause !== null && cause !== undefined; cause = byId.get(cause)?.cause) {
        expect(byId.get(cause)?.label).not.toMatch(/^(load|pageshow) on /);
      }
    }
  });

  test("requests beyond the six connections to the host are queued until one is free", () => {
    const fetches = trace.nativeOps.filter((op) => op.kind === "fetch" && op.label.includes("/slow?i="));
    expect(fetches).toHaveLength(PARALLEL);
    const queues = trace.nativeOps.filter((op) => op.kind === "requestQueue");
    const queueOf = new Map(queues.map((q) => [q.parent, q]));
    expect(fetches.every((f) => queueOf.has(f.id))).toBe(true);
    // The first response to reach the browser: a request sent after it waited for a connection
    // that response freed (Chrome keeps six to the host).
    const firstResponse = Math.min(...queues.map((q) => q.end! + (detailOf(q).waiting as number)));
    const waited = fetches.filter((f) => queueOf.get(f.id)!.end! >= firstResponse - 1);
    expect(waited.length).toBeGreaterThanOrEqual(PARALLEL - 6);
    for (const f of waited) {
      const queue = queueOf.get(f.id)!;
      expect(queue.start).toBeGreaterThanOrEqual(f.start - 1);
      expect(queue.end!).toBeLessThanOrEqual(f.end!);
      // Its detail's "queued" phase is most of that wait.
      expect(detailOf(queue).queued as number).toBeGreaterThan((queue.end! - queue.start) / 2);
    }
    // The others went out at once, long before any answer came.
    const prompt = fetches.filter((f) => queueOf.get(f.id)!.end! < firstResponse - 1);
    expect(prompt.length).toBeGreaterThanOrEqual(1);
    for (const f of prompt) expect(detailOf(queueOf.get(f.id)!).queued as number).toBeLessThan(SLOW_MS / 2);
  });

  // What the panel shows of them, clicked as a person does: once.
  if (way !== "the Async panel in DevTools") return;

  test("the filter by kind hides and shows the rows of a kind, and is remembered", async () => {
    const view: PanelView = { frame: panel, mousePage: devtools };
    await waitForSteadyFrame(panel);
    const names = async (): Promise<string[]> => {
      await painted(panel);
      return (await timelineRows(view)).map((row) => row.name);
    };
    await panel.waitForFunction(() => window.__aioscopePanel?.timelineRows().some((row) => row.name.includes("GET /slow")), POLL);
    const before = await names();
    expect(before.some((name) => name.startsWith("worker /worker.js"))).toBe(true);
    expect(before).toContain("script /classic.js");

    // Each control once it has stopped moving: the menu and the rows re-lay themselves out as
    // kinds are hidden, and a click aimed at where a control was is lost.
    const click = (selector: string): Promise<void> => clickWhenStill(panel, selector);

    await click("[data-testid=kind-filter-button]");
    await click("[data-testid=kind-request] input");
    await panel.waitForFunction(() => !window.__aioscopePanel?.timelineRows().some((row) => row.name.includes("GET /")), POLL);
    const hidden = await names();
    expect(hidden).toContain("script /classic.js");
    expect(hidden.some((name) => name.startsWith("worker /worker.js"))).toBe(true);
    expect(await panel.$eval("[data-testid=kind-filter-button]", (b) => b.textContent)).toMatch(/of \d+ kinds/);
    expect(await panel.evaluate(() => localStorage.getItem("aioscope.hiddenKinds"))).toBe('["request"]');
    await screenshotPanel(devtools, panel, "native-kinds-filtered");

    await click("[data-testid=kind-script] input");
    await panel.waitForFunction(() => !window.__aioscopePanel?.timelineRows().some((row) => row.name.startsWith("script ")), POLL);
    expect((await names()).some((name) => name.startsWith("worker /worker.js"))).toBe(true);

    await click("[data-testid=kind-filter-all]");
    await panel.waitForFunction(() => window.__aioscopePanel?.timelineRows().some((row) => row.name.includes("GET /slow")), POLL);
    expect(await names()).toEqual(before);
    expect(await panel.evaluate(() => localStorage.getItem("aioscope.hiddenKinds"))).toBe("[]");
    // Escape closes the menu.
    await devtools.keyboard.press("Escape");
    await panel.waitForFunction(() => document.querySelector("[data-testid=kind-filter-menu]") === null, POLL);

    // Select a queued request, to show its phases: the text filter brings the requests' rows
    // on screen.
    // Clicked first, as a person does: typing into an element focused by script alone can
    // reach DevTools' own focused element instead, and the panel never sees the keys.
    await click("[data-testid=filter-input]");
    await panel.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "filter-input", POLL);
    await devtools.keyboard.type("slow");
    await panel.waitForFunction(() => document.querySelector<HTMLInputElement>("[data-testid=filter-input]")?.value === "slow", POLL);
    // Each look lets the panel paint two frames first: the rows are what it drew.
    for (const deadline = Date.now() + 20_000; (await names()).filter((name) => name.includes("GET /slow")).length !== PARALLEL;) {
      if (Date.now() > deadline) throw new Error(`the text filter did not leave the requests' rows: ${(await names()).join(", ")}`);
    }
    await waitForSteadyFrame(panel);
    await painted(panel);
    const rows = await timelineRows(view);
    const queued = trace.nativeOps.find((op) => op.kind === "requestQueue" && (detailOf(op).queued as number) >= SLOW_MS / 2
      && rows.some((r) => r.key === -(op.parent! + 1)))!;
    const row = rows.find((r) => r.key === -(queued.parent! + 1))!;
    await clickAt(view, row.labelX, row.y);
    await panel.waitForFunction((id: number) => document.querySelector("[data-testid=details-pane]")?.getAttribute("data-native-id") === String(id), POLL, queued.parent!);
    expect(await panel.$eval("[data-testid=details-detail-queued]", (e) => e.textContent)).toMatch(/ms/);
    // Set off by the worker's last reply, drawn as a mark on the worker's row.
    expect(await panel.$eval("[data-testid=details-caused-by] [data-testid=native-link]", (e) => e.textContent)).toBe("message ← worker");
    await screenshotPanel(devtools, panel, "native-kinds-light");
    await setDevToolsColorScheme(devtools, "dark");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
    await painted(panel);
    await screenshotPanel(devtools, panel, "native-kinds-dark");
    await setDevToolsColorScheme(devtools, "light");
  });

  test("the legend explains the new kinds, and Statistics counts them", async () => {
    const legend = await panel.$eval("[data-testid=timeline-legend]", (e) => e.textContent ?? "");
    for (const entry of ["Script / module load", "Web Worker", "Queued (waiting for a connection)", "Message (↑ to worker, ↓ from it)"]) expect(legend).toContain(entry);
    await panel.click("[data-testid=view-statistics]");
    await panel.waitForSelector("[data-testid=native-table]");
    const cell = (testid: string): Promise<string> => panel.$eval(`[data-testid=${testid}]`, (e) => e.textContent ?? "");
    // classic.js and the entry, dep and lazy modules loaded; missing.js failed.
    expect(await cell("native-loads")).toBe("4 loaded · 1 failed");
    expect(await cell("native-workers")).toBe("1 · 3 ↑ 3 ↓ messages");
    expect(await cell("native-queued")).toMatch(/^ · \d+ queued$/);
    await screenshotPanel(devtools, panel, "native-kinds-statistics");
    await panel.click("[data-testid=view-timeline]");
  });
});
