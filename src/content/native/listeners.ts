/**
 * Event dispatches as causes: a click, a key press, a form's submit, a window `message`… each
 * a frame (causes.ts) while it is being dispatched, so that what its listeners start — `on…`
 * handlers and `addEventListener` listeners alike — is caused by `click on button#go`. A
 * dispatch becomes an `event` operation of its own only when it causes something: a page's
 * thousand key presses that start nothing leave nothing behind.
 *
 * How: a listener of ours on `window`, in the capture phase, for each type below, added at
 * document_start (a few costly ones later: COSTLY_EVENT_TYPES). The capture phase at the
 * window comes before any listener of the page's elements, and at the window itself (a
 * `message`, a `resize`) ours were added before any of the page's, so the frame is in place
 * before the page's code runs. The page's listeners are not wrapped: `addEventListener` and
 * `removeEventListener` stay the browser's, so nothing changes when recording stops. Ours are passive (they never cancel anything, never delay
 * scrolling) and stay for the document's life, returning at once while nothing records.
 *
 * The span ends when the dispatch does: a one-time bubble-phase listener of ours on `window`,
 * added as the dispatch begins, runs after every listener of the page's for a bubbling event.
 * A non-bubbling event, one aimed at the window itself, or one whose propagation a listener
 * stopped ends at the last operation it caused (found when the next cause is looked up).
 *
 * Not seen: events that never pass through the window (a MessagePort's, a WebSocket's,
 * an element outside the document), and types not listed (continuous ones such as mousemove
 * and scroll, which would cost a frame per event; `unload`/`beforeunload`, whose mere listener
 * changes how the browser caches the page).
 */
import { Cause, activeCause, closeDispatch, enter } from "./causes.ts";
import {
  attributeOf, CAPTURE_PASSIVE, elementId, elementLocalName, eventBubbles, eventPhase, eventTarget, eventType, inLaterTask, listen, nodeName,
  ONCE_PASSIVE, pageDocument, pageWindow,
} from "./originals.ts";
import { currentSink, taskTracker } from "./sink.ts";
import { stringIndexOf, stringSlice } from "../../trace/primordials.ts";

/** The dispatches that can start work, as a page's listeners see them: ours are added at document_start. */
const EARLY_EVENT_TYPES: readonly string[] = [
  "click", "dblclick", "auxclick", "contextmenu", "mousedown", "mouseup",
  "keydown", "keyup", "keypress", "input", "change", "submit", "reset",
  "focusin", "focusout", "copy", "cut", "paste", "dragstart", "dragend", "drop",
  "message", "hashchange", "popstate", "load", "DOMContentLoaded", "readystatechange",
  "pageshow", "resize", "online", "offline", "transitionend", "animationend",
];
/**
 * Those whose first listener costs a document 0.5–2 ms in Chromium (it sets up pointer and
 * touch input routing, visibility observation, or storage events), which a page that nobody
 * records should not pay: ours are added once a recording goes on past start-up. The pointer,
 * touch and visibility events are aimed at elements or the document, so ours still run
 * before every listener at the target, and only a capture listener the page put on the window
 * before the recording began runs before ours; `storage` is aimed at the window, where any
 * listener of the page's added before the recording began runs before ours (what it starts
 * then has no cause).
 */
const COSTLY_EVENT_TYPES: readonly string[] = ["pointerdown", "pointerup", "touchstart", "touchend", "visibilitychange", "storage"];

const MAX_TARGET_CHARS = 80;
/** `Event.AT_TARGET`: the phase of a dispatch at its target. */
const AT_TARGET = 2;

/** `button#go`, `input.search`, `window`, `document`: who the event was aimed at, shortly. */
function describeTarget(target: unknown): string {
  if (target === pageWindow) return "window";
  if (target === pageDocument) return "document";
  if (typeof target !== "object" || target === null) return "?";
  let name: string | undefined;
  try {
    name = elementLocalName(target);
  } catch {
    try {
      return nodeName(target) ?? "?";
    } catch {
      return "?";
    }
  }
  if (name === undefined) return "?";
  let text = name;
  try {
    const id = elementId(target);
    if (typeof id === "string" && id !== "") {
      text = `${name}#${id}`;
    } else {
      const classes = attributeOf(target, "class");
      if (typeof classes === "string") {
        let start = 0;
        while (start < classes.length && classes[start] === " ") start++;
        let end = stringIndexOf(classes, " ", start);
        if (end < 0) end = classes.length;
        if (end > start) text = `${name}.${stringSlice(classes, start, end)}`;
      }
    }
  } catch {
    // A target whose id or class cannot be read natively: its name says enough.
  }
  return text.length > MAX_TARGET_CHARS ? `${stringSlice(text, 0, MAX_TARGET_CHARS - 1)}…` : text;
}

/** The latest dispatch frame made here, so its bubble-phase end finds it. */
let latest: Cause | null = null;

function onDispatchStart(this: unknown, event: Event): void {
  const into = currentSink();
  if (into === null) return;
  const outer = activeCause(into);
  const type = eventType(event) ?? "?";
  const target = eventTarget(event);
  const frame = new Cause(into, 0, taskTracker.running, event, `${type} on ${describeTarget(target)}`, into.recorder.now(), outer, null);
  enter(frame);
  latest = frame;
  // Chromium dispatches a window's `load` and `pageshow` (aimed at the document) at the window
  // alone, and leaves them AT_TARGET with the window as currentTarget once over: their phase
  // never says the dispatch ended, and the frame would stay the cause of everything the page
  // does afterwards. Such a dispatch is over by the next task.
  if (target !== pageWindow && eventPhase(event) === AT_TARGET) inLaterTask(() => closeDispatch(frame, frame.lastSeen, into));
  if (pageWindow !== undefined && target !== pageWindow && eventBubbles(event) === true) {
    listen(pageWindow, type, onDispatchEnd, ONCE_PASSIVE);
  }
}

function onDispatchEnd(this: unknown, event: Event): void {
  const into = currentSink();
  let frame = latest;
  // The dispatch may be an outer one (a focus dispatched inside a click's listener ended first).
  while (frame !== null && frame.event !== event) frame = frame.outer;
  if (frame === null || into === null) return;
  closeDispatch(frame, into.recorder.now(), into);
  // Leaves it (and any dispatch nested in it, over by now) if it is the running frame.
  activeCause(into);
}

let watchingEarly = false;
let watchingCostly = false;

/**
 * Starts seeing dispatches as causes, for the rest of the document's life: at the first
 * attach, at document_start, so that ours come first among the window's own listeners too
 * (at the event's target, listeners run in the order they were added, capture or not). While
 * nothing records, each costs one call that returns at once; listeners are invisible to the
 * page, and passive ones change nothing it does.
 */
export function watchDispatches(): void {
  latest = null;
  if (watchingEarly || pageWindow === undefined) return;
  watchingEarly = true;
  for (let k = 0; k < EARLY_EVENT_TYPES.length; k++) listen(pageWindow, EARLY_EVENT_TYPES[k]!, onDispatchStart, CAPTURE_PASSIVE);
}

/** The same for the costly types (COSTLY_EVENT_TYPES), once a recording goes on past start-up. */
export function watchCostlyDispatches(): void {
  if (watchingCostly || pageWindow === undefined) return;
  watchingCostly = true;
  for (let k = 0; k < COSTLY_EVENT_TYPES.length; k++) listen(pageWindow, COSTLY_EVENT_TYPES[k]!, onDispatchStart, CAPTURE_PASSIVE);
}
