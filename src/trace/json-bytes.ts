/**
 * JSON.parse for a document held as UTF-8 bytes, without ever making the document one string:
 * a file of a million tasks (over 500 MB) is longer than the longest string V8 makes, and
 * even below that, decoding and parsing one giant string costs time and twice the memory.
 *
 * The top-level object is walked here; each member's value is parsed by the engine's own
 * JSON.parse, an array's elements in batches of about a megabyte. Cuts fall only on the
 * commas between elements (never inside a string or a nested value), so every batch is whole
 * JSON and multi-byte characters are never split: a cut found by looking for `},{` is kept
 * only if JSON.parse accepts the batch it ends, and otherwise the elements are walked byte by
 * byte, following quotes and escapes. For a well-formed
 * document the value is the one JSON.parse would give; for anything else the error names the
 * byte where the document stops being JSON.
 */

/** The document is not well-formed JSON; `offset` is the byte where that shows. */
export class JsonBytesError extends Error {
  constructor(readonly offset: number, message: string, readonly truncated: boolean) {
    super(message);
    this.name = "JsonBytesError";
  }
}

/** Bytes an array batch holds before it is cut at the next element boundary. */
const BATCH_BYTES = 1 << 20;

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
  /** The end of the string that opens at `pos` (just past its closing quote). */
  const stringEnd = (from: number): number => {
    let i = from + 1;
    for (;;) {
      const close = bytes.indexOf(QUOTE, i);
      if (close < 0) return fail(n, "a string is not closed: the document is truncated");
      let slashes = 0;
      for (let k = close - 1; k > from && bytes[k] === BACKSLASH; k--) slashes++;
      if ((slashes & 1) === 0) return close + 1;
      i = close + 1;
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

  /** An array's elements, parsed a batch at a time; `pos` is just past its opening bracket. */
  /**
   * The first `},{` at or after `from` and before `to`: where a batch of objects may be cut
   * (the index of its comma), or −1.
   */
  const objectBoundary = (from: number, to: number): number => {
    for (let at = bytes.indexOf(CLOSE_BRACE, from); at >= 0 && at < to; at = bytes.indexOf(CLOSE_BRACE, at + 1)) {
      if (bytes[at + 1] === COMMA && bytes[at + 2] === OPEN_BRACE) return at + 1;
    }
    return -1;
  };
  /** JSON.parse of `[` bytes [from, to) `]`, or undefined if that is not JSON. */
  const tryBatch = (from: number, to: number): unknown[] | undefined => {
    try {
      return JSON.parse(`[${decoder.decode(bytes.subarray(from, to))}]`) as unknown[];
    } catch (error) {
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  };

  /** An array's elements, parsed a batch at a time; `pos` is just past its opening bracket. */
  function* readArray(): Generator<number, unknown[]> {
    const items: unknown[] = [];
    const take = (batch: readonly unknown[]): void => {
      for (let k = 0; k < batch.length; k++) items.push(batch[k]);
    };
    skipSpace();
    if (bytes[pos] === CLOSE_BRACKET) {
      pos++;
      return items;
    }
    let batchStart = pos;
    for (;;) {
      // Most arrays hold objects written compactly: jump a batch ahead to the next "},{" and
      // let JSON.parse judge the batch. A cut inside a string or a nested value leaves a
      // string or a bracket open, which JSON.parse refuses; then the elements are walked.
      const cut = objectBoundary(batchStart + batchBytes, batchStart + 2 * batchBytes);
      const fast = cut < 0 ? undefined : tryBatch(batchStart, cut);
      if (fast !== undefined) {
        take(fast);
        batchStart = pos = cut + 1;
        yield pos;
        continue;
      }
      // Walking the elements to the end of a batch, or of the array.
      for (;;) {
        skipSpace();
        if (pos < n && (bytes[pos] === COMMA || bytes[pos] === CLOSE_BRACKET)) fail(pos, "expected an array element");
        const end = valueEnd(pos);
        if (end >= n) fail(n, "the document ends inside an array: it is truncated");
        const c = bytes[end]!;
        if (c !== COMMA && c !== CLOSE_BRACKET) fail(end, "expected , or ] after an array element");
        pos = end + 1;
        if (c === CLOSE_BRACKET || end + 1 - batchStart >= batchBytes) {
          take(parseRange(batchStart, end, "[", "]") as unknown[]);
          batchStart = pos;
          if (c === CLOSE_BRACKET) return items;
          yield pos;
          break;
        }
      }
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
        value = yield* readArray();
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
