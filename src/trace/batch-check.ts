/**
 * The one check of a recorder batch, for every layer that receives one: the bridge and the
 * router (a page's message: untrusted, so bounded in bytes) and the session builder (whatever
 * is appended: a page's batch, or the Node recorder's own). It looks at the batch alone — its
 * shape, format and version, sizes, columns and every event's operands (string ids within
 * the batch's string table, known kinds and outcomes, ids in range). What depends on the
 * batches before it — the sequence number, the string table's next id, the time origin — is
 * the SessionBuilder's, the one owner of a source's sequence.
 *
 * The value may be hostile (a page made it): nothing of it runs — no getter, no `toString`,
 * no proxy trap — and nothing here throws. It is page-side code too (the protocol checks are
 * bundled into the page's realm), so it calls only captured built-ins (primordials.ts).
 */
import {
  BATCH_FORMAT, BATCH_VERSION, EV_CANCEL, EV_ERROR, EV_EXIT, EV_MARK, EV_MAX, EV_NATIVE_END, EV_NATIVE_PARENT,
  EV_NATIVE_START, EV_NATIVE_TICK, EV_RESOURCE, EV_RESOURCE_OP, EV_RETRIEVED, EV_SCHEDULED, EV_SITE,
  EV_SITE_FUNCTION, EV_SPAWN, EV_STEP_BEGIN, EV_STEP_END, EV_TIMEOUT_ARMED, EV_TIMEOUT_DISARMED, EV_TIMEOUT_EXPIRED,
  OPS_PER_EVENT, type TraceBatch,
} from "./encoding.ts";
import { CLOCK_KINDS, MARKER_KINDS, NATIVE_KINDS, NATIVE_OUTCOMES, type TraceError } from "./model.ts";
import { getPrototypeOf, indexOf, isArray, numberIsFinite, numberIsSafeInteger, ownDescriptor, stringSlice } from "./primordials.ts";

/** How large a batch may be. A page's batches are bounded; a trusted recorder's need not be. */
export interface BatchBounds {
  /** Events in one batch. */
  readonly maxEvents: number;
  /** New strings in one batch. */
  readonly maxStrings: number;
  /** Characters of one string. */
  readonly maxStringChars: number;
  /** Characters of all the batch's new strings together. */
  readonly maxBatchStringChars: number;
}

/** Events in one batch from a page, at most: ~6 MB of columns. */
export const MAX_BATCH_EVENTS = 1 << 18;
/** New strings in one batch from a page, at most. */
export const MAX_BATCH_STRINGS = 1 << 16;
/** Characters of new strings in one batch from a page, at most (8 MB of UTF-16). */
export const MAX_BATCH_STRING_CHARS = 1 << 22;
/** One interned string from a page, at most (stacks are the longest). */
export const MAX_STRING_CHARS = 1 << 14;

/** What the extension accepts from a page: every layer between the page and the panel checks these. */
export const PAGE_BATCH_BOUNDS: BatchBounds = {
  maxEvents: MAX_BATCH_EVENTS, maxStrings: MAX_BATCH_STRINGS, maxStringChars: MAX_STRING_CHARS, maxBatchStringChars: MAX_BATCH_STRING_CHARS,
};

/**
 * No bound beyond the array lengths themselves: for batches that never crossed the page
 * boundary (the Node recorder's, a test's) or that crossed it already checked with
 * PAGE_BATCH_BOUNDS (the panel's, behind the router).
 */
export const UNBOUNDED_BATCH: BatchBounds = {
  maxEvents: Number.MAX_SAFE_INTEGER, maxStrings: Number.MAX_SAFE_INTEGER,
  maxStringChars: Number.MAX_SAFE_INTEGER, maxBatchStringChars: Number.MAX_SAFE_INTEGER,
};

/** A recorder version string, at most. */
const MAX_VERSION_CHARS = 32;

export type BatchCheck = { readonly ok: true; readonly batch: TraceBatch } | { readonly ok: false; readonly error: TraceError };

const BATCH_KEYS = [
  "format", "version", "seq", "recorderVersion", "timeOrigin", "clock", "count", "time", "kind", "ops", "stringBase", "strings", "droppedEvents",
] as const;

/** Which operands (bit 0 = a … bit 3 = d) of each event kind are string ids. */
const STRING_OPERANDS = new Uint8Array(EV_MAX + 1);
STRING_OPERANDS[EV_SPAWN] = 0b0100;
STRING_OPERANDS[EV_SITE] = 0b0010;
STRING_OPERANDS[EV_SITE_FUNCTION] = 0b0010;
STRING_OPERANDS[EV_STEP_END] = 0b0110;
STRING_OPERANDS[EV_EXIT] = 0b0100;
STRING_OPERANDS[EV_ERROR] = 0b1110;
STRING_OPERANDS[EV_CANCEL] = 0b1100;
STRING_OPERANDS[EV_RESOURCE] = 0b0110;
STRING_OPERANDS[EV_RESOURCE_OP] = 0b0010;
STRING_OPERANDS[EV_NATIVE_START] = 0b0100;
STRING_OPERANDS[EV_NATIVE_PARENT] = 0b1000;
STRING_OPERANDS[EV_NATIVE_END] = 0b0100;
STRING_OPERANDS[EV_MARK] = 0b0110;

