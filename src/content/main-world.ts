/**
 * The MAIN-world content script, run at document_start in every frame before any page
 * script: it installs the hook, exposes the runtime as `globalThis.aioscope`, and starts the
 * page agent that records and talks to the bridge.
 *
 * Everything the agent needs from the page's globals is taken now, before page scripts can
 * replace them.
 */
import { hookStartedAt } from "./start-time.ts"; // first of all: the clock for our own cost
import { pageChannel } from "./channel/offer-now.ts"; // next: the bridge takes its port before any page script exists
import { pageHook } from "./install-hook.ts"; // next: runtime copies register as they load
import * as runtime from "../runtime/index.ts";
import { PageAgent } from "./page-agent.ts";
import { NativeInstrumentation } from "./native/index.ts"; // captures fetch, timers… as the page will first see them
import { PerformanceTracks } from "./performance-tracks.ts"; // captures console.timeStamp before the page can replace it
import { withEveryHook } from "./instrument-hooks.ts";
import { agentWall, unconnectedWall } from "./channel/agent-port.ts";
import { apply, stringSlice } from "../trace/primordials.ts";
import { RECORDED_LOAD_MARK } from "../protocol/recorded-load.ts";

const pageWindow = window;
// What the hello reports, read through getters taken now (Document.prototype.title and the
// others can be redefined by the page later).
const titleGetter = Object.getOwnPropertyDescriptor(Document.prototype, "title")?.get;
const userAgent = stringSlice(`${navigator.userAgent}`, 0, 1024);
const timeOrigin = performance.timeOrigin;
const isTopFrame = pageWindow === pageWindow.top;
// Whether this load is recorded from its first script (protocol/recorded-load.ts): the mark is
// taken away before any page script can see it.
const recordedLoadKey = Symbol.for(RECORDED_LOAD_MARK);
const recordedLoad = Object.getOwnPropertyDescriptor(pageWindow, recordedLoadKey)?.value === true;
if (recordedLoad) Reflect.deleteProperty(pageWindow, recordedLoadKey);
const setTimer = window.setTimeout.bind(window);
const clearTimer = window.clearTimeout.bind(window);

if (!("aioscope" in globalThis)) {
  Object.defineProperty(globalThis, "aioscope", { value: runtime, writable: true, configurable: true, enumerable: false }); // start-up
}

// Without a bridge (it did not take the port) the agent still runs, talking to nobody.
const wall = pageChannel === null ? unconnectedWall : agentWall(pageChannel);

// Created after the agent's own globals were taken above: the agent keeps the originals, so its
// flush timers and messages are never recorded as the page's work.
const native = new NativeInstrumentation(pageHook);

new PageAgent(wall, pageHook, {
  hello: () => ({
    // Location is unforgeable: the page cannot redefine href.
    url: stringSlice(`${location.href}`, 0, 8192),
    title: stringSlice(titleGetter === undefined ? "" : `${apply(titleGetter, document, []) as string}`, 0, 1024),
    userAgent,
    timeOrigin,
    isTopFrame,
  }),
  setTimer: (callback, ms) => setTimer(callback, ms),
  clearTimer: (timer) => clearTimer(timer as number),
  native,
  recordedLoad,
  performanceTracks: withEveryHook(new PerformanceTracks()),
});

// What this script cost the page, on its own timeline (the Performance panel shows it).
performance.measure("aioscope:hook", { start: hookStartedAt, end: performance.now() });
