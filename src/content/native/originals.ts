/**
 * The page's own built-ins, taken when this module is evaluated: at document_start, in the
 * MAIN world, before any page script runs. What the wrappers call at run time comes from here
 * (the DOM's, the network's, promises', errors') or from src/trace/primordials.ts (collections,
 * `Math`, strings, the clock), so a page that later replaces `Reflect.apply`,
 * `WeakMap.prototype.get`, a prototype getter or `Promise.prototype.then` neither sees our
 * calls nor changes what they do.
 *
 * Nothing here may run page code: getters and methods are native ones, read off prototypes
 * while they are still pristine.
 */

import { apply, defineProperty, findProperty, getPrototypeOf, isArray, NativeError, numberIsFinite, ownDescriptor } from "../../trace/primordials.ts";
import { parseStackFrame } from "../../trace/stack.ts";

export { apply, defineProperty, findProperty, getPrototypeOf, isArray, NativeError, ownDescriptor };

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- originals are any function by nature */

const stringify = JSON.stringify;
const functionBind = Function.prototype.bind;
const functionCall = Function.prototype.call;

/**
 * The JSON text of a primitive, through `JSON.stringify` as the page's JSON was at
 * document_start. Primitives only: for an object or array, `JSON.stringify` looks `toJSON` up
 * through its prototypes, where a page may have put one (Prototype.js did, on Array.prototype).
 */
export function jsonPrimitive(value: string | number | boolean): string {
  // Numbers and booleans are written by the language (the same text, no call): only strings need escaping.
  if (typeof value === "number") return numberIsFinite(value) ? `${value}` : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  return apply(stringify, JSON, [value]) as string;
}

/** A native getter called on `target`, or `undefined` where the browser lacks it. */
export function getterOf<V>(proto: object | undefined, name: string): (target: unknown) => V | undefined {
  const get = proto === undefined ? undefined : ownDescriptor(proto, name)?.get;
  if (get === undefined) return () => undefined;
  // `get.call` bound once: each getter a function of its own that calls its native getter
  // directly, where one shared closure calling each through Reflect.apply made every such call
  // site see every getter, and allocated an argument list a call.
  return apply(functionBind, functionCall, [get]) as (target: unknown) => V;
}

/** A value read without running a getter: only data properties, own or inherited. */
export function dataProperty(target: object, name: PropertyKey): unknown {
  const descriptor = findProperty(target, name);
  return descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
}

// ── Functions, errors, promises ──────────────────────────────────────────────────────────────

export const functionToString = Function.prototype.toString;
/** `console.warn` as it was at document_start, for `apply(consoleWarn, console, [text])`. */
export const consoleWarn = console.warn;

export const captureStackTrace = (Error as { captureStackTrace?: (target: object, skip?: Function) => void }).captureStackTrace;

export const NativePromise = Promise;
export const promiseThen = Promise.prototype.then;
export const promisePrototype = Promise.prototype;

const arrayReduce = Array.prototype.reduce;
/** `promiseThen.call` as a function of its own: `thenCall(promise, onFulfilled, onRejected)`. */
const thenCall = apply(functionBind, functionCall, [promiseThen]) as Function;

/**
 * `promise.then(onFulfilled, onRejected)` with the original `then`, called as V8 calls it for
 * `Promise.all` or a promise resolved with a promise: unseen by DevTools' async stacks. V8
 * tells the debugger of a `then` only when a script's own function calls it; with DevTools
 * open, each such call then captures a stack for the reaction (~2.5 µs here: 100 000 calls
 * through a page's wrapper of `then` took 319 ms against 73 ms without one). Called from
 * `Array.prototype.reduce` (through functions bound here, which add no frame), the caller V8
 * sees is that builtin, so it tells the debugger nothing. For reactions that run no page code
 * (ours, and those the `then` wrapper passes on for the browser's own calls): a pause in the
 * page's code never has them in its async stack.
 */
export function originalThen<T>(promise: Promise<T>, onFulfilled: ((value: T) => unknown) | undefined, onRejected: ((reason: unknown) => unknown) | undefined): Promise<unknown> {
  // reduce calls `then.call(promise, onFulfilled, onRejected, 0, list)`: `then` reads two arguments.
  const onPromise = apply(functionBind, thenCall, [undefined, promise]) as Function;
  return apply(arrayReduce, [onRejected], [onPromise, onFulfilled]) as Promise<unknown>;
}

const NATIVE_ANONYMOUS = "function () { [native code] }";