/** Event kinds whose operand a is a task id (> 0). */
const TASK_EVENTS = new Uint8Array(EV_MAX + 1);
for (const k of [EV_SPAWN, EV_SITE, EV_SITE_FUNCTION, EV_SCHEDULED, EV_STEP_BEGIN, EV_STEP_END, EV_EXIT, EV_ERROR, EV_CANCEL,
  EV_TIMEOUT_ARMED, EV_TIMEOUT_EXPIRED, EV_TIMEOUT_DISARMED, EV_RETRIEVED]) TASK_EVENTS[k] = 1;

/** Event kinds whose operand a is a resource or native operation id (> 0). */
const OBJECT_EVENTS = new Uint8Array(EV_MAX + 1);
for (const k of [EV_RESOURCE, EV_RESOURCE_OP, EV_NATIVE_START, EV_NATIVE_END, EV_NATIVE_TICK, EV_NATIVE_PARENT]) OBJECT_EVENTS[k] = 1;

// A float operand (a deadline) is two int operands read through a Float64 view.
const scratchFloat = new Float64Array(1);
const scratchInts = new Int32Array(scratchFloat.buffer);

/**
 * Whether `value` is a usable batch, and if so a fresh object holding only its known fields
 * (a page's extra or inherited properties go no further). Problems name their place with a
 * JSONPath from `$.batch`.
 */
export function checkBatch(value: unknown, bounds: BatchBounds): BatchCheck {
  let problem: TraceError | null;
  try {
    problem = problemOf(value, bounds);
  } catch {
    // Only a proxy can throw here (its traps run on ownKeys and friends).
    problem = { path: "$.batch", message: "unreadable batch" };
  }
  if (problem !== null) return { ok: false, error: problem };
  const b = value as TraceBatch;
  return {
    ok: true,
    batch: {
      format: BATCH_FORMAT, version: BATCH_VERSION, seq: b.seq, recorderVersion: b.recorderVersion, timeOrigin: b.timeOrigin,
      clock: b.clock, count: b.count, time: b.time, kind: b.kind, ops: b.ops, stringBase: b.stringBase, strings: b.strings,
      droppedEvents: b.droppedEvents,
    },
  };
}

const at = (path: string, message: string): TraceError => ({ path: `$.batch${path}`, message });

function problemOf(value: unknown, bounds: BatchBounds): TraceError | null {
  const notBatch = notPlainRecord(value, BATCH_KEYS);
  if (notBatch !== null) return at("", notBatch);
  const batch = value as Record<string, unknown>;
  if (batch.format !== BATCH_FORMAT || batch.version !== BATCH_VERSION) {
    return at("", `format ${shortDescription(batch.format)} version ${shortDescription(batch.version)} is not ${BATCH_FORMAT} ${BATCH_VERSION} (the version this reader knows)`);
  }
  const { seq, count, time, kind, ops, stringBase, strings, droppedEvents, timeOrigin, recorderVersion, clock } = batch;
  if (!isCount(seq)) return at(".seq", "not a count");
  if (!isCount(count, bounds.maxEvents)) return at(".count", `not a count of at most ${bounds.maxEvents} events`);
  if (!(time instanceof Float64Array) || time.length !== count) return at(".time", `not a Float64Array of count (${count}) times`);
  if (!(kind instanceof Uint8Array) || kind.length !== count) return at(".kind", `not a Uint8Array of count (${count}) kinds`);
  if (!(ops instanceof Int32Array) || ops.length !== count * OPS_PER_EVENT) return at(".ops", `not an Int32Array of count × ${OPS_PER_EVENT} (${count * OPS_PER_EVENT}) operands`);
  // A short view on a huge buffer would carry the whole buffer through every structured clone.
  if (!wholeBuffer(time) || !wholeBuffer(kind) || !wholeBuffer(ops)) return at("", "a column is a view on a larger buffer");
  if (!isCount(stringBase) || stringBase < 1) return at(".stringBase", "not a positive count");
  if (!isArray(strings) || strings.length > bounds.maxStrings) return at(".strings", `not a list of at most ${bounds.maxStrings} strings`);
  let chars = 0;
  for (let k = 0; k < strings.length; k++) {
    const s: unknown = strings[k];
    if (typeof s !== "string" || s.length > bounds.maxStringChars) return at(`.strings[${k}]`, `not text of at most ${bounds.maxStringChars} characters`);
    chars += s.length;
  }
  if (chars > bounds.maxBatchStringChars) return at(".strings", `${chars} characters, more than ${bounds.maxBatchStringChars}`);
  if (!isCount(droppedEvents)) return at(".droppedEvents", "not a count");
  if (typeof timeOrigin !== "number" || !numberIsFinite(timeOrigin)) return at(".timeOrigin", "not a finite number");
  if (typeof recorderVersion !== "string" || recorderVersion.length > MAX_VERSION_CHARS) return at(".recorderVersion", `not a string of at most ${MAX_VERSION_CHARS} characters`);
  if (indexOf(CLOCK_KINDS, clock as never) < 0) return at(".clock", "not host, loop or custom");
  return eventProblem(time, kind, ops, count, stringBase + strings.length);
}

