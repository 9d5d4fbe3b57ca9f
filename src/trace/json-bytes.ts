/**
 * JSON.parse for a document held as UTF-8 bytes, without ever making the document one string:
 * a file of a million tasks (over 500 MB) is longer than the longest string V8 makes, and
 * even below that, decoding and parsing one giant string costs time and twice the memory.
 *
 * The top-level object is walked here, following quotes and escapes, so that an array
 * member's elements are cut into batches (64 KiB by default) on the commas between them
 * (never inside a string or a nested value): every batch is whole JSON, and multi-byte
 * characters are never split. Each batch, and every other member's value, is parsed by the
 * engine's own JSON.parse. For a well-formed document the value is the one JSON.parse would
 * give; for anything else the error names the byte where the document stops being JSON.
 *
 * Read lazily (`readJsonObjectBytes`), an array member is parsed only when its batches are
 * asked for, one at a time: a reader that turns each batch into something compact and drops
 * it never holds a million-record array of objects, whose garbage collection costs more than
 * parsing it.
 */

/** The document is not well-formed JSON; `offset` is the byte where that shows. */
export class JsonBytesError extends Error {
  constructor(readonly offset: number, message: string, readonly truncated: boolean) {
    super(message);
    this.name = "JsonBytesError";
  }
}

/** Bytes an array batch holds before it is cut at the next element boundary. */
const BATCH_BYTES = 1 << 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The walk over an array's elements that finds its batches: a plain method rather than the
 * generator's own loop, so the engine optimizes the loop that visits every byte of a file.
 */
class ArrayWalk {
  /** Elements seen so far. */
  count = 1;
  /** The `[` or the last comma between elements: an element must stand between it and the next. */
  private boundary: number;

  constructor(
    private readonly bytes: Uint8Array,
    private at: number,
    private readonly fail: (at: number, message: string) => never,
  ) {
    this.boundary = at - 1;
  }

  /**
   * Walks on to the array's closing bracket, or to the first comma between elements at least
   * `batchBytes` after where this stretch began; returns its index.
   */
  toNextStop(batchBytes: number): number {
    const bytes = this.bytes;
    const n = bytes.length;
    const from = this.at;
    // Every stop is between two elements of the array itself, so each stretch starts at depth 0.
    let depth = 0;
    let i = from;
    for (;;) {
      if (i >= n) this.fail(n, "the document ends inside an array: it is truncated");
      const c = bytes[i]!;
      if (c === QUOTE) {
        for (i++; ; ) {
          if (i >= n) this.fail(n, "a string is not closed: the document is truncated");
          const s = bytes[i]!;
          if (s === QUOTE) break;
          i += s === BACKSLASH ? 2 : 1;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) {
          if (c === CLOSE_BRACE) this.fail(i, "expected , or ] after an array element");
          this.checkElement(i);
          this.at = i + 1;
          return i;
        }
        depth--;
      } else if (c === COMMA && depth === 0) {
        this.checkElement(i);
        this.count++;
        if (i - from >= batchBytes) {
          this.at = i + 1;
          return i;
        }
      }
      i++;
    }
  }

  private checkElement(at: number): void {
    let k = at - 1;
    while (k > this.boundary && isSpace(this.bytes[k]!)) k--;
    if (k === this.boundary) this.fail(at, "expected an array element");
    this.boundary = at;
  }
}

/**
 * The members of a record as its writer lays them out, in order: a name, or for a member that
 * holds an object (or null), its name and that object's own layout.
 */
export type RecordLayout = readonly (string | readonly [name: string, layout: RecordLayout])[];

/** What an ElementCursor returns once every element has been returned. */
export const NO_MORE_ELEMENTS: unique symbol = Symbol("no more elements");

/** The elements of an array, one at a time. */
export interface ElementCursor {
  next(): unknown;
}

const POWERS_OF_TEN = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Digits a number read here may have: below 2⁵³, so the digits are exact as a double. */
const MAX_DIGITS = 15;
/** Longest string read here; longer ones (rare in records) go to JSON.parse. */
const MAX_STRING = 1024;
const STRING_SLOTS = 4096;

/**
 * Reads a record laid out exactly as a writer lays it out (no spaces, members in the layout's
 * order, numbers of at most 15 digits without an exponent) straight from the bytes into one
 * object, refilled for each record. A record in any other form is not read here: the caller
 * parses it with JSON.parse instead. Each form read
 * here is JSON, and each value is the one JSON.parse gives: a number of at most 15 digits and
 * k ≤ 15 decimals is its digits (exact) over 10^k (exact), one correctly rounded division.
 * Repeated strings of plain ASCII (kinds, labels, names, files) are made once, from a small
 * table; a string with escapes or other characters is decoded and parsed by itself.
 */
