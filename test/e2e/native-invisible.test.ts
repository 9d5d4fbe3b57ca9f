/**
 * The wrappers are invisible to the page: a probe page looks at every wrapped function (name,
 * length, source, descriptors, constructor behaviour) and at what they do (return values,
 * `this` and arguments of callbacks, errors and their messages, unhandled rejections,
 * subclasses, thenables, workers and their messages, a page's own Error.prepareStackTrace…) and must see exactly the same
 * in three browsers: one without the extension, one with it while the panel records with
 * native instrumentation on, and one with it installed but not recording. And when native
 * instrumentation is off, the page holds the browser's own functions again.
 */
import type { Browser, Frame, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { clickWhenStill, openInspectedPage, panelTrace, POLL, waitForTrace } from "./helpers.ts";
import { launchWithExtensionCopy, launchWithoutExtension, startNativeServer, type NativeServer } from "./native-fixtures.ts";
import type { Trace } from "../../src/trace/model.ts";

const PROBE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>native probe</title></head>
<body><iframe src="about:blank" id="pristine"></iframe>
<script>
const WRAPPED = {
  fetch: [window, "fetch"], setTimeout: [window, "setTimeout"], setInterval: [window, "setInterval"],
  clearTimeout: [window, "clearTimeout"], clearInterval: [window, "clearInterval"],
  requestAnimationFrame: [window, "requestAnimationFrame"], cancelAnimationFrame: [window, "cancelAnimationFrame"],
  requestIdleCallback: [window, "requestIdleCallback"], cancelIdleCallback: [window, "cancelIdleCallback"],
  "XMLHttpRequest.prototype.open": [XMLHttpRequest.prototype, "open"], "XMLHttpRequest.prototype.send": [XMLHttpRequest.prototype, "send"],
  "AbortController.prototype.abort": [AbortController.prototype, "abort"],
  "AbortSignal.timeout": [AbortSignal, "timeout"], "AbortSignal.any": [AbortSignal, "any"],
  "Promise.all": [Promise, "all"], "Promise.allSettled": [Promise, "allSettled"], "Promise.race": [Promise, "race"], "Promise.any": [Promise, "any"],
  "Function.prototype.toString": [Function.prototype, "toString"],
  Worker: [window, "Worker"], "Worker.prototype.postMessage": [Worker.prototype, "postMessage"],
  "Worker.prototype.terminate": [Worker.prototype, "terminate"],
  "Promise.prototype.then": [Promise.prototype, "then"],
  // Not wrapped (they call this.then), and must stay so.
  "Promise.prototype.catch": [Promise.prototype, "catch"], "Promise.prototype.finally": [Promise.prototype, "finally"],
};

function failure(error) {
  return error === null || typeof error !== "object" ? { thrown: String(error) } : { name: error.name, message: error.message, ctor: error.constructor && error.constructor.name };
}
function attempt(fn) {
  try { return { value: fn() }; } catch (error) { return failure(error); }
}
async function settle(promise) {
  try { return { value: await promise }; } catch (error) { return failure(error); }
}
const data = (id, ms) => "/data?id=" + id + "&ms=" + (ms || 0) + "&bytes=16";
const nextEvent = (target, type) => new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));

/** What the page can see of the wrapped functions themselves. */
function shapes() {
  const out = {};
  for (const [name, [owner, key]] of Object.entries(WRAPPED)) {
    const fn = owner[key];
    const descriptor = Object.getOwnPropertyDescriptor(owner, key);
    out[name] = {
      typeof: typeof fn, name: fn.name, length: fn.length, string: String(fn),
      toString: Function.prototype.toString.call(fn), ownKeys: Reflect.ownKeys(fn).map(String).sort(),
      hasPrototype: "prototype" in fn, proto: Object.getPrototypeOf(fn) === Function.prototype,
      descriptor: { writable: descriptor.writable, enumerable: descriptor.enumerable, configurable: descriptor.configurable },
      construct: attempt(() => new fn()), caller: attempt(() => fn.caller),
      sameToStringFn: fn.toString === Function.prototype.toString,
    };
  }
  out.errorStatics = Object.getOwnPropertyNames(Error).sort();
  return out;
}

