/**
 * The MAIN-world content script, run at document_start in every frame before any page
 * script: it installs the hook, exposes the runtime as `globalThis.aioscope`, and starts the
 * page agent that records and talks to the bridge.
 *
 * Everything the agent needs from the page's globals is taken now, before page scripts can
 * replace them.
 */
import { hookStartedAt } from "./start-time.ts"; // first of all: the clock for our own cost
import { pageHook } from "./install-hook.ts"; // next: runtime copies register as they load
import * as runtime from "../runtime/index.ts";
import { PageAgent } from "./page-agent.ts";
import { NativeInstrumentation } from "./native/index.ts"; // captures fetch, timers… as the page will first see them
import { PerformanceTracks } from "./performance-tracks.ts"; // captures console.timeStamp before the page can replace it
import { BRIDGE_TAG, PAGE_TAG, type BridgeToPageMessage, type PageEvent, type Wall } from "../protocol/messages.ts";
import { checkBridgeMessage, openEnvelope } from "../protocol/validate.ts";

const pageWindow = window;
const postMessage = window.postMessage.bind(window);
const addEventListener = window.addEventListener.bind(window);
const removeEventListener = window.removeEventListener.bind(window);
const setTimer = window.setTimeout.bind(window);
const clearTimer = window.clearTimeout.bind(window);

if (!("aioscope" in globalThis)) {
  Object.defineProperty(globalThis, "aioscope", { value: runtime, writable: true, configurable: true, enumerable: false });
}

const wall: Wall<BridgeToPageMessage, PageEvent> = {
  listen(listener) {
    const onMessage = (event: MessageEvent): void => {
      if (event.source !== pageWindow) return;
      const message = openEnvelope(event.data, BRIDGE_TAG);
      if (message === null) return;
      const checked = checkBridgeMessage(message);
      if (checked.ok) listener(checked.value);
    };
    addEventListener("message", onMessage);
    return () => removeEventListener("message", onMessage);
  },
  send(message) {
    // Batches move their buffers to the bridge instead of copying them.
    const transfer = message.kind === "batch"
      ? [message.data.batch.time.buffer, message.data.batch.kind.buffer, message.data.batch.ops.buffer] as ArrayBuffer[]
      : [];
    postMessage({ tag: PAGE_TAG, message }, "*", transfer);
  },
};

// Created after the agent's own globals were taken above: the agent keeps the originals, so its
// flush timers and messages are never recorded as the page's work.
const native = new NativeInstrumentation(pageHook);

new PageAgent(wall, pageHook, {
  hello: () => ({
    url: String(location.href).slice(0, 8192),
    title: String(document.title ?? "").slice(0, 1024),
    userAgent: String(navigator.userAgent).slice(0, 1024),
    timeOrigin: performance.timeOrigin,
    isTopFrame: pageWindow === pageWindow.top,
  }),
  setTimer: (callback, ms) => setTimer(callback, ms),
  clearTimer: (timer) => clearTimer(timer as number),
  native,
  performanceTracks: new PerformanceTracks(),
});

// What this script cost the page, on its own timeline (the Performance panel shows it).
performance.measure("aioscope:hook", { start: hookStartedAt, end: performance.now() });
