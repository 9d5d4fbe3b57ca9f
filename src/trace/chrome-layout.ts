/**
 * The fast reader of aioscope's own Chrome export: it recognises the layout export-chrome.ts
 * writes — a header line, then one event a line, each followed by `,` except the last, then
 * `]}` — and reads its steps and await spans (nearly every event of a session) by scanning
 * their exact templates, without `JSON.parse` building an object per event and a string per
 * DevTools detail. A million-event file spends most of a general import in that parse and in
 * collecting its garbage.
 *
 * It never reads a file differently from the general reader (import-chrome.ts): every other
 * line, and any step or await line that differs from the template in the least (another key
 * order, an escape in a name, a number written otherwise), is parsed by `JSON.parse` and read
 * by the general reader's code, and the scanned fields go to the same `ChromeRecords`
 * methods, so records and errors are the same. The template's variable parts are checked as
 * JSON (integers, numbers, strings with valid escapes), so a file it accepts is valid JSON. When
 * the layout does not hold (no header line, no `]}` line, a line that is not JSON), the caller
 * reads the file with the general reader, which also gives JSON's syntax errors.
 */
import type { Trace } from "./model.ts";
import { PROGRESS_EVERY } from "./validate.ts";
import { ChromeRecords, checkedMeta, isAioscopeChromeTrace } from "./import-chrome.ts";
import { USER_TIMING_CATEGORY } from "./chrome-events.ts";

type Obj = Record<string, unknown>;

/** Thrown when the text is not in our layout after all: read it with the general reader. */
export class NotOurLayout extends Error {}

/** What the fast reader needs before reading: the header and where each event's line is. */
export interface OwnLayout {
  /** Events in the file. */
  readonly events: number;
  readonly reading: Generator<number, Trace>;
}

const HEADER_START = `{"otherData":{"aioscope":`;
const HEADER_END = `"traceEvents":[`;
const FOOTER = "\n]}";

/**
 * The reading of `text` if it is laid out as our writer lays it out, else null. The reading
 * throws `NotOurLayout` if a line turns out not to be JSON.
 */
export function readOwnLayout(text: string): OwnLayout | null {
  if (!text.startsWith(HEADER_START) || !text.endsWith(FOOTER)) return null;
  const headerEnd = text.indexOf("\n");
  if (headerEnd < 0 || !text.startsWith(HEADER_END, headerEnd - HEADER_END.length)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(`${text.slice(0, headerEnd)}]}`);
  } catch {
    return null;
  }
  // A top-level "format" would make the file read as an aioscope JSON file: the general path decides.
  if (!isAioscopeChromeTrace(raw) || "format" in (raw as Obj)) return null;
  // Where each event's line starts; the line of `]}` ends the list.
  const last = text.length - FOOTER.length;
  const starts: number[] = [];
  for (let at = headerEnd + 1; at < last + 1;) {
    const nl = text.indexOf("\n", at);
    if (nl < 0 || nl > last) return null;
    starts.push(at);
    at = nl + 1;
  }
  return { events: starts.length, reading: readLines(text, raw as Obj, starts, last) };
}

function* readLines(text: string, raw: Obj, starts: readonly number[], last: number): Generator<number, Trace> {
  const meta = checkedMeta(raw);
  const records = new ChromeRecords();
  const scan = new Scanner(text, records);
  const n = starts.length;
  for (let k = 0; k < n; k++) {
    if ((k & (PROGRESS_EVERY - 1)) === 0 && k > 0) yield PROGRESS_EVERY;
    const start = starts[k]!;
    // Every line but the last ends with the comma separating it from the next.
    let end = k + 1 < n ? starts[k + 1]! - 1 : last;
    if (k + 1 < n) {
      if (text.charCodeAt(end - 1) !== 44) throw new NotOurLayout();
      end--;
    }
    if (scan.line(k, start, end)) continue;
    let event: unknown;
    try {
      event = JSON.parse(text.slice(start, end));
    } catch {
      throw new NotOurLayout();
    }
    records.event(k, event);
  }
  return yield* records.trace(meta);
}

const STEP_X = `{"ph":"X","cat":"step","name":`;
const STEP_I = `{"ph":"I","cat":"step","name":`;
const AWAIT_BEGIN = `{"ph":"b","cat":"${USER_TIMING_CATEGORY}","pid":`;
const AWAIT_END = `{"ph":"e","cat":"${USER_TIMING_CATEGORY}","pid":`;
const SPAN_KEY_PREFIX = `${USER_TIMING_CATEGORY} `;
const NO_ARGS: Obj = {};