/** What the wrapped functions do. */
async function behaviour() {
  const out = {};
  // Timers: ids, this and arguments, clearing, string handlers, wrong receivers.
  out.timer = await new Promise((resolve) => {
    const id = setTimeout(function (a, b) { resolve({ idType: typeof id, positive: id > 0, thisIsWindow: this === window, args: [a, b] }); }, 1, "x", 2);
  });
  out.cleared = await new Promise((resolve) => {
    let ran = false;
    clearTimeout(setTimeout(() => { ran = true; }, 1));
    setTimeout(() => resolve(ran), 20);
  });
  out.stringHandler = await new Promise((resolve) => { window.__stringRan = resolve; setTimeout("window.__stringRan('ran')", 1); });
  out.illegal = attempt(() => setTimeout.call({}, () => {}, 1));
  out.nonFunction = attempt(() => requestAnimationFrame(42));
  out.interval = await new Promise((resolve) => {
    let n = 0;
    const id = setInterval((x) => { if (++n === 3) { clearInterval(id); resolve([n, x]); } }, 5, "arg");
  });
  out.frame = await new Promise((resolve) => requestAnimationFrame(function (time) { resolve({ time: typeof time, thisIsWindow: this === window }); }));
  out.idle = await new Promise((resolve) => requestIdleCallback((deadline) => resolve({ remaining: typeof deadline.timeRemaining(), didTimeout: typeof deadline.didTimeout }), { timeout: 50 }));
  // A callback that throws: the page's error handler sees the same error, from its own script.
  out.thrown = await new Promise((resolve) => {
    const boom = new Error("boom");
    window.addEventListener("error", function onError(event) {
      window.removeEventListener("error", onError);
      event.preventDefault();
      resolve({ same: event.error === boom, message: event.message, sameFile: event.filename === location.href, lineno: event.lineno > 0 });
    });
    setTimeout(() => { throw boom; }, 1);
  });
  // A page's own Error.prepareStackTrace is not called by the wrappers.
  let prepared = 0;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (error, frames) => { prepared++; return "prepared"; };
  for (let k = 0; k < 5; k++) { clearTimeout(setTimeout(() => {}, 1000)); Promise.all([1]); }
  await fetch(data("prepare")).then((r) => r.text());
  delete Error.prepareStackTrace;
  out.prepareStackTrace = { prepared, limitKept: Error.stackTraceLimit === limit };
  // fetch: results, errors, abort reasons, init getters read once.
  const response = await fetch(data("plain"));
  out.fetch = { isResponse: response instanceof Response, status: response.status, length: response.headers.get("content-length"), body: (await response.text()).length };
  out.fetchNoArgs = await settle(fetch());
  out.fetchBadUrl = await settle(fetch("http://[bad"));
  out.fetchIllegal = await settle(fetch.call({}, data("x")));
  out.fetchRefused = await settle(fetch("http://127.0.0.1:1/"));
  const reads = [];
  const init = {};
  for (const key of ["method", "headers", "signal", "cache", "mode"]) Object.defineProperty(init, key, { get() { reads.push(key); return undefined; }, enumerable: true });
  await fetch(data("getters"), init).then((r) => r.text());
  out.initReads = reads;
  const reason = { why: "custom reason" };
  const controller = new AbortController();
  const pending = fetch(data("aborted", 5000), { signal: controller.signal });
  controller.abort(reason);
  out.abortReason = await pending.then(() => "loaded", (error) => error === reason);
  out.abortedAlready = await settle(fetch(data("x"), { signal: AbortSignal.abort("already") }));
  out.timeoutSignal = await fetch(data("slow", 5000), { signal: AbortSignal.timeout(20) }).then(() => "loaded", (e) => e.name + ": " + e.message);
  // Unhandled rejections still reach the page, for the promise it holds.
  out.unhandledFetch = await new Promise((resolve) => {
    let p;
    window.addEventListener("unhandledrejection", function on(event) {
      window.removeEventListener("unhandledrejection", on);
      event.preventDefault();
      resolve({ samePromise: event.promise === p, reason: event.reason && event.reason.name });
    });
    p = fetch("http://127.0.0.1:1/unhandled");
  });
  out.unhandledAll = await new Promise((resolve) => {
    let p;
    window.addEventListener("unhandledrejection", function on(event) {
      window.removeEventListener("unhandledrejection", on);
      event.preventDefault();
      resolve({ samePromise: event.promise === p, reason: event.reason });
    });
    p = Promise.all([Promise.reject("nope"), 1]);
  });
  // Promise combinators: subclasses, thenables, iterables, ordering.
  let constructed = 0;
  class MyPromise extends Promise { constructor(executor) { constructed++; super(executor); } }
  const mine = MyPromise.all([1, MyPromise.resolve(2)]);
  out.subclass = { isMine: mine instanceof MyPromise, value: await mine, constructed };
  let thenCalls = 0;
  const thenable = { then(resolve) { thenCalls++; resolve("thenable"); } };
  out.thenable = { value: await Promise.all([thenable, 1]), thenCalls };
  function* gen() { yield 1; yield Promise.resolve(2); }
  out.iterable = await Promise.all(gen());
  out.set = await Promise.allSettled(new Set([Promise.reject("r"), 3]));
  out.settled = await Promise.allSettled([Promise.reject("r"), 3]);
  out.race = await Promise.race([new Promise((r) => setTimeout(() => r("late"), 10)), Promise.resolve("early")]);
  out.any = await settle(Promise.any([Promise.reject(new Error("a")), Promise.reject(new Error("b"))]));
  out.anyErrors = await Promise.any([Promise.reject(1), Promise.reject(2)]).catch((e) => e.errors);
  const order = [];
  const a = Promise.resolve();
  Promise.all([a]).then(() => order.push("all"));
  a.then(() => order.push("a")).then(() => order.push("a2"));
  Promise.race([a]).then(() => order.push("race"));
  await new Promise((r) => setTimeout(r, 0));
  out.microtaskOrder = order;
  // XMLHttpRequest: subclasses, events, errors.
  class MyXHR extends XMLHttpRequest {}
  const xhr = new MyXHR();
  out.xhrInstance = [xhr instanceof XMLHttpRequest, xhr instanceof MyXHR];
  const events = [];
  for (const type of ["readystatechange", "loadstart", "progress", "load", "loadend", "abort", "error"]) xhr.addEventListener(type, () => events.push(type + ":" + xhr.readyState));
  xhr.open("get", data("xhr"));
  const loaded = nextEvent(xhr, "loadend");
  out.xhrSend = xhr.send();
  await loaded;
  out.xhr = { status: xhr.status, text: xhr.responseText.length, events };
  out.xhrBadMethod = attempt(() => new XMLHttpRequest().open("bad method", "/"));
  out.xhrSendUnopened = attempt(() => new XMLHttpRequest().send());
  const sync = new XMLHttpRequest();
  sync.open("GET", data("sync"), false);
  sync.send();
  out.xhrSync = { status: sync.status, text: sync.responseText.length };
  const aborted = new XMLHttpRequest();
  const abortEvents = [];
  for (const type of ["abort", "loadend"]) aborted.addEventListener(type, () => abortEvents.push(type));
  aborted.open("GET", data("xhr-abort", 5000));
  aborted.send();
  aborted.abort();
  out.xhrAbort = { events: abortEvents, readyState: aborted.readyState, status: aborted.status };
  // AbortController: subclasses, reasons, AbortSignal.any.
  class MyController extends AbortController {}
  const mc = new MyController();
  out.controller = { isMine: mc instanceof MyController, isController: mc instanceof AbortController };
  const gotAbort = nextEvent(mc.signal, "abort");
  out.abortReturn = mc.abort("why");
  await gotAbort;
  out.controllerAborted = { aborted: mc.signal.aborted, reason: mc.signal.reason, again: mc.abort("again"), reasonKept: mc.signal.reason };
  out.abortIllegal = attempt(() => AbortController.prototype.abort.call({}));
  // More requests waiting for their Resource Timing entries at once than the wrapper keeps.
  const crowd = [];
  for (let k = 0; k < 520; k++) crowd.push(fetch(data("crowd-" + k)).then((response) => response.status));
  out.crowd = await settle(Promise.all(crowd).then((statuses) => statuses.join()));
  // More distinct string reasons than the wrapper remembers: the oldest are forgotten, quietly.
  out.manyReasons = attempt(() => {
    const reasons = [];
    for (let k = 0; k < 100; k++) {
      const controller = new AbortController();
      controller.abort("reason " + k);
      reasons.push(controller.signal.reason);
    }
    return reasons.join();
  });
  const t = AbortSignal.timeout(5);
  await nextEvent(t, "abort");
  out.timeout = { name: t.reason.name, message: t.reason.message, isSignal: t instanceof AbortSignal };
  out.timeoutBad = attempt(() => AbortSignal.timeout(-1));
  const source = new AbortController();
  const any = AbortSignal.any([source.signal, AbortSignal.timeout(10000)]);
  source.abort("first");
  out.anySignal = { aborted: any.aborted, reason: any.reason };
  out.anyBad = attempt(() => AbortSignal.any([1]));
  out.toStringOfObject = attempt(() => Function.prototype.toString.call({}));
  // Workers: construction (and its errors), subclasses, messages both ways, transfer, termination.
  const workerUrl = URL.createObjectURL(new Blob(["onmessage = (e) => postMessage(typeof e.data === 'number' ? e.data * 2 : e.data.byteLength)"], { type: "text/javascript" }));
  const worker = new Worker(workerUrl, { name: "probe" });
  out.worker = {
    isWorker: worker instanceof Worker, ctor: worker.constructor === Worker, proto: Object.getPrototypeOf(worker) === Worker.prototype,
    prototypeCtor: Worker.prototype.constructor === Worker, keys: Object.keys(worker),
  };
  out.workerWithoutNew = attempt(() => Worker(workerUrl));
  out.workerNoArgs = attempt(() => new Worker());
  out.workerBadUrl = attempt(() => new Worker("http://[bad"));
  class MyWorker extends Worker {}
  const myWorker = new MyWorker(workerUrl);
  out.myWorker = { isMine: myWorker instanceof MyWorker, isWorker: myWorker instanceof Worker };
  myWorker.terminate();
  out.workerReply = await new Promise((resolve) => {
    worker.onmessage = function (event) { resolve({ data: event.data, type: event.type, thisIsWorker: this === worker, isMessageEvent: event instanceof MessageEvent }); };
    out.postReturn = worker.postMessage(21);
  });
  const buffer = new ArrayBuffer(8);
  const transferred = new Promise((resolve) => { worker.onmessage = (event) => resolve(event.data); });
  worker.postMessage(buffer, [buffer]);
  out.transfer = { after: buffer.byteLength, reply: await transferred };
  out.uncloneable = attempt(() => worker.postMessage(() => 1));
  out.postIllegal = attempt(() => Worker.prototype.postMessage.call({}, 1));
  out.terminateReturn = worker.terminate();
  out.terminateTwice = worker.terminate();
  // Promise continuations: this and arguments of callbacks, results, errors, non-callables,
  // subclasses, wrong receivers, unhandled rejections, a continuation registered in a listener.
  out.thenCallback = await new Promise((resolve) => Promise.resolve(7).then(function () { "use strict"; resolve({ thisValue: typeof this, args: arguments.length, value: arguments[0] }); }));
  out.thenSloppyThis = await new Promise((resolve) => Promise.resolve().then(function () { resolve(this === window); }));
  const thenBoom = new Error("then boom");
  out.thenThrows = await Promise.resolve(1).then(() => { throw thenBoom; }).then(() => "no", (error) => error === thenBoom);
  out.thenNonCallable = await Promise.resolve("kept").then(42, "x");
  out.thenNoArgs = await Promise.resolve("kept").then();
  out.thenExtraArgs = await Promise.resolve(2).then((x) => x * 2, undefined, "extra");
  out.thenReturnsThenable = await Promise.resolve(1).then(() => ({ then(resolve) { resolve("from a thenable"); } }));
  out.catchFinally = await Promise.reject(new Error("caught")).catch((error) => error.message).finally(() => "ignored");
  out.finallyRethrows = await settle(Promise.resolve(1).finally(() => { throw new Error("from finally"); }));
  out.thenIllegal = attempt(() => Promise.prototype.then.call({}, () => {}));
  out.catchOnThenable = await new Promise((resolve) => Promise.prototype.catch.call({ then(a, b) { resolve([typeof a, typeof b]); } }, () => {}));
  class MyThenPromise extends Promise {}
  const derived = MyThenPromise.resolve(1).then((x) => x + 1);
  out.thenSpecies = { isMine: derived instanceof MyThenPromise, value: await derived };
  const base = Promise.resolve();
  const next = base.then();
  out.thenResult = { isPromise: next instanceof Promise, distinct: next !== base };
  out.unhandledThen = await new Promise((resolve) => {
    let p;
    window.addEventListener("unhandledrejection", function on(event) {
      window.removeEventListener("unhandledrejection", on);
      event.preventDefault();
      resolve({ samePromise: event.promise === p, reason: event.reason && event.reason.message });
    });
    p = Promise.resolve().then(() => { throw new Error("unhandled in then"); });
  });
  const thenOrder = [];
  const settledAlready = Promise.resolve();
  settledAlready.then(() => thenOrder.push(1));
  Promise.resolve().then(() => thenOrder.push(2)).then(() => thenOrder.push(4));
  settledAlready.then(() => thenOrder.push(3));
  await new Promise((r) => setTimeout(r, 0));
  out.thenOrder = thenOrder;
  out.thenInListener = await new Promise((resolve) => {
    const button = document.createElement("button");
    document.body.append(button);
    button.addEventListener("click", (event) => Promise.resolve(event.type).then((type) => { button.remove(); resolve(type); }));
    button.click();
  });
  return out;
}

