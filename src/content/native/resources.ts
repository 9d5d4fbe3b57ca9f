/**
 * Script and module loads, and how long requests waited before they were sent — both read
 * from Resource Timing, through a PerformanceObserver of ours (`resource` entries; the page's
 * own observers and performance buffer are untouched), or, for a recording from a panel in
 * Chrome's DevTools, from DevTools' network log, which the panel passes on (NetworkTimings:
 * the same facts, no more than the page's Resource Timing would tell; network-timings.ts in
 * the bridge filters them). The observer is then not kept: with one, the browser makes an
 * entry of every request and a task to deliver it, which costs the page more than the rest of
 * a request's recording, while DevTools records the network anyway.
 *
 * - A `script` operation is a classic script's load (a `<script src>`, parser-inserted or
 *   added later, as AMD loaders do); a `module` operation a module's: a `<script type=module>`,
 *   or a module fetched by a static `import` or a dynamic `import()` (Chrome reports all of
 *   these with the initiator type `script`; a URL that no classic `<script>` element loaded is a
 *   module's). The span is the entry's: the fetch's start to its last byte. Outcome `error`
 *   for an HTTP error status or an `error` event on the element, else `ok`; the detail has
 *   `status`, `transferSize` (0 from the cache), `bodySize`, `decodedSize`, `renderBlocking`,
 *   and `loadedBy` (`"element"` or `"import"`).
 * - A `requestQueue` operation is the part of a recorded fetch or XHR before its request was
 *   sent (its parent): waiting for a connection — Chrome opens at most six to a host over
 *   HTTP/1.1 — and connecting. Its detail has the phases in ms: `queued`, `connect`,
 *   `waiting` (request sent → first byte) and `download`. Cross-origin requests without
 *   Timing-Allow-Origin have no phases and get none.
 *
 * Entries and timings arrive after the fact (when the body is in), so these operations are
 * recorded with their own start and end, like long tasks. Whichever source tells of a request
 * or script first is the one recorded (the observer of a start-up recording may have told of
 * the first scripts before a panel's recording took the network log on).
 */
import { NETWORK_TIMING_COLUMN, NETWORK_TIMING_FIELDS, type NetworkTimings } from "../../protocol/messages.ts";
import {
  apply, CAPTURE_PASSIVE, collectionAt, consoleWarn, documentReadyState, collectionLength, disconnect, documentScripts, entriesOf,
  entryName, entryStartTime, eventTarget, eventType, isScriptElement, jsonPrimitive, listen, NativePerformanceObserver, observe, ONCE_PASSIVE,
  pageWindow, removeListener, resourceTiming,
  scriptSrc, scriptType, supportedEntryTypes, takeRecords,
} from "./originals.ts";
import { append, indexOf, mathMax, mathRound, safeMap, stringIndexOf, stringSlice } from "../../trace/primordials.ts";
import { currentSink, describe, startOp, type NativeOp, type Sink } from "./sink.ts";
import { defer } from "./backlog.ts";

const round = (ms: number): number => mathRound(ms * 10) / 10;

// ── Requests waiting for their timing ────────────────────────────────────────────────────────

interface WaitingRequest {
  readonly op: NativeOp;
  readonly url: string;
  /** The host time of the call (performance.now()), which the entry's startTime matches. */
  readonly at: number;
  /** Matched, or given up: no longer waiting. */
  done: boolean;
}

/** Recorded requests whose entry has not arrived yet, oldest first (some done: dropped at the next compaction). */
let waiting: WaitingRequest[] = [];
/**
 * The same requests by URL, oldest first: an entry finds its request without reading every
 * other one (500 requests in flight made that 125 000 string comparisons).
 */
const waitingByUrl = safeMap<string, WaitingRequest[]>();
let waitingCount = 0;
/** The most requests kept waiting: an entry that never comes (a cross-origin redirect…) must not pile up. */
const MAX_WAITING = 512;
/** An entry starts within this many ms of the call it belongs to. */
const MATCH_WINDOW_MS = 50;

/**
 * Remembers a recorded fetch or XHR (`label` is `METHOD url`) so that its Resource Timing entry,
 * when it comes, gives it its phases.
 */
