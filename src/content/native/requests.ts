/**
 * Requests: `fetch` and `XMLHttpRequest`, a span each from the call to the response headers
 * (fetch resolving, or an XHR's `loadend`), labelled `METHOD url`.
 *
 * Outcomes: `ok` with `{"status":…,"bytes":…}` (bytes from Content-Length for fetch, from the
 * final progress event for XHR); `error` for a network error; `aborted` with
 * `{"cause":"abort"|"timeout","by":<mark>,"reason":…}` when an abort signal (or `xhr.abort()`,
 * or an XHR's `timeout`) ended it.
 *
 * fetch: the wrapper reads method, URL and signal without running page code — from a URL
 * string or object, a Request (through native getters), and `init`'s data properties — and
 * calls the original with the page's own arguments. When that cannot be done (`init` has
 * getters, or the input converts itself to a string), it calls the original with
 * `new Request(input, init)`, made with the original constructor: `fetch(input, init)` is
 * defined as exactly that, so the page's getters still run once. The page gets a promise
 * derived from the browser's with the original
 * `then`: it settles one microtask later, with the same Response or the same error, and if the
 * page leaves a rejection unhandled, its `unhandledrejection` event is about that promise, as
 * before. (Watching the browser's promise, as the wrapper does, marks it handled: returning it
 * would hide those events.)
 *
 * XMLHttpRequest: only `open` and `send` on the prototype are wrapped — the constructor is
 * untouched, so `instanceof` and subclasses work. Its end is observed with listeners of ours
 * on the request itself (never on `upload`, whose listeners would change CORS preflights).
 */
import { Patch } from "./cloak.ts";
import {
  apply, CAPTURE_PASSIVE, documentBaseUri, findProperty, eventType, headerOf, NativeRequest, NativeURL, NativeXMLHttpRequest, pageWindow, progressLoaded,
  requestMethod, requestSignal, requestUrl, responseHeaders, responseStatus, signalAborted, signalReason, originalThen, urlHref, listen,
  xhrReadyState, xhrStatus,
} from "./originals.ts";
import { abortCauseOf } from "./abort.ts";
import { awaitTiming } from "./resources.ts";
import { defer } from "./backlog.ts";
import { callerSite } from "./site.ts";
import { Cause, activeCause, enter } from "./causes.ts";
import { currentSink, describe, onWindow, promiseOps, startOp, type NativeOp, type Sink } from "./sink.ts";
import { hostNow, numberIsSafeInteger as isSafeInteger, regExpExec, regExpTest, safeWeakMap, stringToUpperCase } from "../../trace/primordials.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- wrappers stand in for any function */

function contentLength(response: unknown): number | null {
  const value = headerOf(responseHeaders(response), "content-length");
  if (value === null) return null;
  const bytes = +value;
  return isSafeInteger(bytes) && bytes >= 0 ? bytes : null;
}

const STANDARD_METHODS = /^(?:delete|get|head|options|post|put|patch)$/i;
const ABSOLUTE_URL = /^[a-z][a-z\d+\-.]*:/i;

function normalizeMethod(method: string): string {
  return regExpTest(STANDARD_METHODS, method) ? stringToUpperCase(method) : method;
}

/** `url` resolved against the document's base URL, as fetch and XHR resolve it; as given when it does not parse. */
function absoluteUrl(url: string): string {
  if (regExpTest(ABSOLUTE_URL, url) || NativeURL === undefined || pageWindow === undefined) return url;
  const base = documentBaseUri(pageWindow.document);
  if (typeof base === "string") {
    const plain = resolvePlainRootPath(url, base);
    if (plain !== null) return plain;
  }
  try {
    return urlHref(new NativeURL(url, base)) ?? url;
  } catch {
    return url;
  }
}

