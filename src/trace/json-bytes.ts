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
 * An array member of a document read by `readJsonObjectBytes`: its elements are parsed a
 * batch at a time, when asked for. `length` is how many elements it holds.
 */
export class LazyJsonArray {
  /** @internal */
  constructor(
    readonly length: number,
    private readonly batchRanges: readonly number[],
    private readonly parseBatch: (from: number, to: number) => unknown[],
  ) {}

  /** The elements, a batch (an array of about `batchBytes` of the document) at a time, parsed as they are reached. */
  *batches(): Generator<unknown[], void, undefined> {
    for (let k = 0; k < this.batchRanges.length; k += 2) yield this.parseBatch(this.batchRanges[k]!, this.batchRanges[k + 1]!);
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
      return new LazyJsonArray(0, [], parseBatch);
    }
    const walk = new ArrayWalk(bytes, pos, fail);
    const ranges: number[] = [pos];
    for (;;) {
      const stop = walk.toNextStop(batchBytes);
      if (bytes[stop] === CLOSE_BRACKET) {
        ranges.push(stop);
        pos = stop + 1;
        return new LazyJsonArray(walk.count, ranges, parseBatch);
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