class RecordScanner {
  /** The object each record is read into: its members are the layout's, in order. */
  readonly record: Record<string, unknown> = {};
  private readonly names: string[] = [];
  /** Each member's `"name":` as bytes. */
  private readonly keys: Uint8Array[] = [];
  private readonly nested: (RecordScanner | null)[] = [];
  private value: unknown = null;

  constructor(private readonly bytes: Uint8Array, layout: RecordLayout, private readonly strings: (string | undefined)[]) {
    for (const member of layout) {
      const [name, inner] = typeof member === "string" ? [member, null] : member;
      this.names.push(name);
      this.keys.push(new TextEncoder().encode(`${JSON.stringify(name)}:`));
      this.nested.push(inner === null ? null : new RecordScanner(bytes, inner, strings));
      this.record[name] = null;
    }
  }

  /** Reads the record whose `{` is at `at` into `record`; returns just past its `}`, or −1 when it is not in a form read here. */
  read(at: number): number {
    const b = this.bytes;
    const keys = this.keys;
    if (b[at] !== OPEN_BRACE) return -1;
    let i = at + 1;
    for (let k = 0; k < keys.length; k++) {
      if (k > 0) {
        if (b[i] !== COMMA) return -1;
        i++;
      }
      const key = keys[k]!;
      for (let m = 0; m < key.length; m++) if (b[i + m] !== key[m]) return -1;
      i += key.length;
      const nested = this.nested[k]!;
      if (nested !== null && b[i] === OPEN_BRACE) {
        i = nested.read(i);
        this.value = nested.record;
      } else i = this.scalar(i);
      if (i < 0) return -1;
      this.record[this.names[k]!] = this.value;
    }
    return b[i] === CLOSE_BRACE ? i + 1 : -1;
  }

  /** Reads a number, string, true, false or null at `at` into `value`; returns just past it, or −1. */
  private scalar(at: number): number {
    const b = this.bytes;
    const c = b[at];
    if (c === QUOTE) return this.string(at);
    if (c === 0x6e) return this.word(at, NULL_BYTES, null);
    if (c === 0x74) return this.word(at, TRUE_BYTES, true);
    if (c === 0x66) return this.word(at, FALSE_BYTES, false);
    return this.number(at);
  }

  private word(at: number, word: Uint8Array, value: unknown): number {
    for (let m = 1; m < word.length; m++) if (this.bytes[at + m] !== word[m]) return -1;
    this.value = value;
    return at + word.length;
  }

  private number(at: number): number {
    const b = this.bytes;
    let i = at;
    let c = b[i]!;
    const negative = c === 0x2d;
    if (negative) c = b[++i]!;
    let digits = 0;
    let mantissa = 0;
    if (c === 0x30) {
      c = b[++i]!;
      digits = 1;
    } else {
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        c = b[++i]!;
      }
    }
    if (digits === 0 || (c >= 0x30 && c <= 0x39)) return -1;
    let decimals = 0;
    if (c === 0x2e) {
      c = b[++i]!;
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        decimals++;
        c = b[++i]!;
      }
      if (decimals === 0) return -1;
    }
    if (c === 0x65 || c === 0x45 || digits + decimals > MAX_DIGITS) return -1;
    const magnitude = decimals === 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals]!;
    this.value = negative ? -magnitude : magnitude;
    return i;
  }

  private string(at: number): number {
    const b = this.bytes;
    const from = at + 1;
    let hash = 0;
    let plain = true;
    let i = from;
    for (;;) {
      const c = b[i];
      if (c === QUOTE) break;
      if (c === undefined) return -1;
      if (c < 0x20 || c >= 0x80 || c === BACKSLASH) {
        plain = false;
        if (c === BACKSLASH) i++;
      }
      hash = (Math.imul(hash, 31) + c) | 0;
      i++;
    }
    if (!plain || i - from > MAX_STRING) return this.unusualString(at, i + 1);
    const slot = hash & (STRING_SLOTS - 1);
    const known = this.strings[slot];
    if (known !== undefined && sameAscii(known, b, from, i)) this.value = known;
    else {
      const made = String.fromCharCode.apply(null, b.subarray(from, i) as unknown as number[]);
      this.strings[slot] = made;
      this.value = made;
    }
    return i + 1;
  }

  /** A string with escapes or beyond ASCII, [at, to) with its quotes: decoded and parsed as it stands, or −1 if it is not UTF-8 or not JSON. */
  private unusualString(at: number, to: number): number {
    try {
      this.value = JSON.parse(STRING_DECODER.decode(this.bytes.subarray(at, to))) as unknown;
    } catch {
      return -1;
    }
    return to;
  }
}

const STRING_DECODER = new TextDecoder("utf-8", { fatal: true });
const NULL_BYTES = new TextEncoder().encode("null");
const TRUE_BYTES = new TextEncoder().encode("true");
const FALSE_BYTES = new TextEncoder().encode("false");

