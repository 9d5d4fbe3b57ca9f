/**
 * Checks for everything that arrives from a page. The page is untrusted: its messages are
 * data, checked for shape and bounded in size before anything else looks at them. A batch is
 * checked by the trace's one batch checker (src/trace/batch-check.ts), with the page's bounds;
 * the SessionBuilder runs the same checker and adds what only it knows (sequence, string ids).
 */
import { float64ArrayLength, isArray, numberIsFinite, numberIsInteger, ownOption, stringSlice } from "../trace/primordials.ts";
import type { TraceBatch } from "../trace/encoding.ts";
import { PAGE_BATCH_BOUNDS, checkBatch as checkTraceBatch, notPlainRecord, shortDescription } from "../trace/batch-check.ts";
import { PROTOCOL_VERSION,
  NETWORK_TIMING_FIELDS, type BridgeToPageMessage, type NetworkTimings, type PageEvent, type PageHello, type PageSnapshot, type PageStatus, type RecordingOptions,
} from "./messages.ts";
import type { FrameSnapshot, SnapshotAwait, SnapshotRuntime, SnapshotTask } from "../trace/analysis/snapshot.ts";
import type { CreationSite } from "../trace/model.ts";

export { MAX_BATCH_EVENTS, MAX_BATCH_STRINGS, MAX_BATCH_STRING_CHARS, MAX_STRING_CHARS } from "../trace/batch-check.ts";
/** The flight recorder keeps at most this much time (10 minutes). */
export const MAX_FLIGHT_WINDOW_MS = 600_000;
/** A URL from a page, or to one, at most. */
export const MAX_URL_CHARS = 8192;
const MAX_TEXT_CHARS = 1024;
const MAX_SESSION_CHARS = 64;
const MAX_RUNTIMES = 16;
/** Names in a hello's `notRecorded`: more than every function the instrumentation wraps. */
const MAX_NOT_RECORDED = 64;
const MAX_NAME_CHARS = 64;
/** Requests in one `networkTimings` command, at most (the panel sends them a few times a second). */
export const MAX_NETWORK_TIMINGS = 1024;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = <T>(reason: string): Checked<T> => ({ ok: false, reason });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !isArray(value);
}

const MESSAGE_KEYS = ["kind", "data"] as const;
const BATCH_EVENT_KEYS = ["session", "stream", "batch"] as const;
const HELLO_KEYS = ["protocol", "url", "title", "userAgent", "timeOrigin", "runtimes", "bundledRuntimes", "notRecorded", "isTopFrame", "session", "flightRecorder"] as const;
const STATUS_KEYS = ["session", "recorded", "droppedEvents", "query", "pendingTasks", "nativeInFlight"] as const;
const SNAPSHOT_EVENT_KEYS = ["id", "snapshot"] as const;
const CANCEL_RESULT_KEYS = ["task", "cancelled"] as const;
const SNAPSHOT_KEYS = ["takenAt", "runtimes", "tasks", "omitted"] as const;
const SNAPSHOT_RUNTIME_KEYS = ["version", "bundled", "answered"] as const;
const SNAPSHOT_TASK_KEYS = ["id", "name", "parent", "kind", "state", "awaiting", "since", "cancelling", "site", "runtime"] as const;
const SNAPSHOT_AWAIT_KEYS = ["kind", "label", "resource", "tasks", "holder"] as const;
const SITE_KEYS = ["file", "line", "column", "function"] as const;

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
  const allowed = kind === "hello" ? HELLO_KEYS : kind === "batch" ? BATCH_EVENT_KEYS : kind === "status" ? STATUS_KEYS
    : kind === "snapshot" ? SNAPSHOT_EVENT_KEYS : kind === "cancelResult" ? CANCEL_RESULT_KEYS : null;
  if (allowed === null) return refuse(`unknown kind ${shortDescription(kind)}`);
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
    case "snapshot": {
      const answer = checkSnapshotEvent(data);
      return answer.ok ? ok({ kind, data: answer.value }) : refuse(`snapshot: ${answer.reason}`);
    }
    case "cancelResult":
      if (!isCount(data.task) || typeof data.cancelled !== "boolean") return refuse("cancelResult: task is not a count or cancelled not a boolean");
      return ok({ kind, data: { task: data.task, cancelled: data.cancelled } });
    default:
      return refuse(`unknown kind ${shortDescription(kind)}`);
  }
}