export function awaitTiming(op: NativeOp, label: string, at: number): void {
  if (!observing) return;
  const space = stringIndexOf(label, " ");
  const url = space < 0 ? label : stringSlice(label, space + 1);
  if (waitingCount >= MAX_WAITING) compact(true);
  const request: WaitingRequest = { op, url, at, done: false };
  append(waiting, request);
  const sameUrl = waitingByUrl.get(url);
  if (sameUrl === undefined) waitingByUrl.set(url, [request]);
  else append(sameUrl, request);
  waitingCount++;
}

/** Takes `request` off the list of its URL, and marks it done. */
function forget(request: WaitingRequest): void {
  request.done = true;
  waitingCount--;
  const sameUrl = waitingByUrl.get(request.url);
  if (sameUrl === undefined) return;
  let at = 0;
  for (let k = 0; k < sameUrl.length; k++) if (sameUrl[k] !== request) sameUrl[at++] = sameUrl[k]!;
  if (at === 0) waitingByUrl.delete(request.url);
  else sameUrl.length = at;
}

/** Drops the done requests (and, when `full`, gives up on the oldest half of those still waiting). */
function compact(full: boolean): void {
  const kept: WaitingRequest[] = [];
  let skip = full ? waitingCount >> 1 : 0;
  for (let k = 0; k < waiting.length; k++) {
    const request = waiting[k]!;
    if (request.done) continue;
    if (skip > 0) {
      skip--;
      forget(request);
      continue;
    }
    append(kept, request);
  }
  waiting = kept;
}

/** The waiting request `url` called closest to `start`, taken off the list; null when none is close. */
function takeRequest(url: string, start: number): WaitingRequest | null {
  const sameUrl = waitingByUrl.get(url);
  if (sameUrl === undefined) return null;
  let found: WaitingRequest | null = null;
  let bestGap = MATCH_WINDOW_MS;
  for (let k = 0; k < sameUrl.length; k++) {
    const request = sameUrl[k]!;
    const gap = request.at > start ? request.at - start : start - request.at;
    if (gap <= bestGap) {
      found = request;
      bestGap = gap;
      if (gap === 0) break;
    }
  }
  if (found === null) return null;
  forget(found);
  if (waiting.length > 2 * waitingCount + 32) compact(false);
  return found;
}

/**
 * The detail of a request's `requestQueue` operation, its phases in ms: `waiting` and
 * `download` left out when negative (unknown; `download` only after a `waiting`), `connect`
 * when 0, `transferSize` when unknown. Written as JSON text at once (numbers only, nothing to
 * escape): one is written for every recorded request, so no object is built for it.
 */
function phasesJson(queued: number, connect: number, waiting: number, download: number, transferSize: number | undefined): string {
  let detail = `{"queued":${jsonPrimitive(round(queued))}`;
  if (connect > 0) detail += `,"connect":${jsonPrimitive(round(connect))}`;
  if (waiting >= 0) {
    detail += `,"waiting":${jsonPrimitive(round(waiting))}`;
    if (download >= 0) detail += `,"download":${jsonPrimitive(round(download))}`;
  }
  if (transferSize !== undefined) detail += `,"transferSize":${jsonPrimitive(transferSize)}`;
  return `${detail}}`;
}

/** The phases of a request's resource entry (phasesJson), `sent` being its requestStart. */
function phasesDetail(entry: PerformanceEntry, start: number, sent: number): string {
  const t = resourceTiming;
  const fetchStart = t.fetchStart(entry) ?? start;
  const connectStart = t.connectStart(entry) ?? 0;
  const connectEnd = t.connectEnd(entry) ?? 0;
  const lookupStart = t.domainLookupStart(entry) ?? 0;
  const responseStart = t.responseStart(entry) ?? 0;
  const responseEnd = t.responseEnd(entry) ?? 0;
  // A new connection starts with a lookup or a connect after fetchStart; a reused one shows
  // neither, and all the time before the request went out was spent waiting for it.
  const opening = lookupStart > fetchStart ? lookupStart : connectStart > fetchStart ? connectStart : 0;
  const queuedUntil = opening > 0 ? opening : sent;
  const connect = opening > 0 && connectEnd > opening ? connectEnd - opening : 0;
  const responded = responseStart > 0;
  return phasesJson(
    mathMax(0, queuedUntil - start), connect,
    responded ? mathMax(0, responseStart - sent) : -1, responded && responseEnd > 0 ? mathMax(0, responseEnd - responseStart) : -1,
    t.transferSize(entry),
  );
}