function sameAscii(text: string, bytes: Uint8Array, from: number, to: number): boolean {
  if (text.length !== to - from) return false;
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) !== bytes[from + k]) return false;
  return true;
}

/**
 * The elements of a LazyJsonArray. Given a layout, each element in the writer's own form is
 * read straight into one refilled object; at the first that is not, the rest of its batch
 * is parsed by JSON.parse, which also throws whatever the batch holds that is not JSON.
 */
class LazyElements implements ElementCursor {
  private k = 0;
  private from = 0;
  private to = 0;
  /** Where the next element of the batch begins; past `to` once the batch is read. */
  private at = 1;
  private parsed: unknown[] | null = null;
  private served = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly ranges: readonly number[],
    private readonly parseBatch: (from: number, to: number) => unknown[],
    private readonly scanner: RecordScanner | null,
  ) {}

  next(): unknown {
    for (;;) {
      if (this.parsed !== null) {
        if (this.served < this.parsed.length) return this.parsed[this.served++];
        this.parsed = null;
      } else if (this.at <= this.to) {
        const end = this.scanner!.read(this.at);
        if (end === this.to || (end >= 0 && end < this.to && this.bytes[end] === COMMA)) {
          this.at = end + 1;
          this.served++;
          return this.scanner!.record;
        }
        this.parsed = this.parseBatch(this.from, this.to);
        continue;
      }
      if (this.k >= this.ranges.length) return NO_MORE_ELEMENTS;
      this.from = this.ranges[this.k]!;
      this.to = this.ranges[this.k + 1]!;
      this.k += 2;
      this.served = 0;
      if (this.scanner === null) {
        this.at = this.to + 1;
        this.parsed = this.parseBatch(this.from, this.to);
      } else this.at = this.from;
    }
  }
}

/**
 * An array member of a document read by `readJsonObjectBytes`: its elements are parsed a
 * batch at a time, when asked for. `length` is how many elements it holds.
 */
export class LazyJsonArray {
  /** @internal */
  constructor(
    readonly length: number,
    private readonly bytes: Uint8Array,
    private readonly batchRanges: readonly number[],
    private readonly parseBatch: (from: number, to: number) => unknown[],
  ) {}

  /** The elements, a batch (an array of about `batchBytes` of the document) at a time, parsed as they are reached. */
  *batches(): Generator<unknown[], void, undefined> {
    for (let k = 0; k < this.batchRanges.length; k += 2) yield this.parseBatch(this.batchRanges[k]!, this.batchRanges[k + 1]!);
  }

  /**
   * The elements one at a time, parsed as they are reached. With a `layout`, an element in
   * that exact form is read straight from the bytes into one object that the next element
   * refills (so a caller must copy what it keeps), without JSON.parse or an object per
   * element; any other element is what JSON.parse makes of it. Errors are JSON.parse's for
   * the element's batch, found when the first element not in the layout's form is reached.
   */
  elements(layout?: RecordLayout): ElementCursor {
    const scanner = layout === undefined ? null : new RecordScanner(this.bytes, layout, new Array<string | undefined>(STRING_SLOTS));
    return new LazyElements(this.bytes, this.batchRanges, this.parseBatch, scanner);
  }

  /** All the elements in one array. */
  toArray(): unknown[] {
    const items: unknown[] = [];
    for (const batch of this.batches()) for (let k = 0; k < batch.length; k++) items.push(batch[k]);
    return items;
  }
}

/**
 * Parses a JSON document that is an object, from its UTF-8 bytes (a leading byte-order mark
 * is skipped). A generator: it yields the bytes read so far after each batch, so a caller
 * can report progress and pause; run to its end, it returns the object.
 * Throws JsonBytesError for malformed JSON, and TypeError for bytes that are not UTF-8.
 * `batchBytes` is how many bytes of an array are parsed at once (tests make it tiny).
 *
 * @example
 * const reading = parseJsonObjectBytes(new Uint8Array(await file.arrayBuffer()));
 * let step = reading.next();
 * while (step.done !== true) step = reading.next();
 * const raw = step.value;
 */
export function* parseJsonObjectBytes(bytes: Uint8Array, batchBytes = BATCH_BYTES): Generator<number, Record<string, unknown>> {
  return parseLazyMembers(yield* readJsonObjectBytes(bytes, batchBytes));
}

/**
 * `raw` (from `readJsonObjectBytes`) with its LazyJsonArray members parsed into arrays, all
 * but those named in `except`: the object JSON.parse would have made of them.
 */
export function parseLazyMembers<T extends Record<string, unknown>>(raw: T, except: ReadonlySet<string> = new Set()): T {
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (value instanceof LazyJsonArray && !except.has(key)) (raw as Record<string, unknown>)[key] = value.toArray();
  }
  return raw;
}