/**
 * Reads one line as a step, an await's begin or an await's end written by our exporter, or
 * reports that it is none of them as written. Scanning state lives in fields; `at` is the
 * cursor, and each `read…` returns false (or NaN) once the line leaves the template.
 */
class Scanner {
  private at = 0;
  /** Decoded strings by their JSON spelling (names, kinds, ids repeat a lot), each decoded once. */
  private readonly strings = new Map<string, string>();
  private readonly spanKeys = new Map<string, string>();

  constructor(
    private readonly text: string,
    private readonly records: ChromeRecords,
  ) {}

  line(k: number, start: number, end: number): boolean {
    const text = this.text;
    this.at = start;
    // `{"ph":"X"`: the phase is the 8th character.
    const phase = text.charCodeAt(start + 7);
    if (phase === 88 /* X */ || phase === 73 /* I */) return this.step(k, end, phase === 88);
    if (phase === 98 /* b */) return this.awaitBegin(k, end);
    if (phase === 101 /* e */) return this.awaitEnd(k, end);
    return false;
  }

  /**
   * `{"ph":"X","cat":"step","name":N,"pid":P,"tid":T,"ts":S,"dur":D,"args":{…}}` or
   * `{"ph":"I","cat":"step","name":N,"pid":P,"tid":T,"s":"t","ts":S,"args":{…}}`.
   */
  private step(k: number, end: number, slice: boolean): boolean {
    if (!this.literal(slice ? STEP_X : STEP_I) || this.string() === null) return false;
    if (!this.literal(`,"pid":`) || Number.isNaN(this.int()) || !this.literal(`,"tid":`) || Number.isNaN(this.int())) return false;
    if (!this.literal(slice ? `,"ts":` : `,"s":"t","ts":`)) return false;
    const ts = this.int();
    if (Number.isNaN(ts)) return false;
    let dur = 0;
    if (slice) {
      if (!this.literal(`,"dur":`)) return false;
      dur = this.int();
      if (Number.isNaN(dur)) return false;
    }
    if (!this.literal(`,"args":{"task":`)) return false;
    const task = this.int();
    if (Number.isNaN(task)) return false;
    let ready: number | null = null;
    let wake: string | null = null;
    let waker: number | null = null;
    let open = false;
    if (this.literal(`,"ready":`)) {
      ready = this.number();
      if (Number.isNaN(ready)) return false;
    }
    if (this.literal(`,"wake":`)) {
      wake = this.string();
      if (wake === null) return false;
    }
    if (this.literal(`,"waker":`)) {
      waker = this.int();
      if (Number.isNaN(waker)) return false;
    }
    if (this.literal(`,"open":true`)) open = true;
    if (!this.literal("}}") || this.at !== end) return false;
    const ms = ts / 1000;
    this.records.step(k, task, ms, open ? null : (ts + dur) / 1000, ready, wake, waker);
    return true;
  }

  /** `{"ph":"b","cat":"blink.user_timing","pid":P,"tid":T,"id":I,"name":N,"ts":S,"args":{"detail":D,"await":K[,"targetTask":T][,"resource":R]}}` */
  private awaitBegin(k: number, end: number): boolean {
    if (!this.literal(AWAIT_BEGIN) || Number.isNaN(this.int()) || !this.literal(`,"tid":`) || Number.isNaN(this.int())) return false;
    if (!this.literal(`,"id":`)) return false;
    const id = this.string();
    if (id === null || !this.literal(`,"name":`)) return false;
    const name = this.string();
    if (name === null || !this.literal(`,"ts":`)) return false;
    const ts = this.int();
    if (Number.isNaN(ts) || !this.literal(`,"args":{"detail":`) || !this.skipString() || !this.literal(`,"await":`)) return false;
    const kind = this.string();
    if (kind === null) return false;
    let targetTask: number | null = null;
    let resource: number | null = null;
    if (this.literal(`,"targetTask":`)) {
      targetTask = this.int();
      if (Number.isNaN(targetTask)) return false;
    }
    if (this.literal(`,"resource":`)) {
      resource = this.int();
      if (Number.isNaN(resource)) return false;
    }
    if (!this.literal("}}") || this.at !== end) return false;
    this.records.awaitBegin(k, this.spanKey(id), id, ts / 1000, kind, name, targetTask, resource);
    return true;
  }