function reportRequest(into: Sink, entry: PerformanceEntry, url: string, start: number): void {
  const request = takeRequest(url, start);
  if (request === null || !request.op.live) return;
  // No phases when the browser hides them (cross-origin without Timing-Allow-Origin): all 0.
  const sent = resourceTiming.requestStart(entry) ?? 0;
  if (!(sent > 0)) return;
  recordQueue(into, request, start, sent, phasesDetail(entry, start, sent));
}

function recordQueue(into: Sink, request: WaitingRequest, start: number, sent: number, detail: string): void {
  const recorder = into.recorder;
  const op = startOp(into, "requestQueue", "queued", null, { at: recorder.fromHostTime(start), task: 0, parent: request.op.id });
  op.endWithJson("ok", detail, recorder.fromHostTime(sent));
}

// ── Scripts ──────────────────────────────────────────────────────────────────────────────────

/** URL → how a `<script>` element seen loading it ended ("module"/"classic", and whether it failed). */
interface ScriptSeen {
  readonly module: boolean;
  failed: boolean;
}
const scriptsSeen = safeMap<string, ScriptSeen>();
const MAX_SCRIPTS_SEEN = 4096;

function isModuleType(type: string | undefined): boolean {
  return type === "module";
}

/**
 * A `<script>` element's load or error (they do not bubble, so ours listens in the capture
 * phase on the window): its URL is a classic script's or a module's, and failed or not.
 */
function onScriptEvent(event: Event): void {
  if (!observing) return;
  try {
    const target = eventTarget(event);
    if (!isScriptElement(target)) return;
    const src = scriptSrc(target);
    if (src === undefined || src === "") return;
    const seen = scriptsSeen.get(src);
    const failed = eventType(event) === "error";
    if (seen !== undefined) seen.failed = failed;
    else if (scriptsSeen.size < MAX_SCRIPTS_SEEN) scriptsSeen.set(src, { module: isModuleType(scriptType(target)), failed });
  } catch {
    // Never thrown into the page's event dispatch.
  }
}

/** How `url` was loaded: by a `<script>` element in the document or seen loading, classic or module; else by an import. */
function scriptOrigin(url: string): { module: boolean; element: boolean; failed: boolean } {
  const seen = scriptsSeen.get(url);
  if (seen !== undefined) return { module: seen.module, element: true, failed: seen.failed };
  const document = pageWindow?.document;
  const scripts = document === undefined ? undefined : documentScripts(document);
  const count = scripts === undefined ? 0 : collectionLength(scripts) ?? 0;
  for (let k = 0; k < count; k++) {
    const script = collectionAt<HTMLScriptElement>(scripts!, k);
    if (script !== null && scriptSrc(script) === url) return { module: isModuleType(scriptType(script)), element: true, failed: false };
  }
  return { module: true, element: false, failed: false };
}

/** What a script's resource entry, or the network log, tells of its load (host times in ms). */
interface ScriptLoad {
  readonly url: string;
  readonly start: number;
  /** Its last byte. */
  readonly end: number;
  readonly status: number | undefined;
  readonly transferSize: number | undefined;
  readonly bodySize: number | undefined;
  readonly decodedSize: number | undefined;
  readonly renderBlocking: boolean;
}

function scriptLoadOf(entry: PerformanceEntry, url: string, start: number): ScriptLoad {
  const t = resourceTiming;
  const status = t.responseStatus(entry);
  return {
    url, start, end: mathMax(start, t.responseEnd(entry) ?? start), status: status === 0 ? undefined : status,
    transferSize: t.transferSize(entry), bodySize: t.encodedBodySize(entry), decodedSize: t.decodedBodySize(entry),
    renderBlocking: t.renderBlockingStatus(entry) === "blocking",
  };
}

/**
 * Script loads no element could be found for while the document was still being parsed: the
 * browser's preload scanner fetches a page's scripts ahead of the parser, so an entry can
 * arrive before its `<script>` element exists. They are told apart once parsing is done.
 */
let deferred: ScriptLoad[] = [];

function reportDeferred(): void {
  const loads = deferred;
  deferred = [];
  const into = currentSink();
  if (into === null || !observing) return;
  for (let k = 0; k < loads.length; k++) {
    try {
      reportScript(into, loads[k]!, true);
    } catch {
      // Never thrown into the page's event dispatch.
    }
  }
}