function checkHello(data: Record<string, unknown>): Checked<PageHello> {
  if (data.protocol !== PROTOCOL_VERSION) return refuse(`protocol ${shortDescription(data.protocol)} is not ${PROTOCOL_VERSION}`);
  if (!isString(data.url, MAX_URL_CHARS)) return refuse("url is not a string of at most 8192 characters");
  if (!isString(data.title, MAX_TEXT_CHARS)) return refuse("title is not a string of at most 1024 characters");
  if (!isString(data.userAgent, MAX_TEXT_CHARS)) return refuse("userAgent is not a string of at most 1024 characters");
  if (typeof data.timeOrigin !== "number" || !numberIsFinite(data.timeOrigin) || data.timeOrigin < 0) return refuse("timeOrigin is not a finite epoch time");
  const runtimes = checkRuntimes(data.runtimes);
  if (runtimes === null) return refuse("runtimes is not a short list of version strings");
  const bundled = data.bundledRuntimes;
  if (!isCount(bundled) || bundled > runtimes.length) return refuse("bundledRuntimes is not a count of at most the runtimes listed");
  const notRecorded = checkNames(data.notRecorded);
  if (notRecorded === null) return refuse(`notRecorded is not a list of at most ${MAX_NOT_RECORDED} names of at most ${MAX_NAME_CHARS} characters`);
  if (typeof data.isTopFrame !== "boolean") return refuse("isTopFrame is not a boolean");
  if (data.session !== null && !isString(data.session, MAX_SESSION_CHARS)) return refuse("session is not null or a short string");
  if (data.flightRecorder !== undefined && typeof data.flightRecorder !== "boolean") return refuse("flightRecorder is not a boolean");
  return ok({
    protocol: PROTOCOL_VERSION, url: data.url, title: data.title, userAgent: data.userAgent,
    timeOrigin: data.timeOrigin, runtimes, bundledRuntimes: bundled, notRecorded, isTopFrame: data.isTopFrame,
    session: data.session as string | null, flightRecorder: data.flightRecorder === true,
  });
}

/** A fresh list of at most MAX_RUNTIMES short version strings, or null. */
function checkRuntimes(value: unknown): string[] | null {
  return shortStrings(value, MAX_RUNTIMES, 0, 32);
}

/** A fresh list of at most MAX_NOT_RECORDED function names (`Promise.prototype.then`), or null. */
function checkNames(value: unknown): string[] | null {
  return shortStrings(value, MAX_NOT_RECORDED, 1, MAX_NAME_CHARS);
}