window.probe = async () => ({ shapes: shapes(), behaviour: await behaviour() });

/** Whether window.fetch and setTimeout are the browser's own, as another realm's toString tells. */
window.nativeAsSeenFromIframe = () => {
  const toString = document.getElementById("pristine").contentWindow.Function.prototype.toString;
  return ["fetch", "setTimeout", "requestAnimationFrame"].every((name) => /\\[native code\\]/.test(toString.call(window[name])))
    && /\\[native code\\]/.test(toString.call(Promise.all))
    && /\\[native code\\]/.test(toString.call(Promise.prototype.then))
    && /\\[native code\\]/.test(toString.call(XMLHttpRequest.prototype.open))
    && /\\[native code\\]/.test(toString.call(Function.prototype.toString))
    && /\\[native code\\]/.test(toString.call(Worker));
};
</script></body></html>`;

type Probe = { shapes: Record<string, unknown>; behaviour: Record<string, unknown> };

/** The types of the window's capture-phase passive listeners (ours: the page adds none such), as DevTools lists them. */
async function windowCaptureListeners(page: Page): Promise<string[]> {
  const cdp = await page.createCDPSession();
  try {
    const { result } = await cdp.send("Runtime.evaluate", { expression: "window" });
    const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId: result.objectId! });
    return listeners.filter((l) => l.useCapture && l.passive).map((l) => l.type).sort();
  } finally {
    await cdp.detach();
  }
}

const runProbe = (page: Page): Promise<Probe> => page.evaluate(() => (window as unknown as { probe(): Promise<Probe> }).probe());
const nativeAsSeenFromIframe = (page: Page): Promise<boolean> =>
  page.evaluate(() => (window as unknown as { nativeAsSeenFromIframe(): boolean }).nativeAsSeenFromIframe());

describe("the native wrappers, as the page sees them", () => {
  let server: NativeServer;
  let plain: Browser;
  let launched: Awaited<ReturnType<typeof launchWithExtensionCopy>>;
  let baseline: Probe;
  let pageUrl: string;

  beforeAll(async () => {
    [server, plain, launched] = await Promise.all([startNativeServer({ "/": PROBE_PAGE }), launchWithoutExtension(), launchWithExtensionCopy()]);
    pageUrl = `${server.origin}/`;
    const page = await plain.newPage();
    await page.goto(pageUrl);
    baseline = await runProbe(page);
    await page.close();
  });

  afterAll(async () => {
    await Promise.all([plain?.close(), launched?.close(), server?.close()]);
  });

  /** Opens the probe page with the panel recording, native instrumentation on, from document_start. */
  async function recordedProbePage(): Promise<{ page: Page; panel: Frame }> {
    const { page, panel } = await openInspectedPage(launched.browser, pageUrl);
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), panel.evaluate(() => window.__aioscopePanel?.record({ reload: true }))]);
    // The reloaded document joined the recording with what it recorded since document_start.
    await waitForTrace(panel, (t) => t.markers.some((m) => m.kind === "navigation"), 30_000);
    return { page, panel };
  }

  test("the probe itself sees what a browser without the extension shows", () => {
    const shapes = baseline.shapes as Record<string, { toString: string; length: number }>;
    expect(shapes.fetch!.toString).toBe("function fetch() { [native code] }");
    expect(shapes["Promise.all"]!.length).toBe(1);
    expect(shapes["Promise.prototype.then"]).toMatchObject({ name: "then", length: 2, toString: "function then() { [native code] }" });
    expect(baseline.behaviour.thenCallback).toEqual({ thisValue: "undefined", args: 1, value: 7 });
    expect(baseline.behaviour.thenOrder).toEqual([1, 2, 3, 4]);
    // RequestInit's members are read once each, in dictionary order.
    expect(baseline.behaviour.initReads).toEqual(["cache", "headers", "method", "mode", "signal"]);
    expect(baseline.behaviour.prepareStackTrace).toEqual({ prepared: 0, limitKept: true });
  });

  test("while recording with native instrumentation on, the page sees exactly what it sees without the extension", async () => {
    const { page, panel } = await recordedProbePage();
    try {
      expect(await nativeAsSeenFromIframe(page)).toBe(false); // the wrappers are in place…
      // …and our window listeners see a person's input as a cause.
      expect(await windowCaptureListeners(page)).toEqual(expect.arrayContaining(["message", "click", "pointerdown", "touchstart", "visibilitychange", "storage"]));
      const probe = await runProbe(page);
      expect(probe.shapes).toEqual(baseline.shapes); // …and look like the originals
      expect(probe.behaviour).toEqual(baseline.behaviour); // …and do what they do
      // And the probe's own work was recorded (so the comparison was of the instrumented page).
      // Waited for whole: the agent ships a quiet page's events up to 200 ms apart, so the
      // probe's last operations may reach the panel in a later batch than its first ones.
      const expected = ["fetch", "xhr", "setTimeout", "setInterval", "requestAnimationFrame", "requestIdleCallback", "abortSignal", "Promise.all", "Promise.race", "Promise.any", "Promise.allSettled", "worker", "workerMessage"];
      const recordedKinds = (t: Trace): Set<string> => new Set(t.nativeOps.map((op) => op.kind));
      const trace = await waitForTrace(panel, (t) => {
        const kinds = recordedKinds(t);
        return expected.every((kind) => kinds.has(kind)) && t.nativeOps.some((op) => op.kind === "xhr" && op.end !== null);
      }).catch(async () => panelTrace(panel));
      const kinds = recordedKinds(trace);
      for (const kind of expected) expect(kinds, kind).toContain(kind);
    } finally {
      await page.close();
    }
  });

  test("installed but not recording, the page sees the browser's own functions and the same behaviour", async () => {
    const page = await launched.browser.newPage();
    try {
      await page.goto(pageUrl);
      // The extension says at once that this tab is not recorded; the wrappers go then.
      await page.waitForFunction(() => (window as unknown as { nativeAsSeenFromIframe(): boolean }).nativeAsSeenFromIframe(), POLL);
      // Listening since document_start, but for pointer, touch, visibility and storage events:
      // their first listener costs a page 0.5–2 ms, so ours wait for a recording.
      const listening = await windowCaptureListeners(page);
      expect(listening).toEqual(expect.arrayContaining(["message", "load", "click", "keydown", "submit"]));
      expect(listening.filter((type) => ["pointerdown", "pointerup", "touchstart", "touchend", "visibilitychange", "storage"].includes(type))).toEqual([]);
      const probe = await runProbe(page);
      expect(probe.shapes).toEqual(baseline.shapes);
      expect(probe.behaviour).toEqual(baseline.behaviour);
    } finally {
      await page.close();
    }
  });

  test("turning native instrumentation off during a recording puts the originals back, and on again the wrappers", async () => {
    const { page, panel } = await recordedProbePage();
    try {
      const session = await panel.evaluate(() => window.__aioscopePanel?.snapshot().session ?? "");
      expect(session).not.toBe("");
      expect(await nativeAsSeenFromIframe(page)).toBe(false);
      // A person unticks (and ticks again) the panel's "Native" box: the store re-sends the
      // recording with the new options, through the background and the bridge.
      // Clicked once the box stands still: the toolbar's counters move it while events arrive.
      const command = async (native: boolean): Promise<void> => {
        const checked = await panel.$eval("[data-testid=native-toggle]", (box) => (box as HTMLInputElement).checked);
        if (checked !== native) await clickWhenStill(panel, "[data-testid=native-toggle]");
        await panel.waitForFunction((wanted: boolean) => (document.querySelector("[data-testid=native-toggle]") as HTMLInputElement).checked === wanted, POLL, native);
      };
      await command(false);
      await page.waitForFunction(() => (window as unknown as { nativeAsSeenFromIframe(): boolean }).nativeAsSeenFromIframe(), POLL);
      const before = (await waitForTrace(panel, () => true)).nativeOps.length;
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 5)));
      await command(true);
      await page.waitForFunction(() => !(window as unknown as { nativeAsSeenFromIframe(): boolean }).nativeAsSeenFromIframe(), POLL);
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 7)));
      const trace = await waitForTrace(panel, (t) => t.nativeOps.some((op) => op.label === "setTimeout(7)" && op.end !== null));
      // The timer set while off was not recorded; the recording itself went on throughout.
      expect(trace.nativeOps.filter((op) => op.label === "setTimeout(5)")).toEqual([]);
      expect(trace.nativeOps.length).toBeGreaterThan(before);
      expect(trace.markers.filter((m) => m.kind === "recordingStop")).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test("stopping the recording puts the originals back", async () => {
    const { page, panel } = await recordedProbePage();
    try {
      expect(await nativeAsSeenFromIframe(page)).toBe(false);
      await page.evaluate(() => {
        (window as unknown as { keptFetch: typeof fetch }).keptFetch = window.fetch;
      });
      await panel.evaluate(() => window.__aioscopePanel?.stop());
      await page.waitForFunction(() => (window as unknown as { nativeAsSeenFromIframe(): boolean }).nativeAsSeenFromIframe(), POLL);
      // A reference the page took while recording still works: it calls the original now.
      const size = await page.evaluate(() => (window as unknown as { keptFetch: typeof fetch }).keptFetch("/data?id=kept&bytes=5").then((r) => r.text()).then((t) => t.length));
      expect(size).toBe(5);
    } finally {
      await page.close();
    }
  });
});