/** URL → the starts of its loads recorded so far: the observer and the network log may both tell of one. */
const scriptsReported = safeMap<string, number[]>();

/** Whether a load of `url` starting at `start` was recorded already; if not, it is now. */
function reportedBefore(url: string, start: number): boolean {
  const starts = scriptsReported.get(url);
  if (starts === undefined) {
    if (scriptsReported.size < MAX_SCRIPTS_SEEN) scriptsReported.set(url, [start]);
    return false;
  }
  for (let k = 0; k < starts.length; k++) {
    const gap = starts[k]! > start ? starts[k]! - start : start - starts[k]!;
    if (gap <= MATCH_WINDOW_MS) return true;
  }
  append(starts, start);
  return false;
}

function reportScript(into: Sink, load: ScriptLoad, parsed = false): void {
  const recorder = into.recorder;
  const how = scriptOrigin(load.url);
  const document = pageWindow?.document;
  if (!how.element && !parsed && document !== undefined && documentReadyState(document) === "loading") {
    if (deferred.length === 0) listen(document, "DOMContentLoaded", reportDeferred, ONCE_PASSIVE);
    append(deferred, load);
    return;
  }
  let end = recorder.fromHostTime(load.end);
  // Before this recording began: not this recording's, unless it began with the document, whose
  // first scripts the browser may have fetched before our script ran (time 0 is then the
  // earliest we can show; `duration` keeps the real length).
  if (end <= 0 && !fromDocumentStart) return;
  if (end <= 0) end = 0;
  if (reportedBefore(load.url, load.start)) return;
  const { status, transferSize, decodedSize } = load;
  const failed = how.failed || (typeof status === "number" && status >= 400);
  const op = startOp(into, how.module ? "module" : "script", load.url, null, { at: recorder.fromHostTime(load.start), task: 0 });
  op.end(failed ? "error" : "ok", {
    status,
    transferSize,
    bodySize: load.bodySize,
    decodedSize,
    cached: transferSize === 0 && decodedSize !== undefined && decodedSize > 0 ? true : undefined,
    renderBlocking: load.renderBlocking ? true : undefined,
    loadedBy: how.element ? "element" : "import",
    duration: round(load.end - load.start),
  }, end);
}

// ── DevTools' network log ────────────────────────────────────────────────────────────────────

const FIELDS = NETWORK_TIMING_FIELDS.length;
const C = NETWORK_TIMING_COLUMN;

/** A size or status of the network log; -1 (unknown, or not the page's to know) is none. */
const known = (value: number): number | undefined => (value < 0 ? undefined : value);

/** Records what DevTools' network log told of requests and scripts (NetworkTimings, checked by the agent). */
function reportTimings(timings: unknown): void {
  const into = currentSink();
  if (into === null || !observing) return;
  const { urls, values } = timings as NetworkTimings;
  for (let k = 0; k < urls.length; k++) {
    const url = urls[k]!;
    const row = k * FIELDS;
    try {
      if (values[row + C.type] === 0) {
        reportLoggedRequest(into, url, values, row);
        continue;
      }
      const start = values[row + C.start]!;
      reportScript(into, {
        url, start, end: start + mathMax(0, values[row + C.duration]!), status: known(values[row + C.status]!),
        transferSize: known(values[row + C.transferSize]!), bodySize: known(values[row + C.bodySize]!), decodedSize: known(values[row + C.decodedSize]!),
        renderBlocking: false,
      });
    } catch {
      // Never thrown into the page.
    }
  }
}

/** A request's phases from the network log: `queued` its blocked time, `connect` its lookup and connect, `waiting` send and wait, `download` receive. */
function reportLoggedRequest(into: Sink, url: string, values: Float64Array, row: number): void {
  const blocked = values[row + C.blocked]!;
  if (blocked < 0) return; // no phases
  const request = takeRequest(url, values[row + C.start]!);
  if (request === null || !request.op.live) return;
  // The log dates a request to the ms, wall-clock; the call is dated exactly, and is no later.
  const start = mathMax(request.at, values[row + C.start]!);
  const connect = mathMax(0, values[row + C.dns]!) + mathMax(0, values[row + C.connect]!);
  const sent = start + blocked + connect;
  const wait = values[row + C.wait]!;
  const waiting = wait < 0 ? -1 : mathMax(0, values[row + C.send]!) + wait;
  recordQueue(into, request, start, sent, phasesJson(blocked, connect, waiting, values[row + C.receive]!, known(values[row + C.transferSize]!)));
}

