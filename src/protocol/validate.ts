/**
 * Checks for everything that arrives from a page. The page is untrusted: its messages are
 * data, checked for shape and bounded in size before anything else looks at them. The trace
 * model's SessionBuilder then checks a batch's meaning; this layer keeps a hostile page from
 * sending something huge or strange through the extension at all.
 */
import { indexOf, isArray, numberIsFinite, numberIsInteger, stringSlice } from "../trace/primordials.ts";
import { BATCH_FORMAT, BATCH_VERSION, OPS_PER_EVENT, type TraceBatch } from "../trace/encoding.ts";
import { PROTOCOL_VERSION,
  type BridgeToPageMessage, type PageEvent, type PageHello, type PageStatus, type RecordingOptions,
} from "./messages.ts";

/** Events in one batch, at most: ~6 MB of columns. */
export const MAX_BATCH_EVENTS = 1 << 18;
/** New strings in one batch, at most. */
export const MAX_BATCH_STRINGS = 1 << 16;
/** Characters of new strings in one batch, at most (8 MB of UTF-16). */
export const MAX_BATCH_STRING_CHARS = 1 << 22;
/** One interned string, at most (stacks are the longest). */
export const MAX_STRING_CHARS = 1 << 14;
/** The flight recorder keeps at most this much time (10 minutes). */
export const MAX_FLIGHT_WINDOW_MS = 600_000;
const MAX_URL_CHARS = 8192;
const MAX_TEXT_CHARS = 1024;
const MAX_SESSION_CHARS = 64;
const MAX_RUNTIMES = 16;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = <T>(reason: string): Checked<T> => ({ ok: false, reason });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !isArray(value);
}

const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ownKeys = Reflect.ownKeys;
const getPrototypeOf = Object.getPrototypeOf;
const ObjectPrototype = Object.prototype;

/**
 * Why `value` is not a plain record of data properties named in `allowed`, or null when it
 * is. Nothing of it runs: no getter, no `toString`, no proxy trap survives a structured clone,
 * and this refuses them anyway when a message arrives some other way (the router's ports).
 */
function notPlainRecord(value: unknown, allowed: readonly string[]): string | null {
  if (!isRecord(value)) return "not an object";
  const proto: unknown = getPrototypeOf(value);
  if (proto !== ObjectPrototype && proto !== null) return "not a plain object";
  const keys = ownKeys(value);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (typeof key !== "string" || indexOf(allowed, key) < 0) return `unexpected property ${describe(key)}`;
    const descriptor = getOwnPropertyDescriptor(value, key)!;
    if (!("value" in descriptor)) return `property ${key} is an accessor`;
  }
  return null;
}