/**
 * As `parseJsonObjectBytes`, but the object's array members are LazyJsonArrays, parsed only
 * as their batches are read; the rest of the document is parsed, and the whole of it
 * walked, before it returns. A malformed element is found when its batch is parsed (the
 * JsonBytesError or TypeError is thrown then).
 */
export function* readJsonObjectBytes(bytes: Uint8Array, batchBytes = BATCH_BYTES): Generator<number, Record<string, unknown>> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const n = bytes.length;
  let pos = 0;
  if (n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) pos = 3;

  const fail = (at: number, message: string): never => {
    throw new JsonBytesError(at, message, at >= n);
  };
  const skipSpace = (): void => {
    while (pos < n && isSpace(bytes[pos]!)) pos++;
  };
  const expect = (byte: number, what: string): void => {
    skipSpace();
    if (pos >= n) fail(pos, `the document ends where ${what} was expected`);
    if (bytes[pos] !== byte) fail(pos, `expected ${what}`);
    pos++;
  };
  /** JSON.parse of bytes [from, to), with its own error turned into the byte where it failed. */
  const parseRange = (from: number, to: number, prefix = "", suffix = ""): unknown => {
    const text = prefix + decoder.decode(bytes.subarray(from, to)) + suffix;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const match = /position (\d+)/.exec(message);
      // The position counts characters of the batch; as bytes it is a close lower bound.
      const at = match === null ? from : Math.min(to, from + Math.max(0, Number(match[1]) - prefix.length));
      return fail(at, message.replace(/\s*\(line \d+ column \d+\)/, ""));
    }
  };
  const parseBatch = (from: number, to: number): unknown[] => parseRange(from, to, "[", "]") as unknown[];
  /** Just past the closing quote of the string whose opening quote is at `from`. */
  const stringEnd = (from: number): number => {
    let i = from + 1;
    for (;;) {
      if (i >= n) return fail(n, "a string is not closed: the document is truncated");
      const c = bytes[i]!;
      if (c === QUOTE) return i + 1;
      i += c === BACKSLASH ? 2 : 1;
    }
  };
  /**
   * Walks one value from `from` to the first byte after it at its own depth (a comma, a
   * closing bracket or brace of the enclosing value, or the end), following strings.
   */
  const valueEnd = (from: number): number => {
    let depth = 0;
    let i = from;
    while (i < n) {
      const c = bytes[i]!;
      if (c === QUOTE) {
        i = stringEnd(i);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) return i;
        depth--;
      } else if (c === COMMA && depth === 0) return i;
      i++;
    }
    if (depth > 0) fail(n, "the document ends inside a value: it is truncated");
    return n;
  };

  /**
   * Walks an array (`pos` just past its opening bracket) to just past its closing bracket,
   * noting where its batches begin and end and counting its elements; parses nothing.
   */
  function* walkArray(): Generator<number, LazyJsonArray> {
    skipSpace();
    if (bytes[pos] === CLOSE_BRACKET) {
      pos++;
      return new LazyJsonArray(0, bytes, [], parseBatch);
    }
    const walk = new ArrayWalk(bytes, pos, fail);
    const ranges: number[] = [pos];
    for (;;) {
      const stop = walk.toNextStop(batchBytes);
      if (bytes[stop] === CLOSE_BRACKET) {
        ranges.push(stop);
        pos = stop + 1;
        return new LazyJsonArray(walk.count, bytes, ranges, parseBatch);
      }
      ranges.push(stop, stop + 1);
      yield stop;
    }
  }

  const result: Record<string, unknown> = {};
  expect(OPEN_BRACE, "{ (the document is not a JSON object)");
  skipSpace();
  if (bytes[pos] === CLOSE_BRACE) pos++;
  else {
    for (;;) {
      skipSpace();
      if (pos >= n) fail(n, "the document ends where a member name was expected: it is truncated");
      if (bytes[pos] !== QUOTE) fail(pos, "expected a member name in double quotes");
      const keyEnd = stringEnd(pos);
      const key = parseRange(pos, keyEnd) as string;
      pos = keyEnd;
      expect(COLON, ": after a member name");
      skipSpace();
      let value: unknown;
      if (bytes[pos] === OPEN_BRACKET) {
        pos++;
        value = yield* walkArray();
      } else {
        const end = valueEnd(pos);
        value = parseRange(pos, end);
        pos = end;
      }
      // As JSON.parse does: a member named __proto__ is an own member, not the prototype.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      skipSpace();
      if (pos >= n) fail(n, "the document ends inside its object: it is truncated");
      if (bytes[pos] === COMMA) {
        pos++;
        continue;
      }
      if (bytes[pos] === CLOSE_BRACE) {
        pos++;
        break;
      }
      fail(pos, "expected , or } after a member");
    }
  }
  skipSpace();
  if (pos < n) fail(pos, "unexpected text after the JSON object");
  return result;
}
