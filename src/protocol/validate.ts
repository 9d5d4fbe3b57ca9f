/**
 * Checks for everything that arrives from a page. The page is untrusted: its messages are
 * data, checked for shape and bounded in size before anything else looks at them. A batch is
 * checked by the trace's one batch checker (src/trace/batch-check.ts), with the page's bounds;
 * the SessionBuilder runs the same checker and adds what only it knows (sequence, string ids).
 */
import { indexOf, isArray, numberIsFinite, numberIsInteger, stringSlice } from "../trace/primordials.ts";
import type { TraceBatch } from "../trace/encoding.ts";
import { PAGE_BATCH_BOUNDS, checkBatch as checkTraceBatch } from "../trace/batch-check.ts";
import { PROTOCOL_VERSION,
  type BridgeToPageMessage, type PageEvent, type PageHello, type PageStatus, type RecordingOptions,
} from "./messages.ts";

export { MAX_BATCH_EVENTS, MAX_BATCH_STRINGS, MAX_BATCH_STRING_CHARS, MAX_STRING_CHARS } from "../trace/batch-check.ts";
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

const MESSAGE_KEYS = ["kind", "data"] as const;
const BATCH_EVENT_KEYS = ["session", "stream", "batch"] as const;
const HELLO_KEYS = ["protocol", "url", "title", "userAgent", "timeOrigin", "runtimes", "bundledRuntimes", "isTopFrame", "session", "flightRecorder"] as const;
const STATUS_KEYS = ["session", "recorded", "droppedEvents", "query", "pendingTasks", "nativeInFlight"] as const;

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
 * A page's batch: the trace's one batch check (src/trace/batch-check.ts), bounded as the
 * extension bounds everything from a page. Returns a fresh object holding only the known fields.
 */
export function checkBatch(value: unknown): Checked<TraceBatch> {
  const checked = checkTraceBatch(value, PAGE_BATCH_BOUNDS);
  if (checked.ok) return ok(checked.batch);
  const { path, message } = checked.error;
  return refuse(path === "$.batch" ? message : `${stringSlice(path, 8)}: ${message}`);
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