/** A path from the root of characters the URL parser keeps as they are (`/data?id=7&n=2`). */
const PLAIN_ROOT_PATH = /^\/(?![/\\])[\w\-.~!$&()*+,;=:@/?]*$/;
/** A `.` or `..` segment, which the parser resolves (looked for in the query too: then the parser decides). */
const DOT_SEGMENT = /\/\.\.?(?:[/?]|$)/;
/** An http(s) URL's scheme and authority: everything before its path. */
const HTTP_ORIGIN = /^https?:\/\/[^/?#]*/;
let lastBase = "";
let lastOrigin: string | null = null;

/**
 * `path` resolved against `base` as the URL parser would, for the common case it can be done
 * without it (a `new URL` costs a request's wrapper more than the rest of its label): a plain
 * path from the root under an http(s) base is the base's scheme and authority followed by the
 * path, unchanged. Null for anything else, which the parser resolves.
 */
export function resolvePlainRootPath(path: string, base: string): string | null {
  if (!regExpTest(PLAIN_ROOT_PATH, path) || regExpTest(DOT_SEGMENT, path)) return null;
  if (base !== lastBase) {
    const origin = regExpExec(HTTP_ORIGIN, base);
    lastBase = base;
    lastOrigin = origin === null ? null : origin[0]!;
  }
  return lastOrigin === null ? null : `${lastOrigin}${path}`;
}

/** A data property's value; `NEEDS_REQUEST` for a getter, whose page code must run once only. */
const NEEDS_REQUEST = Symbol("needs a Request");
function plainProperty(target: object, name: string): unknown {
  const descriptor = findProperty(target, name);
  if (descriptor === undefined) return undefined;
  return "value" in descriptor ? descriptor.value : NEEDS_REQUEST;
}

interface FetchTarget {
  readonly label: string;
  /** The signal the page gave (init's, or the input Request's), or null. */
  readonly signal: object | null;
}

/**
 * Method, URL and signal of `fetch(input, init)`, read without running page code: from a URL
 * string or object or a Request, and an init's data properties. Null when only the browser can
 * tell without running page code twice — an init with getters, an input that converts itself
 * to a string —, and then a Request is made from the arguments (see the fetch wrapper).
 */
function fetchTarget(input: unknown, init: unknown): FetchTarget | null {
  let method: unknown;
  let signal: unknown;
  if (init !== undefined && init !== null) {
    if (typeof init !== "object") return null;
    method = plainProperty(init, "method");
    signal = plainProperty(init, "signal");
    if (method === NEEDS_REQUEST || signal === NEEDS_REQUEST) return null;
  }
  let url: string | undefined;
  if (typeof input === "string") {
    url = absoluteUrl(input);
  } else if (typeof input === "object" && input !== null) {
    try {
      url = requestUrl(input);
      method ??= requestMethod(input);
      signal ??= requestSignal(input);
    } catch {
      try {
        url = urlHref(input); // a URL object
      } catch {
        return null;
      }
    }
  }
  if (url === undefined || (method !== undefined && typeof method !== "string")) return null;
  if (signal !== undefined && signal !== null && typeof signal !== "object") return null;
  return { label: `${method === undefined ? "GET" : normalizeMethod(method)} ${url}`, signal: (signal as object | null | undefined) ?? null };
}

function endFailed(op: NativeOp, into: Sink, error: unknown, signals: readonly (object | null)[]): void {
  for (let k = 0; k < signals.length; k++) {
    const signal = signals[k]!;
    if (signal === null) continue;
    let aborted = false;
    try {
      aborted = signalAborted(signal) === true;
    } catch {
      continue; // not an AbortSignal (the browser rejected the call for it)
    }
    if (!aborted) continue;
    const reason = signalReason(signal);
    const { cause, by } = abortCauseOf(into, signals, reason);
    op.end("aborted", { cause, by: by === 0 ? undefined : by, reason: describe(reason) });
    return;
  }
  op.end("error", { error: describe(error) });
}

const NO_SIGNALS: readonly (object | null)[] = [];

/** A fetch whose promise resolved with `response` at `at`: its end, with status and size. */
function endFetched(op: unknown, response: unknown, at: number): void {
  (op as NativeOp).end("ok", { status: responseStatus(response), bytes: contentLength(response) }, at);
}

const fetchPatch = Patch.of(pageWindow, "fetch", (original) => {
  const wrapper: Function = {
    fetch(this: unknown, ...args: unknown[]): unknown {
      const into = currentSink();
      // Without an argument, or on another receiver, the original throws (rejects) before
      // anything else: just call it.
      if (into === null || args.length === 0 || !onWindow(this)) return apply(original, this, args);
      let call = args;
      let label: string;
      let signals = NO_SIGNALS;
      const target = fetchTarget(args[0], args[1]);
      if (target !== null) {
        label = target.label;
        if (target.signal !== null) signals = [target.signal];
      } else {
        // fetch(input, init) is fetch(new Request(input, init)): made here, with the original
        // constructor, init's getters run once, as before, and the Request tells the rest.
        if (NativeRequest === undefined) return apply(original, this, args);
        let request: Request;
        try {
          request = new NativeRequest(args[0] as RequestInfo, args[1] as RequestInit | undefined);
        } catch {
          return apply(original, this, args); // rejects with the same error, as before
        }
        call = [request];
        label = `${requestMethod(request) ?? "GET"} ${requestUrl(request) ?? ""}`;
        signals = [requestSignal(request) ?? null];
      }
      const op = startOp(into, "fetch", label, callerSite(wrapper));
      awaitTiming(op, label, hostNow());
      let promise: Promise<Response> | undefined;
      try {
        promise = apply(original, this, call) as Promise<Response>;
      } finally {
        if (promise === undefined) op.end("error", { error: "fetch() threw" });
      }
      // The page's promise follows the browser's; ours, registered after it, only watches. One
      // reaction could do both, but passing a rejection on from a handler means throwing it, and
      // with DevTools set to pause on exceptions, every failed fetch would then stop in our
      // script: the page's debugging must not change because aioscope is installed. Ours only
      // dates the response: the rest is read and written in the backlog's pass (backlog.ts).
      const result = originalThen(promise, undefined, undefined);
      originalThen(
        promise,
        (response) => {
          if (op.live) defer(endFetched, op, response, op.sink.recorder.now());
        },
        (error: unknown) => endFailed(op, into, error, signals),
      );
      promiseOps.set(result, op);
      return result;
    },
  }.fetch;
  return wrapper;
});

// ── XMLHttpRequest ───────────────────────────────────────────────────────────────────────────

interface XhrState {
  label: string;
  op: NativeOp | null;
  /** The request last sent: the cause of what the page's listeners of its events start. */
  sent: NativeOp | null;
  /** The last of load / error / abort / timeout seen before loadend. */
  ended: string | null;
  listening: boolean;
}

const xhrStates = safeWeakMap<object, XhrState>();
const XHR_EVENTS = ["readystatechange", "load", "error", "abort", "timeout", "loadend"];

function xhrLabel(method: unknown, url: unknown): string {
  const verb = typeof method === "string" ? normalizeMethod(method) : "?";
  let href = "?";
  if (typeof url === "string") {
    href = absoluteUrl(url);
  } else if (typeof url === "object" && url !== null) {
    try {
      href = urlHref(url) ?? "?";
    } catch {
      // Not a URL object: it was converted to a string by open(), which we do not repeat.
    }
  }
  return `${verb} ${href}`;
}

function onXhrEvent(this: EventTarget, event: Event): void {
  const state = xhrStates.get(this);
  if (state === undefined) return;
  const sent = state.sent;
  // While this event is dispatched, the request causes what its listeners start (causes.ts).
  if (sent !== null && sent.live) enter(new Cause(sent.sink, sent.id, 0, event, null, 0, activeCause(sent.sink), null));
  if (state.op === null) return;
  const type = eventType(event) ?? "";
  if (type === "readystatechange") return;
  if (type !== "loadend") {
    state.ended = type;
    return;
  }
  const op = state.op;
  state.op = null;
  switch (state.ended) {
    case "load":
      op.end("ok", { status: xhrStatus(this), bytes: progressLoaded(event) });
      break;
    case "abort":
      op.end("aborted", { cause: "abort", reason: "abort()" });
      break;
    case "timeout":
      op.end("aborted", { cause: "timeout", reason: "timeout" });
      break;
    default:
      op.end("error", { error: "network error" });
  }
}

function listenTo(xhr: EventTarget, state: XhrState): void {
  if (state.listening) return;
  // At the request itself, listeners run in the order they were added, capture or not.
  for (let k = 0; k < XHR_EVENTS.length; k++) listen(xhr, XHR_EVENTS[k]!, onXhrEvent, CAPTURE_PASSIVE);
  state.listening = true;
}

const openPatch = Patch.of(NativeXMLHttpRequest?.prototype, "open", (original) => ({
  open(this: unknown, ...args: unknown[]): unknown {
    const state = typeof this === "object" && this !== null ? xhrStates.get(this) : undefined;
    // Opening again drops a request in flight: it ends here (or, when already done, as loaded).
    let previous: { op: NativeOp; done: boolean; status: number | undefined } | null = null;
    if (state !== undefined && state.op !== null) {
      try {
        previous = { op: state.op, done: xhrReadyState(this) === 4, status: xhrStatus(this) };
      } catch {
        previous = null;
      }
    }
    const result = apply(original, this, args);
    if (state !== undefined && previous !== null) {
      state.op = null;
      if (previous.done) previous.op.end("ok", { status: previous.status });
      else previous.op.end("aborted", { cause: "abort", reason: "open() called again" });
    }
    if (typeof this !== "object" || this === null) return result;
    if (currentSink() === null) {
      // Not recorded: a later send() must not take an older open()'s label.
      if (state !== undefined) xhrStates.delete(this);
      return result;
    }
    const label = xhrLabel(args[0], args[1]);
    if (state === undefined) xhrStates.set(this, { label, op: null, sent: null, ended: null, listening: false });
    else state.label = label;
    // Listening from open(): ours then come before the listeners most code adds after it
    // (`xhr.onload = …` between open and send), so the request is the cause in place for them.
    listenTo(this as EventTarget, xhrStates.get(this)!);
    return result;
  },
}).open);

const sendPatch = Patch.of(NativeXMLHttpRequest?.prototype, "send", (original) => {
  const wrapper: Function = {
    send(this: unknown, ...args: unknown[]): unknown {
      const into = currentSink();
      const state = typeof this === "object" && this !== null ? xhrStates.get(this) : undefined;
      // Without a recorded open(), or while a request is in flight (send() throws), just call through.
      if (into === null || state === undefined || state.op !== null) return apply(original, this, args);
      listenTo(this as EventTarget, state);
      const op = startOp(into, "xhr", state.label, callerSite(wrapper));
      awaitTiming(op, state.label, hostNow());
      state.op = op;
      state.sent = op;
      state.ended = null;
      let threw = true;
      try {
        const result = apply(original, this, args);
        threw = false;
        return result;
      } finally {
        // Not sent (wrong state), or a synchronous request that failed: never caught and
        // rethrown, so the exception keeps its place for the page's error event.
        if (threw && state.op === op) {
          state.op = null;
          op.end("error", { error: "send() threw" });
        }
      }
    },
  }.send;
  return wrapper;
});

export const requestPatches: readonly Patch[] = [fetchPatch, openPatch, sendPatch].filter((p): p is Patch => p !== null);