/** The first event whose kind, time or operands no session could use. */
function eventProblem(time: Float64Array, kind: Uint8Array, ops: Int32Array, count: number, stringLimit: number): TraceError | null {
  for (let i = 0; i < count; i++) {
    const k = kind[i]!;
    if (k < 1 || k > EV_MAX) return at(`.kind[${i}]`, `unknown event kind ${k}`);
    if (!numberIsFinite(time[i]!)) return at(`.time[${i}]`, `expected a finite time, got ${time[i]}`);
    const o = i * OPS_PER_EVENT;
    const a = ops[o]!;
    const b = ops[o + 1]!;
    if (TASK_EVENTS[k] === 1 && a <= 0) return at(`.ops[${o}]`, `expected a task id > 0, got ${a}`);
    const mask = STRING_OPERANDS[k]!;
    for (let j = 0; j < 4; j++) {
      if ((mask & (1 << j)) === 0) continue;
      const id = ops[o + j]!;
      if (id < 0 || id >= stringLimit) return at(`.ops[${o + j}]`, `string id ${id} is not in the string table (${stringLimit} strings)`);
    }
    if (k === EV_NATIVE_START && (b < 0 || b >= NATIVE_KINDS.length)) return at(`.ops[${o + 1}]`, `unknown native operation kind ${b}`);
    if (k === EV_NATIVE_END && (b < 0 || b >= NATIVE_OUTCOMES.length)) return at(`.ops[${o + 1}]`, `unknown native outcome ${b}`);
    if (k === EV_MARK && (a < 0 || a >= MARKER_KINDS.length)) return at(`.ops[${o}]`, `unknown marker kind ${a}`);
    if (k === EV_EXIT && (b < 0 || b > 2)) return at(`.ops[${o + 1}]`, `unknown task outcome ${b}`);
    if (k === EV_NATIVE_PARENT && (b < 0 || ops[o + 2]! < 0)) return at(`.ops[${o + (b < 0 ? 1 : 2)}]`, "expected a native operation id ≥ 0");
    if (OBJECT_EVENTS[k] === 1 && a <= 0) return at(`.ops[${o}]`, `expected an id > 0, got ${a}`);
    if ((k === EV_SCHEDULED || k === EV_CANCEL || k === EV_SPAWN) && b < 0) return at(`.ops[${o + 1}]`, "expected a task id ≥ 0");
    if (k === EV_RESOURCE_OP && ops[o + 2]! < 0) return at(`.ops[${o + 2}]`, "expected a task id ≥ 0");
    if (k === EV_TIMEOUT_ARMED && !numberIsFinite(floatOf(ops[o + 2]!, ops[o + 3]!))) return at(`.ops[${o + 2}]`, "expected a finite deadline");
  }
  return null;
}

/** The float operand stored in two int operands (encoding.ts). */
export function floatOf(low: number, high: number): number {
  scratchInts[0] = low;
  scratchInts[1] = high;
  return scratchFloat[0]!;
}

function isCount(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === "number" && numberIsSafeInteger(value) && value >= 0 && value <= max;
}

/**
 * Why `value` is not a plain record of data properties named in `allowed`, or null when it
 * is. Nothing of it runs: no getter, no `toString`; a structured clone leaves no getter or
 * proxy, and this refuses them anyway when a message arrives some other way.
 */
export function notPlainRecord(value: unknown, allowed: readonly string[]): string | null {
  if (typeof value !== "object" || value === null || isArray(value)) return "not an object";
  const proto: unknown = getPrototypeOf(value);
  if (proto !== ObjectPrototype && proto !== null) return "not a plain object";
  const keys = ownKeys(value);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (typeof key !== "string" || indexOf(allowed, key) < 0) return `unexpected property ${shortDescription(key)}`;
    const descriptor = ownDescriptor(value, key)!;
    if (!("value" in descriptor)) return `property ${key} is an accessor`;
  }
  return null;
}

const ownKeys = Reflect.ownKeys;
const ObjectPrototype = Object.prototype;

/** A typed array that is exactly its buffer. */
function wholeBuffer(view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.buffer instanceof ArrayBuffer && view.buffer.byteLength === view.byteLength;
}

/** Any value as a short text for a refusal, without calling anything of it. */
export function shortDescription(value: unknown): string {
  if (typeof value === "string") return `"${value.length > 40 ? `${stringSlice(value, 0, 40)}…` : value}"`;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return `${value}`;
  if (typeof value === "symbol") return "a symbol";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