// ── The observer ─────────────────────────────────────────────────────────────────────────────

let observing = false;
/** Observing began while the document was still loading (the start-up recording). */
let fromDocumentStart = false;

function report(entries: readonly PerformanceEntry[]): void {
  const into = currentSink();
  if (into === null) return;
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k]!;
    try {
      // The initiator first: a page's images, styles and fonts are skipped without reading
      // more (each getter makes a string or number of the entry's, ~2–7 µs in a delivery).
      const initiator = resourceTiming.initiatorType(entry);
      const request = initiator === "fetch" || initiator === "xmlhttprequest";
      if (!request && initiator !== "script") continue;
      const url = entryName(entry);
      const start = entryStartTime(entry);
      if (url === undefined || typeof start !== "number") continue;
      if (request) reportRequest(into, entry, url, start);
      else reportScript(into, scriptLoadOf(entry, url, start));
    } catch {
      // A malformed entry: skipped, never thrown into the page.
    }
  }
}

/** Entries are read in the backlog's pass (backlog.ts), with the fetches they belong to. */
const onEntries = (list: PerformanceObserverEntryList): void => defer(reportListed, list, null, 0);

function reportListed(list: unknown): void {
  report(entriesOf(list as PerformanceObserverEntryList));
}

function reportTaken(entries: unknown): void {
  report(entries as readonly PerformanceEntry[]);
}

/**
 * Records script loads and request phases into the current sink while started: from an
 * observer of `resource` entries, or from the network log's timings (`takeTimings`) once
 * `observeEntries(false)`.
 */
export class ResourceObserver {
  private observer: PerformanceObserver | null = null;

  /**
   * Starts recording; with `entries`, observing resource entries (those the browser buffered
   * before included: of this recording only), else waiting for the network log's timings.
   */
  start(entries: boolean): void {
    this.stop();
    observing = true;
    const document = pageWindow?.document;
    fromDocumentStart = document !== undefined && documentReadyState(document) === "loading";
    if (pageWindow !== undefined) {
      listen(pageWindow, "load", onScriptEvent, CAPTURE_PASSIVE);
      listen(pageWindow, "error", onScriptEvent, CAPTURE_PASSIVE);
    }
    this.observeEntries(entries);
  }

  /**
   * Observes resource entries, or (false) leaves them to the network log's timings; what is
   * waiting stays. Entries the observer holds undelivered are still recorded: requests that
   * finished before a panel took the recording on are in no log the panel passes on.
   */
  observeEntries(on: boolean): void {
    if (!observing || on === (this.observer !== null)) return;
    if (!on) {
      const observer = this.observer!;
      const undelivered = takeRecords(observer);
      disconnect(observer);
      this.observer = null;
      if (undelivered.length > 0) defer(reportTaken, undelivered, null, 0);
      return;
    }
    if (NativePerformanceObserver === undefined || indexOf(supportedEntryTypes, "resource") < 0) return;
    try {
      const observer = new NativePerformanceObserver(onEntries);
      observe(observer, OBSERVE);
      this.observer = observer;
    } catch (error) {
      apply(consoleWarn, console, [`aioscope: cannot observe resource entries: ${describe(error)}`]);
    }
  }

  /** What DevTools' network log told of requests that finished (recorded in the backlog's pass, with the fetches they belong to). */
  takeTimings(timings: NetworkTimings): void {
    if (observing) defer(reportTimings, timings, null, 0);
  }

  stop(): void {
    if (this.observer !== null) disconnect(this.observer);
    this.observer = null;
    if (observing && pageWindow !== undefined) {
      removeListener(pageWindow, "load", onScriptEvent, CAPTURE_PASSIVE);
      removeListener(pageWindow, "error", onScriptEvent, CAPTURE_PASSIVE);
    }
    observing = false;
    waiting = [];
    waitingByUrl.clear();
    waitingCount = 0;
    deferred = [];
    scriptsSeen.clear();
    scriptsReported.clear();
  }
}

const OBSERVE = { __proto__: null, type: "resource", buffered: true } as PerformanceObserverInit;