/**
 * Whether `then` was given two of the browser's anonymous functions, as the language's own
 * calls give it (a promise resolved with a promise: its resolving functions; `Promise.all`:
 * its element functions) and a page passing on a promise's `resolve` and `reject`. Such
 * reactions run no page code. Bound functions and proxies print the same: a page passing two
 * of those goes without DevTools' async stack for them while native work is recorded.
 * `Function.prototype.toString` runs no page code, on a proxy either.
 */
export function nativeReactions(onFulfilled: unknown, onRejected: unknown): boolean {
  return typeof onFulfilled === "function" && typeof onRejected === "function" &&
    apply(functionToString, onFulfilled, []) === NATIVE_ANONYMOUS && apply(functionToString, onRejected, []) === NATIVE_ANONYMOUS;
}

/**
 * True for an object whose prototype is this realm's `Promise.prototype` (not a subclass, not
 * a thenable). Only the prototype is read: a brand check through `then` would mark a rejected
 * promise handled, which the page could see.
 */
export function hasPromisePrototype(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null && getPrototypeOf(value) === promisePrototype;
}

export const arrayValues = Array.prototype[Symbol.iterator];

// ── The DOM ──────────────────────────────────────────────────────────────────────────────────

const hasWindow = typeof window !== "undefined";
export const pageWindow: (Window & typeof globalThis) | undefined = hasWindow ? window : undefined;

export const addEventListener = typeof EventTarget !== "undefined" ? EventTarget.prototype.addEventListener : undefined;

/**
 * The options our listeners are added with. No prototype: the browser reads every option by
 * name, and none may reach a getter the page put on Object.prototype. Passive: ours never
 * cancel an event.
 */
export const CAPTURE_PASSIVE = { __proto__: null, capture: true, passive: true } as AddEventListenerOptions;
export const ONCE_PASSIVE = { __proto__: null, once: true, passive: true } as AddEventListenerOptions;

/** `target.addEventListener(type, listener, options)` with the original method. */
export function listen(target: EventTarget, type: string, listener: (this: EventTarget, event: Event) => void, options?: AddEventListenerOptions): void {
  if (addEventListener !== undefined) apply(addEventListener, target, [type, listener, options]);
}

const removeEventListener = typeof EventTarget !== "undefined" ? EventTarget.prototype.removeEventListener : undefined;

/** `target.removeEventListener(type, listener, options)` with the original method. */
export function removeListener(target: EventTarget, type: string, listener: (this: EventTarget, event: Event) => void, options?: EventListenerOptions): void {
  if (removeEventListener !== undefined) apply(removeEventListener, target, [type, listener, options]);
}

const proto = (ctor: { prototype: object } | undefined): object | undefined => ctor?.prototype;
const ctorOf = <T>(name: string): T | undefined => (globalThis as Record<string, unknown>)[name] as T | undefined;

export const NativeRequest = ctorOf<typeof Request>("Request");
export const NativeURL = ctorOf<typeof URL>("URL");
export const NativeDOMException = ctorOf<typeof DOMException>("DOMException");
export const NativePerformanceObserver = ctorOf<typeof PerformanceObserver>("PerformanceObserver");
/** PerformanceObserver's methods and its entry list's, as the page first saw them (a page can replace the prototypes' later). */
export const observerMethods = NativePerformanceObserver === undefined ? undefined : {
  observe: NativePerformanceObserver.prototype.observe,
  disconnect: NativePerformanceObserver.prototype.disconnect,
  getEntries: (globalThis as { PerformanceObserverEntryList?: typeof PerformanceObserverEntryList }).PerformanceObserverEntryList?.prototype.getEntries,
};
export const NativeAbortSignal = ctorOf<typeof AbortSignal>("AbortSignal");
export const NativeXMLHttpRequest = ctorOf<typeof XMLHttpRequest>("XMLHttpRequest");
export const NativeAbortController = ctorOf<typeof AbortController>("AbortController");

