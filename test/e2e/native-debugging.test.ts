/**
 * A page's debugging is the same while its native work is recorded: DevTools' async stacks —
 * what a pause in a `.then` callback or after an `await` shows below its own frames — name the
 * page's functions as they do without the extension. While the panel records with native
 * instrumentation on, `Promise.prototype.then` is our wrapper and `fetch` and `Promise.all` are
 * ours: the stacks may gain frames of ours (a content script's, which DevTools ignore-lists),
 * never lose or reorder the page's. The browser's own calls of `then` (a promise resolved with
 * a promise, `Promise.all` on its members) and our own reactions go to the original as the
 * browser calls it, so they add no async stack of their own (originalThen in originals.ts).
 *
 * Each scenario logs from its last callback; the console event carries the async stack, read
 * through a CDP session of the test's own with the debugger on as DevTools has it (async call
 * stacks 32 deep), in a browser without the extension and in one recording through the panel.
 */
import type { CDPSession, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openInspectedPage, waitForTrace } from "./helpers.ts";
import { launchWithExtensionCopy, launchWithoutExtension, startNativeServer, type NativeServer } from "./native-fixtures.ts";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>debugging</title></head>
<body><script>
const log = (name) => console.log("aioscope-async", name);
const data = (id) => "/data?id=" + id + "&bytes=4";
window.scenarios = {
  then() {
    function registersThen() { Promise.resolve(1).then(function reaction() { log("then"); }); }
    registersThen();
  },
  fetch() {
    function startsFetch() { fetch(data("fetch")).then(function afterFetch(response) { return response.text(); }).then(function afterText() { log("fetch"); }); }
    startsFetch();
  },
  await() {
    async function inner() { return fetch(data("await")); }
    async function awaits() { await inner(); log("await"); }
    awaits();
  },
  all() {
    function gathers() { Promise.all([fetch(data("all")), Promise.resolve(2)]).then(function afterAll() { log("all"); }); }
    gathers();
  },
  resolvedWithPromise() {
    function resolves() { new Promise((resolve) => resolve(Promise.resolve(3))).then(function afterResolve() { log("resolvedWithPromise"); }); }
    resolves();
  },
  passedOn() {
    function passesOn() { return new Promise((resolve, reject) => fetch(data("passedOn")).then(resolve, reject)); }
    passesOn().then(function afterPassedOn() { log("passedOn"); });
  },
  timer() {
    function setsTimer() { setTimeout(function fired() { Promise.resolve().then(function inTimer() { log("timer"); }); }, 1); }
    setsTimer();
  },
};
</script></body></html>`;

const SCENARIOS = ["then", "fetch", "await", "all", "resolvedWithPromise", "passedOn", "timer"] as const;

interface CallFrame { functionName: string; url: string }
interface StackTrace { description?: string; callFrames: CallFrame[]; parent?: StackTrace; parentId?: { id: string; debuggerId?: string } }

/** A stack as the page's own frames: its description and the page's function names, innermost first. */
interface PageStack { description: string | undefined; functions: string[] }

/** The console event's stack and its async parents, each with only the page's frames. */
async function asyncStackOf(page: Page, cdp: CDPSession, origin: string, scenario: string): Promise<PageStack[]> {
  const logged = new Promise<StackTrace | undefined>((resolve) => {
    const listener = (event: { args: { value?: unknown }[]; stackTrace?: StackTrace }): void => {
      if (event.args[0]?.value !== "aioscope-async" || event.args[1]?.value !== scenario) return;
      cdp.off("Runtime.consoleAPICalled", listener);
      resolve(event.stackTrace);
    };
    cdp.on("Runtime.consoleAPICalled", listener);
  });
  await page.evaluate((name: string) => (window as unknown as { scenarios: Record<string, () => void> }).scenarios[name]!(), scenario);
  const ofPage = (stack: StackTrace): PageStack => ({
    description: stack.description,
    functions: stack.callFrames.filter((frame) => frame.url.startsWith(origin)).map((frame) => frame.functionName),
  });
  let next = await logged;
  if (next === undefined) throw new Error(`${scenario}: the console event came without a stack`);
  const stacks = [ofPage(next)];
  // Async parents come inline or by id (Debugger.getStackTrace fetches those).
  for (let depth = 0; depth < 32; depth++) {
    let parent: StackTrace | undefined = next.parent;
    if (parent === undefined && next.parentId !== undefined) parent = (await cdp.send("Debugger.getStackTrace", { stackTraceId: next.parentId })).stackTrace as StackTrace;
    if (parent === undefined) break;
    stacks.push(ofPage(parent));
    next = parent;
  }
  return stacks;
}

/** A CDP session of the test's own on `page`, with the debugger on as DevTools turns it on. */
async function debuggerSession(page: Page): Promise<CDPSession> {
  const cdp = await page.createCDPSession();
  await cdp.send("Runtime.enable");
  await cdp.send("Debugger.enable");
  await cdp.send("Debugger.setAsyncCallStackDepth", { maxDepth: 32 });
  return cdp;
}

describe("a page's async stacks in DevTools while its native work is recorded", () => {
  let server: NativeServer;
  const without = new Map<string, PageStack[]>();
  const recorded = new Map<string, PageStack[]>();
  let recordedLabels: string[] = [];

  beforeAll(async () => {
    server = await startNativeServer({ "/": PAGE });
    const plain = await launchWithoutExtension();
    try {
      const page = await plain.newPage();
      await page.goto(`${server.origin}/`);
      const cdp = await debuggerSession(page);
      for (const scenario of SCENARIOS) without.set(scenario, await asyncStackOf(page, cdp, server.origin, scenario));
    } finally {
      await plain.close();
    }
    const launched = await launchWithExtensionCopy();
    try {
      const { page, panel } = await openInspectedPage(launched.browser, `${server.origin}/`);
      await panel.evaluate(() => window.__aioscopePanel?.record());
      await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "recordingStart"), 30_000);
      const cdp = await debuggerSession(page);
      for (const scenario of SCENARIOS) recorded.set(scenario, await asyncStackOf(page, cdp, server.origin, scenario));
      // The scenarios were recorded as native work: the wrappers were there.
      const trace = await waitForTrace(panel, (t) => ["fetch", "await", "all", "passedOn"].every((id) => t.nativeOps.some((op) => op.label.includes(`id=${id}&`) && op.end !== null)), 30_000);
      recordedLabels = trace.nativeOps.map((op) => op.label);
    } finally {
      await launched.close();
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  test("the scenarios' work was recorded with native instrumentation on", () => {
    expect(recordedLabels.filter((label) => label.includes("/data?id=")).length).toBeGreaterThanOrEqual(4);
    expect(recordedLabels.some((label) => label.startsWith("Promise.all("))).toBe(true);
    expect(recordedLabels.some((label) => label === "setTimeout(1)")).toBe(true);
  });

  test("without the extension, the stacks show where each continuation was registered", () => {
    // What the comparison below stands on: DevTools' async stacks, as the page's author sees them.
    const then = without.get("then")!;
    expect(then[0]!.functions).toEqual(["log", "reaction"]);
    expect(then[1]).toEqual({ description: "Promise.then", functions: expect.arrayContaining(["registersThen"]) as string[] });
    expect(without.get("await")!.some((stack) => stack.functions.includes("awaits"))).toBe(true);
    expect(without.get("timer")!.some((stack) => stack.description === "setTimeout" && stack.functions.includes("setsTimer"))).toBe(true);
  });

  test.each(SCENARIOS)("%s: the page's frames and async boundaries are the same while recorded", (scenario) => {
    expect(recorded.get(scenario)).toEqual(without.get(scenario));
  });
});