  /** `{"ph":"e","cat":"blink.user_timing","pid":P,"tid":T,"id":I,"name":N,"ts":S,"args":{}}`: an await that resumed. */
  private awaitEnd(k: number, end: number): boolean {
    if (!this.literal(AWAIT_END) || Number.isNaN(this.int()) || !this.literal(`,"tid":`) || Number.isNaN(this.int())) return false;
    if (!this.literal(`,"id":`)) return false;
    const id = this.string();
    if (id === null || !this.literal(`,"name":`) || this.string() === null || !this.literal(`,"ts":`)) return false;
    const ts = this.int();
    if (Number.isNaN(ts) || !this.literal(`,"args":{}}`) || this.at !== end) return false;
    this.records.spanEnd(k, this.spanKey(id), id, ts / 1000, NO_ARGS);
    return true;
  }

  private spanKey(id: string): string {
    let key = this.spanKeys.get(id);
    if (key === undefined) this.spanKeys.set(id, (key = SPAN_KEY_PREFIX + id));
    return key;
  }

  private literal(expected: string): boolean {
    if (!this.text.startsWith(expected, this.at)) return false;
    this.at += expected.length;
    return true;
  }

  /**
   * A JSON integer ≥ 0 of at most 15 digits (exact as a double, as JSON.parse reads it), or NaN.
   */
  private int(): number {
    const text = this.text;
    let at = this.at;
    const first = at;
    let value = 0;
    for (let c = text.charCodeAt(at); c >= 48 && c <= 57; c = text.charCodeAt(++at)) value = value * 10 + (c - 48);
    const digits = at - first;
    if (digits === 0 || digits > 15 || (digits > 1 && text.charCodeAt(first) === 48)) return NaN;
    // A fraction or an exponent: not an integer as our writer writes it.
    const next = text.charCodeAt(at);
    if (next === 46 || next === 101 || next === 69) return NaN;
    this.at = at;
    return value;
  }

  /**
   * A JSON number ≥ 0 written as `int` or `int.fraction` with at most 6 fraction digits and 15
   * digits in all, or NaN. The digits make one exact integer, divided once by an exact power
   * of ten: a correctly rounded division, so the very double JSON.parse gives.
   */
  private number(): number {
    const whole = this.int();
    if (Number.isNaN(whole)) {
      // int() refuses a fraction; read `int.fraction` here.
      return this.decimal();
    }
    return whole;
  }

  private decimal(): number {
    const text = this.text;
    let at = this.at;
    const first = at;
    let value = 0;
    let c = text.charCodeAt(at);
    for (; c >= 48 && c <= 57; c = text.charCodeAt(++at)) value = value * 10 + (c - 48);
    const wholeDigits = at - first;
    if (wholeDigits === 0 || (wholeDigits > 1 && text.charCodeAt(first) === 48) || c !== 46) return NaN;
    const fractionStart = ++at;
    for (c = text.charCodeAt(at); c >= 48 && c <= 57; c = text.charCodeAt(++at)) value = value * 10 + (c - 48);
    const fractionDigits = at - fractionStart;
    if (fractionDigits === 0 || fractionDigits > 6 || wholeDigits + fractionDigits > 15 || c === 101 || c === 69) return NaN;
    this.at = at;
    return value / POWERS_OF_TEN[fractionDigits]!;
  }

  /** A JSON string without escapes, decoded; null if it has escapes or is not a string. */
  private string(): string | null {
    const text = this.text;
    const first = this.at;
    if (text.charCodeAt(first) !== 34) return null;
    let at = first + 1;
    for (let c = text.charCodeAt(at); c !== 34; c = text.charCodeAt(++at)) {
      // An escape, a control character or the end of the text: leave it to JSON.parse.
      if (c === 92 || c < 32 || Number.isNaN(c)) return null;
    }
    this.at = at + 1;
    const spelled = text.slice(first, at + 1);
    let value = this.strings.get(spelled);
    if (value === undefined) {
      // Decoded by JSON.parse: a new string, not a slice keeping the whole file alive.
      value = JSON.parse(spelled) as string;
      this.strings.set(spelled, value);
    }
    return value;
  }

  /** Steps over a JSON string (escapes allowed, each checked), reading nothing of it. */
  private skipString(): boolean {
    const text = this.text;
    let at = this.at;
    if (text.charCodeAt(at) !== 34) return false;
    for (let c = text.charCodeAt(++at); c !== 34; c = text.charCodeAt(++at)) {
      if (c < 32 || Number.isNaN(c)) return false;
      if (c === 92) {
        const escaped = text.charCodeAt(++at);
        if (escaped === 117 /* u */) {
          for (let h = 0; h < 4; h++) if (!isHex(text.charCodeAt(++at))) return false;
        } else if (!SIMPLE_ESCAPES.has(escaped)) return false;
      }
    }
    this.at = at + 1;
    return true;
  }
}

const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
/** `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`. */
const SIMPLE_ESCAPES = new Set([34, 92, 47, 98, 102, 110, 114, 116]);

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