/** Any value as a short text for a refusal, without calling anything of it. */
function describe(value: unknown): string {
  if (typeof value === "string") return `"${value.length > 40 ? `${stringSlice(value, 0, 40)}…` : value}"`;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return `${value}`;
  if (typeof value === "symbol") return "a symbol";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * A typed array that is exactly its buffer: a short view on a huge buffer would carry the
 * whole buffer through every structured clone (and count as a few bytes).
 */
function wholeBuffer(view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.buffer instanceof ArrayBuffer && view.buffer.byteLength === view.byteLength;
}

const MESSAGE_KEYS = ["kind", "data"] as const;
const BATCH_EVENT_KEYS = ["session", "stream", "batch"] as const;
const HELLO_KEYS = ["protocol", "url", "title", "userAgent", "timeOrigin", "runtimes", "bundledRuntimes", "isTopFrame", "session", "flightRecorder"] as const;
const STATUS_KEYS = ["session", "recorded", "droppedEvents", "query", "pendingTasks", "nativeInFlight"] as const;
const BATCH_KEYS = [
  "format", "version", "seq", "recorderVersion", "timeOrigin", "clock", "count", "time", "kind", "ops", "stringBase", "strings", "droppedEvents",
] as const;

function isString(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length <= max;
}

function isCount(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === "number" && numberIsInteger(value) && value >= 0 && value <= max;
}

/** The count of a bridge's `forged` report (BridgeEvents), or null when `message` is not one. */
export function checkForgedReport(message: unknown): number | null {
  if (!isRecord(message) || message.kind !== "forged" || !isRecord(message.data)) return null;
  const count = message.data.count;
  return isCount(count) ? count : null;
}

/**
 * A page event as the bridge and the router accept it: known kind, plain data of the right
 * shape, bounded in bytes. Anything else is refused with a reason; nothing here throws.
 */
export function checkPageEvent(message: unknown): Checked<PageEvent> {
  try {
    return checkPageEventShape(message);
  } catch {
    return refuse("unreadable message");
  }
}

function checkPageEventShape(message: unknown): Checked<PageEvent> {
  const notMessage = notPlainRecord(message, MESSAGE_KEYS);
  if (notMessage !== null) return refuse(notMessage);
  const { kind, data } = message as Record<string, unknown>;
  const allowed = kind === "hello" ? HELLO_KEYS : kind === "batch" ? BATCH_EVENT_KEYS : kind === "status" ? STATUS_KEYS : null;
  if (allowed === null) return refuse(`unknown kind ${describe(kind)}`);
  const notData = notPlainRecord(data, allowed);
  if (notData !== null || !isRecord(data)) return refuse(`${kind}: data: ${notData ?? "not an object"}`);
  switch (kind) {
    case "hello": {
      const hello = checkHello(data);
      return hello.ok ? ok({ kind, data: hello.value }) : refuse(`hello: ${hello.reason}`);
    }
    case "batch": {
      if (!isString(data.session, MAX_SESSION_CHARS)) return refuse("batch: session is not a short string");
      if (!isCount(data.stream)) return refuse("batch: stream is not a count");
      const batch = checkBatch(data.batch);
      return batch.ok ? ok({ kind, data: { session: data.session, stream: data.stream, batch: batch.value } }) : refuse(`batch: ${batch.reason}`);
    }
    case "status": {
      const status = checkStatus(data);
      return status.ok ? ok({ kind, data: status.value }) : refuse(`status: ${status.reason}`);
    }
    default:
      return refuse(`unknown kind ${describe(kind)}`);
  }
}

function checkHello(data: Record<string, unknown>): Checked<PageHello> {
  if (data.protocol !== PROTOCOL_VERSION) return refuse(`protocol ${describe(data.protocol)} is not ${PROTOCOL_VERSION}`);
  if (!isString(data.url, MAX_URL_CHARS)) return refuse("url is not a string of at most 8192 characters");
  if (!isString(data.title, MAX_TEXT_CHARS)) return refuse("title is not a string of at most 1024 characters");
  if (!isString(data.userAgent, MAX_TEXT_CHARS)) return refuse("userAgent is not a string of at most 1024 characters");
  if (typeof data.timeOrigin !== "number" || !numberIsFinite(data.timeOrigin) || data.timeOrigin < 0) return refuse("timeOrigin is not a finite epoch time");
  const runtimes = checkRuntimes(data.runtimes);
  if (runtimes === null) return refuse("runtimes is not a short list of version strings");
  const bundled = data.bundledRuntimes;
  if (!isCount(bundled) || bundled > runtimes.length) return refuse("bundledRuntimes is not a count of at most the runtimes listed");
  if (typeof data.isTopFrame !== "boolean") return refuse("isTopFrame is not a boolean");
  if (data.session !== null && !isString(data.session, MAX_SESSION_CHARS)) return refuse("session is not null or a short string");
  if (data.flightRecorder !== undefined && typeof data.flightRecorder !== "boolean") return refuse("flightRecorder is not a boolean");
  return ok({
    protocol: PROTOCOL_VERSION, url: data.url, title: data.title, userAgent: data.userAgent,
    timeOrigin: data.timeOrigin, runtimes, bundledRuntimes: bundled, isTopFrame: data.isTopFrame,
    session: data.session as string | null, flightRecorder: data.flightRecorder === true,
  });
}

/** A fresh list of at most MAX_RUNTIMES short version strings, or null. */
function checkRuntimes(value: unknown): string[] | null {
  if (!isArray(value) || value.length > MAX_RUNTIMES) return null;
  const out: string[] = [];
  for (let k = 0; k < value.length; k++) {
    const v: unknown = value[k];
    if (!isString(v, 32)) return null;
    out[k] = v;
  }
  return out;
}

function checkStatus(data: Record<string, unknown>): Checked<PageStatus> {
  if (data.session !== null && !isString(data.session, MAX_SESSION_CHARS)) return refuse("session is not null or a short string");
  if (!isCount(data.recorded)) return refuse("recorded is not a count");
  if (!isCount(data.droppedEvents)) return refuse("droppedEvents is not a count");
  if (!isCount(data.query)) return refuse("query is not a count");
  if (!isCount(data.pendingTasks)) return refuse("pendingTasks is not a count");
  if (!isCount(data.nativeInFlight)) return refuse("nativeInFlight is not a count");
  return ok({
    session: data.session as string | null, recorded: data.recorded, droppedEvents: data.droppedEvents,
    query: data.query, pendingTasks: data.pendingTasks, nativeInFlight: data.nativeInFlight,
  });
}

/**
 * A batch's shape and size: the right typed arrays with matching lengths, bounded counts
 * and strings. Returns a fresh object holding only the known fields.
 */
export function checkBatch(value: unknown): Checked<TraceBatch> {
  const notBatch = notPlainRecord(value, BATCH_KEYS);
  if (notBatch !== null || !isRecord(value)) return refuse(notBatch ?? "not an object");
  if (value.format !== BATCH_FORMAT || value.version !== BATCH_VERSION) {
    return refuse(`format ${describe(value.format)} version ${describe(value.version)} is not ${BATCH_FORMAT} ${BATCH_VERSION}`);
  }
  const { seq, count, time, kind, ops, stringBase, strings, droppedEvents, timeOrigin, recorderVersion, clock } = value;
  if (!isCount(seq)) return refuse("seq is not a count");
  if (!isCount(count, MAX_BATCH_EVENTS)) return refuse(`count is not a count of at most ${MAX_BATCH_EVENTS}`);
  if (!(time instanceof Float64Array) || time.length !== count) return refuse("time is not a Float64Array of count numbers");
  if (!(kind instanceof Uint8Array) || kind.length !== count) return refuse("kind is not a Uint8Array of count numbers");
  if (!(ops instanceof Int32Array) || ops.length !== count * OPS_PER_EVENT) return refuse(`ops is not an Int32Array of count × ${OPS_PER_EVENT} numbers`);
  if (!wholeBuffer(time) || !wholeBuffer(kind) || !wholeBuffer(ops)) return refuse("a column is a view on a larger buffer");
  if (!isCount(stringBase) || stringBase < 1) return refuse("stringBase is not a positive count");
  if (!isArray(strings) || strings.length > MAX_BATCH_STRINGS) return refuse(`strings is not a list of at most ${MAX_BATCH_STRINGS}`);
  let chars = 0;
  for (let k = 0; k < strings.length; k++) {
    const s: unknown = strings[k];
    if (!isString(s, MAX_STRING_CHARS)) return refuse(`a string is not text of at most ${MAX_STRING_CHARS} characters`);
    chars += s.length;
  }
  if (chars > MAX_BATCH_STRING_CHARS) return refuse(`strings hold ${chars} characters, more than ${MAX_BATCH_STRING_CHARS}`);
  if (!isCount(droppedEvents)) return refuse("droppedEvents is not a count");
  if (typeof timeOrigin !== "number" || !numberIsFinite(timeOrigin)) return refuse("timeOrigin is not finite");
  if (!isString(recorderVersion, 32)) return refuse("recorderVersion is not a short string");
  if (clock !== "host" && clock !== "loop" && clock !== "custom") return refuse("clock is not host, loop or custom");
  return ok({
    format: BATCH_FORMAT, version: BATCH_VERSION, seq, recorderVersion, timeOrigin, clock, count,
    time, kind, ops, stringBase, strings: strings as string[], droppedEvents,
  });
}

function checkOptions(value: unknown): Checked<RecordingOptions> {
  if (!isRecord(value) || typeof value.creationSites !== "boolean") return refuse("options.creationSites is not a boolean");
  if (typeof value.native !== "boolean") return refuse("options.native is not a boolean");
  return ok({ creationSites: value.creationSites, native: value.native });
}

/** A message to the page hook: the hook checks it too, since a page can post anything to itself. */
export function checkBridgeMessage(message: unknown): Checked<BridgeToPageMessage> {
  if (!isRecord(message) || !isRecord(message.data)) return refuse("not a { kind, data } object");
  const { kind, data } = message;
  switch (kind) {
    case "ready":
      return data.protocol === PROTOCOL_VERSION ? ok({ kind, data: { protocol: PROTOCOL_VERSION } }) : refuse("ready: wrong protocol");
    case "start": {
      if (!isString(data.session, MAX_SESSION_CHARS) || data.session.length === 0) return refuse("start: session is not a short string");
      const options = checkOptions(data.options);
      if (!options.ok) return refuse(`start: ${options.reason}`);
      return ok({
        kind, data: { session: data.session, options: options.value, keepStartup: data.keepStartup === true, fromFlightRecorder: data.fromFlightRecorder === true },
      });
    }
    case "stop":
      return isString(data.session, MAX_SESSION_CHARS) ? ok({ kind, data: { session: data.session } }) : refuse("stop: session is not a short string");
    case "query":
      if (!isString(data.session, MAX_SESSION_CHARS) || !isCount(data.id)) return refuse("query: session is not a short string or id is not a count");
      return ok({ kind, data: { session: data.session, id: data.id } });
    case "performanceTracks":
      return typeof data.enabled === "boolean" ? ok({ kind, data: { enabled: data.enabled } }) : refuse("performanceTracks: enabled is not a boolean");
    case "flightRecorder":
      if (typeof data.enabled !== "boolean" || !isCount(data.windowMs, MAX_FLIGHT_WINDOW_MS) || data.windowMs === 0) {
        return refuse(`flightRecorder: enabled is not a boolean or windowMs is not a count of 1 … ${MAX_FLIGHT_WINDOW_MS} ms`);
      }
      return ok({ kind, data: { enabled: data.enabled, windowMs: data.windowMs } });
    default:
      return refuse(`unknown kind ${describe(kind)}`);
  }
}
