/**
 * Checks for everything that arrives from a page. The page is untrusted: its messages are
 * data, checked for shape and bounded in size before anything else looks at them. The trace
 * model's SessionBuilder then checks a batch's meaning; this layer keeps a hostile page from
 * sending something huge or strange through the extension at all.
 */
import { BATCH_FORMAT, BATCH_VERSION, OPS_PER_EVENT, type TraceBatch } from "../trace/encoding.ts";
import type {
  BRIDGE_TAG, PAGE_TAG} from "./messages.ts";
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
const MAX_URL_CHARS = 8192;
const MAX_TEXT_CHARS = 1024;
const MAX_SESSION_CHARS = 64;
const MAX_RUNTIMES = 16;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = <T>(reason: string): Checked<T> => ({ ok: false, reason });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isString(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length <= max;
}

function isCount(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
}

/** The message inside a window-message envelope with `tag`, or null for anything else. */
export function openEnvelope(data: unknown, tag: typeof PAGE_TAG | typeof BRIDGE_TAG): unknown {
  if (!isRecord(data) || data.tag !== tag || !isRecord(data.message)) return null;
  return data.message;
}

/** A page event as the bridge accepts it: known kind, right shape, bounded size. */
export function checkPageEvent(message: unknown): Checked<PageEvent> {
  if (!isRecord(message)) return refuse("not an object");
  const { kind, data } = message;
  if (!isRecord(data)) return refuse(`${String(kind)}: data is not an object`);
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
      return refuse(`unknown kind ${JSON.stringify(String(kind)).slice(0, 40)}`);
  }
}

function checkHello(data: Record<string, unknown>): Checked<PageHello> {
  if (data.protocol !== PROTOCOL_VERSION) return refuse(`protocol ${String(data.protocol)} is not ${PROTOCOL_VERSION}`);
  if (!isString(data.url, MAX_URL_CHARS)) return refuse("url is not a string of at most 8192 characters");
  if (!isString(data.title, MAX_TEXT_CHARS)) return refuse("title is not a string of at most 1024 characters");
  if (!isString(data.userAgent, MAX_TEXT_CHARS)) return refuse("userAgent is not a string of at most 1024 characters");
  if (typeof data.timeOrigin !== "number" || !Number.isFinite(data.timeOrigin) || data.timeOrigin < 0) return refuse("timeOrigin is not a finite epoch time");
  if (!Array.isArray(data.runtimes) || data.runtimes.length > MAX_RUNTIMES || !data.runtimes.every((v) => isString(v, 32))) {
    return refuse("runtimes is not a short list of version strings");
  }
  if (typeof data.isTopFrame !== "boolean") return refuse("isTopFrame is not a boolean");
  if (data.session !== null && !isString(data.session, MAX_SESSION_CHARS)) return refuse("session is not null or a short string");
  return ok({
    protocol: PROTOCOL_VERSION, url: data.url, title: data.title, userAgent: data.userAgent,
    timeOrigin: data.timeOrigin, runtimes: [...(data.runtimes as string[])], isTopFrame: data.isTopFrame,
    session: data.session as string | null,
  });
}

function checkStatus(data: Record<string, unknown>): Checked<PageStatus> {
  if (data.session !== null && !isString(data.session, MAX_SESSION_CHARS)) return refuse("session is not null or a short string");
  if (!isCount(data.recorded)) return refuse("recorded is not a count");
  if (!isCount(data.droppedEvents)) return refuse("droppedEvents is not a count");
  return ok({ session: data.session as string | null, recorded: data.recorded, droppedEvents: data.droppedEvents });
}

/**
 * A batch's shape and size: the right typed arrays with matching lengths, bounded counts
 * and strings. Returns a fresh object holding only the known fields.
 */
export function checkBatch(value: unknown): Checked<TraceBatch> {
  if (!isRecord(value)) return refuse("not an object");
  if (value.format !== BATCH_FORMAT || value.version !== BATCH_VERSION) {
    return refuse(`format ${JSON.stringify(String(value.format)).slice(0, 40)} version ${String(value.version)} is not ${BATCH_FORMAT} ${BATCH_VERSION}`);
  }
  const { seq, count, time, kind, ops, stringBase, strings, droppedEvents, timeOrigin, recorderVersion, clock } = value;
  if (!isCount(seq)) return refuse("seq is not a count");
  if (!isCount(count, MAX_BATCH_EVENTS)) return refuse(`count is not a count of at most ${MAX_BATCH_EVENTS}`);
  if (!(time instanceof Float64Array) || time.length !== count) return refuse("time is not a Float64Array of count numbers");
  if (!(kind instanceof Uint8Array) || kind.length !== count) return refuse("kind is not a Uint8Array of count numbers");
  if (!(ops instanceof Int32Array) || ops.length !== count * OPS_PER_EVENT) return refuse(`ops is not an Int32Array of count × ${OPS_PER_EVENT} numbers`);
  if (!isCount(stringBase) || stringBase < 1) return refuse("stringBase is not a positive count");
  if (!Array.isArray(strings) || strings.length > MAX_BATCH_STRINGS) return refuse(`strings is not a list of at most ${MAX_BATCH_STRINGS}`);
  let chars = 0;
  for (const s of strings as unknown[]) {
    if (!isString(s, MAX_STRING_CHARS)) return refuse(`a string is not text of at most ${MAX_STRING_CHARS} characters`);
    chars += s.length;
  }
  if (chars > MAX_BATCH_STRING_CHARS) return refuse(`strings hold ${chars} characters, more than ${MAX_BATCH_STRING_CHARS}`);
  if (!isCount(droppedEvents)) return refuse("droppedEvents is not a count");
  if (typeof timeOrigin !== "number" || !Number.isFinite(timeOrigin)) return refuse("timeOrigin is not finite");
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
      return ok({ kind, data: { session: data.session, options: options.value, keepStartup: data.keepStartup === true } });
    }
    case "stop":
      return isString(data.session, MAX_SESSION_CHARS) ? ok({ kind, data: { session: data.session } }) : refuse("stop: session is not a short string");
    case "performanceTracks":
      return typeof data.enabled === "boolean" ? ok({ kind, data: { enabled: data.enabled } }) : refuse("performanceTracks: enabled is not a boolean");
    default:
      return refuse(`unknown kind ${JSON.stringify(String(kind)).slice(0, 40)}`);
  }
}