export const requestMethod = getterOf<string>(proto(NativeRequest), "method");
export const requestUrl = getterOf<string>(proto(NativeRequest), "url");
export const requestSignal = getterOf<AbortSignal>(proto(NativeRequest), "signal");
export const responseStatus = getterOf<number>(proto(ctorOf("Response")), "status");
export const responseHeaders = getterOf<Headers>(proto(ctorOf("Response")), "headers");
const headersGet = (proto(ctorOf("Headers")) as Headers | undefined)?.get;
export function headerOf(headers: Headers | undefined, name: string): string | null {
  if (headers === undefined || headersGet === undefined) return null;
  return apply(headersGet, headers, [name]) as string | null;
}
export const urlHref = getterOf<string>(proto(NativeURL), "href");
export const signalAborted = getterOf<boolean>(proto(NativeAbortSignal), "aborted");
export const signalReason = getterOf<unknown>(proto(NativeAbortSignal), "reason");
export const controllerSignal = getterOf<AbortSignal>(proto(NativeAbortController), "signal");
export const exceptionName = getterOf<string>(proto(NativeDOMException), "name");
export const exceptionMessage = getterOf<string>(proto(NativeDOMException), "message");
export const xhrStatus = getterOf<number>(proto(NativeXMLHttpRequest), "status");
export const xhrReadyState = getterOf<number>(proto(NativeXMLHttpRequest), "readyState");
export const progressLoaded = getterOf<number>(proto(ctorOf("ProgressEvent")), "loaded");
export const eventType = getterOf<string>(proto(ctorOf("Event")), "type");
/** 0 (NONE) once an event's dispatch is over (or before it began). */
export const eventPhase = getterOf<number>(proto(ctorOf("Event")), "eventPhase");
export const eventTarget = getterOf<EventTarget | null>(proto(ctorOf("Event")), "target");
export const eventBubbles = getterOf<boolean>(proto(ctorOf("Event")), "bubbles");
export const elementLocalName = getterOf<string>(proto(ctorOf("Element")), "localName");
export const elementId = getterOf<string>(proto(ctorOf("Element")), "id");
export const nodeName = getterOf<string>(proto(ctorOf("Node")), "nodeName");
const getAttribute = (proto(ctorOf("Element")) as Element | undefined)?.getAttribute;
/** `element.getAttribute(name)` with the original method; null where there is none. */
export function attributeOf(element: unknown, name: string): string | null {
  if (getAttribute === undefined) return null;
  return apply(getAttribute, element, [name]) as string | null;
}
export const NativeElement = ctorOf<typeof Element>("Element");
export const pageDocument: Document | undefined = hasWindow ? window.document : undefined;
const windowSetTimeout = hasWindow ? window.setTimeout : undefined;
/** Runs `callback` in a later task, with the browser's own setTimeout (never a wrapper: not recorded). */
export function inLaterTask(callback: () => void): void {
  if (windowSetTimeout !== undefined) apply(windowSetTimeout, pageWindow, [callback, 0]);
}
export const documentBaseUri = getterOf<string>(proto(ctorOf("Node")), "baseURI");
export const supportedEntryTypes: readonly string[] = (() => {
  try {
    return [...(NativePerformanceObserver?.supportedEntryTypes ?? [])];
  } catch {
    return [];
  }
})();

/** The file this script was loaded from (the extension's MAIN-world bundle): its own calls are not the page's. */
export const ownScriptFile: string | null = (() => {
  for (const line of (new NativeError().stack ?? "").split("\n")) {
    const frame = parseStackFrame(line);
    if (frame !== null) return frame.file;
  }
  return null;
})();

// ── Performance entries: resources, long tasks, scripts, workers ─────────────────────────────