/** A fresh list of at most `maxItems` strings of `minChars` to `maxChars` characters each, or null. */
function shortStrings(value: unknown, maxItems: number, minChars: number, maxChars: number): string[] | null {
  if (!isArray(value) || value.length > maxItems) return null;
  const out: string[] = [];
  for (let k = 0; k < value.length; k++) {
    const v: unknown = value[k];
    if (!isString(v, maxChars) || v.length < minChars) return null;
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
  if (!isRecord(value)) return refuse("options.creationSites is not a boolean");
  const creationSites = ownOption(value, "creationSites");
  const native = ownOption(value, "native");
  if (typeof creationSites !== "boolean") return refuse("options.creationSites is not a boolean");
  if (typeof native !== "boolean") return refuse("options.native is not a boolean");
  return ok({ creationSites, native, networkLog: ownOption(value, "networkLog") === true });
}

const NETWORK_TIMINGS_KEYS = ["urls", "values"] as const;
const TIMING_FIELDS = NETWORK_TIMING_FIELDS.length;

/**
 * Network timings for the page (NetworkTimings): URLs of at most MAX_URL_CHARS, and for each
 * the fields' finite numbers. A fresh object; the values are the message's own copy.
 */
function checkNetworkTimings(value: unknown): Checked<NetworkTimings> {
  const notTimings = notPlainRecord(value, NETWORK_TIMINGS_KEYS);
  if (notTimings !== null || !isRecord(value)) return refuse(notTimings ?? "not an object");
  const urls = shortStrings(ownOption(value, "urls"), MAX_NETWORK_TIMINGS, 1, MAX_URL_CHARS);
  if (urls === null) return refuse(`urls is not a list of at most ${MAX_NETWORK_TIMINGS} URLs`);
  const values = ownOption(value, "values") as Float64Array;
  const count = float64ArrayLength(values);
  if (count !== urls.length * TIMING_FIELDS) return refuse(`values is not a Float64Array of ${TIMING_FIELDS} numbers a URL`);
  for (let k = 0; k < count; k++) if (!numberIsFinite(values[k]!)) return refuse(`values[${k}] is not a finite number`);
  return ok({ urls, values });
}

/**
 * A message to the page hook: the hook checks it too, since a page can post anything to itself.
 * It arrives as a structured clone made in the page's realm, whose objects inherit from the
 * page's Object.prototype: every field is read as an own property (ownOption), so a member the
 * message leaves out (an optional one) never reaches a value or getter the page put there.
 */
export function checkBridgeMessage(message: unknown): Checked<BridgeToPageMessage> {
  const data = isRecord(message) ? ownOption(message, "data") : undefined;
  if (!isRecord(message) || !isRecord(data)) return refuse("not a { kind, data } object");
  const kind = ownOption(message, "kind");
  const field = (name: string): unknown => ownOption(data, name);
  switch (kind) {
    case "ready":
      return field("protocol") === PROTOCOL_VERSION ? ok({ kind, data: { protocol: PROTOCOL_VERSION } }) : refuse("ready: wrong protocol");
    case "start": {
      const session = field("session");
      if (!isString(session, MAX_SESSION_CHARS) || session.length === 0) return refuse("start: session is not a short string");
      const options = checkOptions(field("options"));
      if (!options.ok) return refuse(`start: ${options.reason}`);
      return ok({
        kind, data: { session, options: options.value, keepStartup: field("keepStartup") === true, fromFlightRecorder: field("fromFlightRecorder") === true },
      });
    }
    case "stop": {
      const session = field("session");
      return isString(session, MAX_SESSION_CHARS) ? ok({ kind, data: { session } }) : refuse("stop: session is not a short string");
    }
    case "query": {
      const session = field("session");
      const id = field("id");
      if (!isString(session, MAX_SESSION_CHARS) || !isCount(id)) return refuse("query: session is not a short string or id is not a count");
      return ok({ kind, data: { session, id } });
    }
    case "performanceTracks": {
      const enabled = field("enabled");
      return typeof enabled === "boolean" ? ok({ kind, data: { enabled } }) : refuse("performanceTracks: enabled is not a boolean");
    }
    case "snapshot": {
      const id = field("id");
      return isCount(id) ? ok({ kind, data: { id } }) : refuse("snapshot: id is not a count");
    }
    case "cancelTask": {
      const task = field("task");
      return isCount(task) && task > 0 ? ok({ kind, data: { task } }) : refuse("cancelTask: task is not a task id");
    }
    case "flightRecorder": {
      const enabled = field("enabled");
      const windowMs = field("windowMs");
      if (typeof enabled !== "boolean" || !isCount(windowMs, MAX_FLIGHT_WINDOW_MS) || windowMs === 0) {
        return refuse(`flightRecorder: enabled is not a boolean or windowMs is not a count of 1 … ${MAX_FLIGHT_WINDOW_MS} ms`);
      }
      return ok({ kind, data: { enabled, windowMs } });
    }
    case "networkTimings": {
      const session = field("session");
      if (!isString(session, MAX_SESSION_CHARS)) return refuse("networkTimings: session is not a short string");
      const timings = checkNetworkTimings(field("timings"));
      return timings.ok ? ok({ kind, data: { session, timings: timings.value } }) : refuse(`networkTimings: ${timings.reason}`);
    }
    default:
      return refuse(`unknown kind ${shortDescription(kind)}`);
  }
}

/** Live tasks in one frame's snapshot, at most: the page leaves the rest out and counts them. */
export const MAX_SNAPSHOT_TASKS = 2000;
/** Tasks one await names (a gather's children), at most. */
export const MAX_SNAPSHOT_AWAITED = 32;
/** A task's name or an await's label, at most. */
export const MAX_SNAPSHOT_TEXT = 200;
/** A creation site's file, at most. */
export const MAX_SNAPSHOT_FILE = 1024;

function isTime(value: unknown): value is number {
  return typeof value === "number" && numberIsFinite(value);
}

function isIdOrNull(value: unknown): value is number | null {
  return value === null || (isCount(value) && value > 0);
}

/**
 * A page's snapshot answer, bounded: at most MAX_SNAPSHOT_TASKS tasks of short texts and
 * short lists, plain data only. Returns fresh objects holding only the known fields.
 */
function checkSnapshotEvent(data: Record<string, unknown>): Checked<PageSnapshot> {
  if (!isCount(data.id)) return refuse("id is not a count");
  const snapshot = checkFrameSnapshot(data.snapshot);
  return snapshot.ok ? ok({ id: data.id, snapshot: snapshot.value }) : snapshot;
}

export function checkFrameSnapshot(value: unknown): Checked<FrameSnapshot> {
  const notSnapshot = notPlainRecord(value, SNAPSHOT_KEYS);
  if (notSnapshot !== null || !isRecord(value)) return refuse(notSnapshot ?? "not an object");
  const { takenAt, runtimes, tasks, omitted } = value;
  if (!isTime(takenAt)) return refuse("takenAt is not a finite time");
  if (!isCount(omitted)) return refuse("omitted is not a count");
  if (!isArray(runtimes) || runtimes.length > MAX_RUNTIMES) return refuse(`runtimes is not a list of at most ${MAX_RUNTIMES}`);
  const runtimesOut: SnapshotRuntime[] = [];
  for (let k = 0; k < runtimes.length; k++) {
    const r: unknown = runtimes[k];
    const notRuntime = notPlainRecord(r, SNAPSHOT_RUNTIME_KEYS);
    if (notRuntime !== null || !isRecord(r)) return refuse(`runtimes[${k}]: ${notRuntime ?? "not an object"}`);
    if (!isString(r.version, 32) || typeof r.bundled !== "boolean" || typeof r.answered !== "boolean") return refuse(`runtimes[${k}] is not a version with bundled and answered flags`);
    runtimesOut[k] = { version: r.version, bundled: r.bundled, answered: r.answered };
  }
  if (!isArray(tasks) || tasks.length > MAX_SNAPSHOT_TASKS) return refuse(`tasks is not a list of at most ${MAX_SNAPSHOT_TASKS}`);
  const tasksOut: SnapshotTask[] = [];
  for (let k = 0; k < tasks.length; k++) {
    const task = checkSnapshotTask(tasks[k], runtimesOut.length);
    if (!task.ok) return refuse(`tasks[${k}]: ${task.reason}`);
    tasksOut[k] = task.value;
  }
  return ok({ takenAt, runtimes: runtimesOut, tasks: tasksOut, omitted });
}

function checkSnapshotTask(value: unknown, runtimes: number): Checked<SnapshotTask> {
  const notTask = notPlainRecord(value, SNAPSHOT_TASK_KEYS);
  if (notTask !== null || !isRecord(value)) return refuse(notTask ?? "not an object");
  const { id, name, parent, kind, state, awaiting, since, cancelling, site, runtime } = value;
  if (!isCount(id) || id < 1) return refuse("id is not a task id");
  if (!isString(name, MAX_SNAPSHOT_TEXT)) return refuse(`name is not text of at most ${MAX_SNAPSHOT_TEXT} characters`);
  if (!isIdOrNull(parent)) return refuse("parent is not a task id or null");
  if (kind !== "coroutine" && kind !== "async") return refuse("kind is not coroutine or async");
  if (state !== "running" && state !== "ready" && state !== "waiting") return refuse("state is not running, ready or waiting");
  if (since !== null && !isTime(since)) return refuse("since is not a finite time or null");
  if (typeof cancelling !== "boolean") return refuse("cancelling is not a boolean");
  if (!isCount(runtime) || runtime >= runtimes) return refuse("runtime is not the index of a listed runtime");
  let awaitOut: SnapshotAwait | null = null;
  if (awaiting !== null) {
    const checked = checkSnapshotAwait(awaiting);
    if (!checked.ok) return refuse(`awaiting: ${checked.reason}`);
    awaitOut = checked.value;
  }
  let siteOut: CreationSite | null = null;
  if (site !== null) {
    const notSite = notPlainRecord(site, SITE_KEYS);
    if (notSite !== null || !isRecord(site)) return refuse(`site: ${notSite ?? "not an object"}`);
    if (!isString(site.file, MAX_SNAPSHOT_FILE) || !isCount(site.line) || !isCount(site.column)) return refuse("site is not a file, line and column");
    if (site.function !== null && !isString(site.function, MAX_SNAPSHOT_TEXT)) return refuse("site.function is not short text or null");
    siteOut = { file: site.file, line: site.line, column: site.column, function: site.function as string | null };
  }
  return ok({ id, name, parent, kind, state, awaiting: awaitOut, since: since as number | null, cancelling, site: siteOut, runtime });
}

function checkSnapshotAwait(value: unknown): Checked<SnapshotAwait> {
  const notAwait = notPlainRecord(value, SNAPSHOT_AWAIT_KEYS);
  if (notAwait !== null || !isRecord(value)) return refuse(notAwait ?? "not an object");
  const { kind, label, resource, tasks, holder } = value;
  if (!isString(kind, 32)) return refuse("kind is not a short string");
  if (!isString(label, MAX_SNAPSHOT_TEXT)) return refuse(`label is not text of at most ${MAX_SNAPSHOT_TEXT} characters`);
  if (!isIdOrNull(resource)) return refuse("resource is not an id or null");
  if (!isIdOrNull(holder)) return refuse("holder is not a task id or null");
  if (!isArray(tasks) || tasks.length > MAX_SNAPSHOT_AWAITED) return refuse(`tasks is not a list of at most ${MAX_SNAPSHOT_AWAITED}`);
  const tasksOut: number[] = [];
  for (let k = 0; k < tasks.length; k++) {
    const t: unknown = tasks[k];
    if (!isCount(t) || t < 1) return refuse("tasks holds something other than task ids");
    tasksOut[k] = t;
  }
  return ok({ kind, label, resource, tasks: tasksOut, holder });
}