const entryProto = proto(ctorOf("PerformanceEntry"));
const resourceProto = proto(ctorOf("PerformanceResourceTiming"));
export const entryName = getterOf<string>(entryProto, "name");
export const entryStartTime = getterOf<number>(entryProto, "startTime");
export const entryDuration = getterOf<number>(entryProto, "duration");
/** A resource entry's timing fields, read through the native getters (the page may replace them later). */
export const resourceTiming = {
  initiatorType: getterOf<string>(resourceProto, "initiatorType"),
  fetchStart: getterOf<number>(resourceProto, "fetchStart"),
  domainLookupStart: getterOf<number>(resourceProto, "domainLookupStart"),
  connectStart: getterOf<number>(resourceProto, "connectStart"),
  connectEnd: getterOf<number>(resourceProto, "connectEnd"),
  requestStart: getterOf<number>(resourceProto, "requestStart"),
  responseStart: getterOf<number>(resourceProto, "responseStart"),
  responseEnd: getterOf<number>(resourceProto, "responseEnd"),
  transferSize: getterOf<number>(resourceProto, "transferSize"),
  encodedBodySize: getterOf<number>(resourceProto, "encodedBodySize"),
  decodedBodySize: getterOf<number>(resourceProto, "decodedBodySize"),
  responseStatus: getterOf<number>(resourceProto, "responseStatus"),
  renderBlockingStatus: getterOf<string>(resourceProto, "renderBlockingStatus"),
};
const attributionProto = proto(ctorOf("TaskAttributionTiming"));
/** A long task's attribution (the container it ran in), read through the native getters. */
export const longTaskTiming = {
  attribution: getterOf<readonly object[]>(proto(ctorOf("PerformanceLongTaskTiming")), "attribution"),
  containerType: getterOf<string>(attributionProto, "containerType"),
  containerSrc: getterOf<string>(attributionProto, "containerSrc"),
  containerId: getterOf<string>(attributionProto, "containerId"),
  containerName: getterOf<string>(attributionProto, "containerName"),
};
const frameProto = proto(ctorOf("PerformanceLongAnimationFrameTiming"));
const scriptTimingProto = proto(ctorOf("PerformanceScriptTiming"));
/** A long animation frame's blocking time and scripts, and each script's attribution, read through the native getters. */
export const frameTiming = {
  blockingDuration: getterOf<number>(frameProto, "blockingDuration"),
  scripts: getterOf<readonly PerformanceEntry[]>(frameProto, "scripts"),
  invoker: getterOf<string>(scriptTimingProto, "invoker"),
  invokerType: getterOf<string>(scriptTimingProto, "invokerType"),
  sourceURL: getterOf<string>(scriptTimingProto, "sourceURL"),
  sourceFunctionName: getterOf<string>(scriptTimingProto, "sourceFunctionName"),
  sourceCharPosition: getterOf<number>(scriptTimingProto, "sourceCharPosition"),
};
const entryListGetEntries = (proto(ctorOf("PerformanceObserverEntryList")) as PerformanceObserverEntryList | undefined)?.getEntries;
/** `list.getEntries()` with the original method. */
export function entriesOf(list: PerformanceObserverEntryList): readonly PerformanceEntry[] {
  return entryListGetEntries === undefined ? [] : (apply(entryListGetEntries, list, []) as PerformanceEntry[]);
}
const observerProto = NativePerformanceObserver?.prototype;
const observerObserve = observerProto?.observe;
const observerDisconnect = observerProto?.disconnect;
export function observe(observer: PerformanceObserver, options: PerformanceObserverInit): void {
  if (observerObserve !== undefined) apply(observerObserve, observer, [options]);
}
export function disconnect(observer: PerformanceObserver): void {
  if (observerDisconnect !== undefined) apply(observerDisconnect, observer, []);
}
const observerTakeRecords = observerProto?.takeRecords;
/** The entries `observer` has queued and not yet delivered, taken off its queue. */
export function takeRecords(observer: PerformanceObserver): readonly PerformanceEntry[] {
  return observerTakeRecords === undefined ? [] : (apply(observerTakeRecords, observer, []) as PerformanceEntry[]);
}

const scriptProto = proto(ctorOf("HTMLScriptElement"));
export const NativeHTMLScriptElement = ctorOf<typeof HTMLScriptElement>("HTMLScriptElement");
export const scriptSrc = getterOf<string>(scriptProto, "src");
export const scriptType = getterOf<string>(scriptProto, "type");
export const documentReadyState = getterOf<DocumentReadyState>(proto(ctorOf("Document")), "readyState");
export const documentScripts = getterOf<HTMLCollectionOf<HTMLScriptElement>>(proto(ctorOf("Document")), "scripts");
const collectionProto = proto(ctorOf("HTMLCollection"));
export const collectionLength = getterOf<number>(collectionProto, "length");
const collectionItem = (collectionProto as HTMLCollection | undefined)?.item;
export function collectionAt<T>(collection: HTMLCollectionOf<Element>, index: number): T | null {
  return collectionItem === undefined ? null : (apply(collectionItem, collection, [index]) as T | null);
}
/** Whether `value` is a `<script>` element, by the realm's original prototype chain. */
export function isScriptElement(value: unknown): boolean {
  if (typeof value !== "object" || value === null || scriptProto === undefined) return false;
  for (let o: object | null = getPrototypeOf(value) as object | null; o !== null; o = getPrototypeOf(o) as object | null) if (o === scriptProto) return true;
  return false;
}

export const NativeWorker = ctorOf<typeof Worker>("Worker");
export const construct = Reflect.construct;
export const messageData = getterOf<unknown>(proto(ctorOf("MessageEvent")), "data");
export const arrayBufferByteLength = getterOf<number>(proto(ctorOf("ArrayBuffer")), "byteLength");
const typedArrayProto = getPrototypeOf(Uint8Array.prototype) as object;
export const typedArrayByteLength = getterOf<number>(typedArrayProto, "byteLength");
export const dataViewByteLength = getterOf<number>(proto(ctorOf("DataView")), "byteLength");
