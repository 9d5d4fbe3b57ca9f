/**
 * The importer: text or bytes of an aioscope JSON file or of aioscope's Chrome export, in,
 * and either a whole, checked Trace or one precise error out. It never throws and never
 * returns part of a session. Pure (no DOM): the panel runs it in a Web Worker, and its
 * results are plain data that survive structured clone.
 *
 * Too-large inputs are refused before anything is read or parsed. `importTraceAsync` reads
 * Blobs, reports progress and pauses between slices of work, so a 100 MB file never blocks
 * the thread for long. Given the bytes of a file larger than `textBytes`, it parses them
 * without making one string of the file (json-bytes.ts), so files of a million tasks, longer
 * than V8's longest string, import too. `importColumnsAsync`, the panel worker's, reads an
 * aioscope file's bytes straight into columns (columns.ts).
 */
import { TRACE_FORMAT, TRACE_VERSION, type Trace, type TraceError } from "./model.ts";
import { countRecords, readTrace, TraceInputError, wholeButLargeCollections } from "./validate.ts";
import { isAioscopeChromeTrace, readChromeTrace, versionError } from "./import-chrome.ts";
import { NotOurLayout, readOwnLayout } from "./chrome-layout.ts";
import { JsonBytesError, parseLazyMembers, readJsonObjectBytes } from "./json-bytes.ts";
import { partsOf, readTraceColumns, toColumns, type ColumnsPart, type TraceColumns } from "./columns.ts";

/** The largest input accepted: 1 GiB (read as bytes; as one string, V8 stops near 512 MiB). */
export const MAX_IMPORT_BYTES = 1024 * 1024 * 1024;
/** See AsyncImportOptions.textBytes: every file but a giant one. */
const TEXT_BYTES = 256 * 1024 * 1024;

export type TraceFileFormat = "aioscope" | "chrome";

export type ImportResult =
  | { readonly ok: true; readonly trace: Trace; readonly format: TraceFileFormat }
  | { readonly ok: false; readonly error: TraceError };

type ImportFailure = Extract<ImportResult, { ok: false }>;

/** As ImportResult, with the trace as columns (columns.ts). */
export type ColumnsImportResult =
  | { readonly ok: true; readonly columns: TraceColumns; readonly format: TraceFileFormat }
  | { readonly ok: false; readonly error: TraceError };

/** A Blob or File, or anything shaped like one (tests pass a fake with a huge `size`). */
export interface BlobLike {
  readonly size: number;
  text(): Promise<string>;
  stream?(): ReadableStream<Uint8Array>;
  /** When present, the file is read as bytes, and one too big for a string is parsed as bytes. */
  arrayBuffer?(): Promise<ArrayBuffer>;
}

export type TraceInput = string | ArrayBuffer | ArrayBufferView;

export interface ImportOptions {
  /** Refuse inputs larger than this many bytes (characters, for text). Default MAX_IMPORT_BYTES. */
  maxBytes?: number;
}

export interface ImportProgress {
  readonly phase: "read" | "parse" | "check";
  /** Bytes read, or records checked. */
  readonly done: number;
  readonly total: number;
}

export interface AsyncImportOptions extends ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** How long (ms) to work before pausing for the host's other work. Default 25. */
  sliceMs?: number;
  /**
   * Bytes up to which a file read as bytes is decoded into one string and parsed by one
   * JSON.parse: faster than in batches (2.2–2.5 s against 3.5–4.2 s for a 122 MB file), and
   * its errors are JSON.parse's own, with line and column. A larger file is parsed as bytes,
   * never as one string (V8's longest is near 512 MiB). Default 256 MiB.
   */
  textBytes?: number;
  /** Bytes of a large array parsed at once when a file is read as bytes (json-bytes.ts); tests make it tiny. */
  batchBytes?: number;
}

function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

function sizeError(size: number, max: number, unit: "bytes" | "characters"): ImportFailure {
  const what = unit === "bytes" ? formatBytes(size) : `${size} characters`;
  return { ok: false, error: { path: "$", message: `the file is too large to import: ${what}; aioscope imports files of up to ${formatBytes(max)}` } };
}

function failure(path: string, message: string): ImportFailure {
  return { ok: false, error: { path, message } };
}

function toText(input: TraceInput, max: number): { text: string } | ImportResult {
  if (typeof input === "string") {
    if (input.length > max) return sizeError(input.length, max, "characters");
    return { text: input.charCodeAt(0) === 0xfeff ? input.slice(1) : input };
  }
  let bytes: Uint8Array;
  if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else if (ArrayBuffer.isView(input)) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  else return failure("$", `expected the file as text, an ArrayBuffer or a Uint8Array, got ${input === null ? "null" : typeof input}`);
  if (bytes.byteLength > max) return sizeError(bytes.byteLength, max, "bytes");
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return failure("$", "the file is not UTF-8 text (JSON must be UTF-8)");
  }
}

/** JSON.parse, with the position of a syntax error turned into line and column, and truncation named. */
function parse(text: string): { value: unknown } | ImportResult {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const match = /position (\d+)/.exec(message);
    let where = "";
    let truncated = /end of JSON input|Unterminated/i.test(message);
    // "Unexpected end of JSON input" gives no position: the text ended where the error is.
    if (match !== null || truncated) {
      const position = match !== null ? Number(match[1]) : text.length;
      const before = text.slice(0, position);
      const line = before.split("\n").length;
      const column = position - before.lastIndexOf("\n");
      where = ` at line ${line}, column ${column}`;
      if (position >= text.trimEnd().length - 1) truncated = true;
    }
    if (text.trim() === "") return failure("$", "the file is empty");
    const hint = truncated ? "the file is truncated: it ends before the JSON does" : "the file is not valid JSON";
    return failure("$", `${hint}${where} (${message.replace(/\s*\(line \d+ column \d+\)/, "")})`);
  }
}

type Reading = Generator<number, Trace>;

/** Which of our formats `raw` is, or why it is neither. */
function detect(raw: unknown): { format: TraceFileFormat; reading: Reading } | ImportResult {
  if (Array.isArray(raw)) {
    return failure("$", "this is a Chrome trace in array form, not written by aioscope: aioscope imports its own files (aioscope JSON, or its Chrome export with otherData.aioscope)");
  }
  if (typeof raw !== "object" || raw === null) return failure("$", `expected a JSON object (an aioscope trace), got ${raw === null ? "null" : typeof raw}`);
  const top = raw as Record<string, unknown>;
  if ("format" in top) {
    if (top.format !== TRACE_FORMAT) return failure("$.format", `not an aioscope trace: format is ${JSON.stringify(top.format)}, expected "${TRACE_FORMAT}"`);
    if (top.version !== TRACE_VERSION) {
      const error = versionError("$.version", top.version);
      return failure(error.path, error.message);
    }
    return { format: "aioscope", reading: readTrace(raw) };
  }
  if (Array.isArray(top.traceEvents)) {
    if (!isAioscopeChromeTrace(raw)) {
      return failure("$.otherData", "this Chrome trace was not written by aioscope (it has no otherData.aioscope): aioscope imports only traces it exported");
    }
    return { format: "chrome", reading: readChromeTrace(top) };
  }
  return failure("$", `not an aioscope trace: expected "format": "${TRACE_FORMAT}" or a Chrome trace with traceEvents`);
}

function caught(error: unknown): ImportFailure {
  if (error instanceof TraceInputError) return failure(error.path, error.message);
  if (error instanceof RangeError) return failure("$", `the trace is too large to process here: ${error.message}`);
  return failure("$", `the trace could not be read: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Reads a whole trace at once.
 *
 * @example
 * const result = importTrace(text);
 * if (result.ok) show(result.trace); else report(`${result.error.path}: ${result.error.message}`);
 */
export function importTrace(input: TraceInput, options: ImportOptions = {}): ImportResult {
  try {
    const decoded = toText(input, options.maxBytes ?? MAX_IMPORT_BYTES);
    if (!("text" in decoded)) return decoded;
    // Our own Chrome export is read without JSON.parse, unless it turns out not to be laid out as we write it.
    const own = readOwnLayout(decoded.text);
    if (own !== null) {
      try {
        for (;;) {
          const step = own.reading.next();
          if (step.done === true) return { ok: true, trace: step.value, format: "chrome" };
        }
      } catch (error) {
        if (!(error instanceof NotOurLayout)) throw error;
      }
    }
    const parsed = parse(decoded.text);
    if (!("value" in parsed)) return parsed;
    const detected = detect(parsed.value);
    if (!("reading" in detected)) return detected;
    for (;;) {
      const step = detected.reading.next();
      if (step.done === true) return { ok: true, trace: step.value, format: detected.format };
    }
  } catch (error) {
    return caught(error);
  }
}

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

function isBlobLike(input: unknown): input is BlobLike {
  return typeof input === "object" && input !== null && typeof (input as BlobLike).size === "number" && typeof (input as BlobLike).text === "function";
}

async function readBlob(blob: BlobLike, options: AsyncImportOptions): Promise<string> {
  const total = blob.size;
  if (typeof blob.stream !== "function") {
    options.onProgress?.({ phase: "read", done: 0, total });
    return blob.text();
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parts: string[] = [];
  let done = 0;
  const reader = blob.stream().getReader();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done === true) break;
    done += chunk.value.byteLength;
    parts.push(decoder.decode(chunk.value, { stream: true }));
    options.onProgress?.({ phase: "read", done, total });
    if (options.signal?.aborted === true) {
      await reader.cancel();
      throw new ImportCancelled("the import was cancelled");
    }
  }
  parts.push(decoder.decode());
  const text = parts.join("");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

class ImportCancelled extends Error {}

const aborted = (options: AsyncImportOptions): boolean => options.signal?.aborted === true;

/**
 * Reads a trace in slices, reporting progress and pausing between slices; for the panel's
 * worker. Accepts a Blob/File too, whose size is checked before a byte is read; one that can
 * give its bytes (`arrayBuffer`) and is larger than `textBytes` is parsed as bytes.
 *
 * @example
 * const result = await importTraceAsync(file, { onProgress: (p) => post({ kind: "progress", data: p }) });
 */
export async function importTraceAsync(input: TraceInput | BlobLike, options: AsyncImportOptions = {}): Promise<ImportResult> {
  const max = options.maxBytes ?? MAX_IMPORT_BYTES;
  try {
    let text: string;
    if (isBlobLike(input)) {
      if (input.size > max) return sizeError(input.size, max, "bytes");
      if (typeof input.arrayBuffer === "function") {
        options.onProgress?.({ phase: "read", done: 0, total: input.size });
        const bytes = new Uint8Array(await input.arrayBuffer());
        if (aborted(options)) return cancelled();
        return await importBytes(bytes, options);
      }
      try {
        text = await readBlob(input, options);
      } catch (error) {
        if (error instanceof ImportCancelled) return cancelled();
        if (error instanceof TypeError) return notUtf8();
        throw error;
      }
    } else {
      const decoded = toText(input, max);
      if (!("text" in decoded)) return decoded;
      text = decoded.text;
    }
    if (aborted(options)) return cancelled();
    return await importText(text, options);
  } catch (error) {
    return caught(error);
  }
}

const cancelled = (): ImportFailure => failure("$", "the import was cancelled");
const notUtf8 = (): ImportFailure => failure("$", "the file is not UTF-8 text (JSON must be UTF-8)");

async function importText(text: string, options: AsyncImportOptions): Promise<ImportResult> {
  const own = readOwnLayout(text);
  if (own !== null) {
    try {
      return await drive(own.reading, own.events, "chrome", options);
    } catch (error) {
      if (!(error instanceof NotOurLayout)) throw error;
    }
  }
  options.onProgress?.({ phase: "parse", done: 0, total: text.length });
  await pause();
  const parsed = parse(text);
  if (!("value" in parsed)) return parsed;
  return await check(parsed.value, options);
}

/** Finds which of our formats `raw` is and reads it in slices. */
async function check(raw: unknown, options: AsyncImportOptions): Promise<ImportResult> {
  const detected = detect(raw);
  if (!("reading" in detected)) return detected;
  const top = raw as Record<string, unknown>;
  const total = detected.format === "aioscope" ? countRecords(top) : (top.traceEvents as unknown[]).length + countRecords(top);
  return await drive(detected.reading, total, detected.format, options);
}

/** The first bytes of aioscope's own Chrome export, which its line reader reads fastest as text. */
const CHROME_EXPORT_START = new TextEncoder().encode('{"otherData":');

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[k] !== prefix[k]) return false;
  return true;
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  let k = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (k < bytes.length && (bytes[k] === 0x20 || bytes[k] === 0x0a || bytes[k] === 0x0d || bytes[k] === 0x09)) k++;
  return bytes[k];
}

/**
 * A file as bytes. Up to `textBytes`, and whatever its size for our Chrome export or anything
 * that is not a JSON object, it takes the text path, whose checks and messages are the
 * established ones. A larger JSON object is parsed without one string of it.
 */
async function importBytes(bytes: Uint8Array, options: AsyncImportOptions): Promise<ImportResult> {
  const asText = async (): Promise<ImportResult> => {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return notUtf8();
    }
    return await importText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options);
  };
  if (bytes.length <= (options.textBytes ?? TEXT_BYTES) || !isJsonObjectNotOurChromeExport(bytes)) return await asText();
  const read = await readLazily(bytes, options);
  if (!("raw" in read)) return read;
  let raw: RawObject;
  try {
    raw = parseLazyMembers(read.raw);
  } catch (error) {
    return bytesFailure(bytes, error);
  }
  return await check(raw, options);
}

/** A JSON object, and not aioscope's Chrome export (which its own line reader reads fastest as text). */
function isJsonObjectNotOurChromeExport(bytes: Uint8Array): boolean {
  return !startsWith(bytes, CHROME_EXPORT_START) && firstNonSpace(bytes) === 0x7b;
}

type RawObject = Record<string, unknown>;

/** The document's object, its arrays left to be parsed a batch at a time (json-bytes.ts), or why it is not JSON. */
async function readLazily(bytes: Uint8Array, options: AsyncImportOptions): Promise<{ raw: RawObject } | ImportFailure> {
  options.onProgress?.({ phase: "parse", done: 0, total: bytes.length });
  try {
    return { raw: await slices(readJsonObjectBytes(bytes, options.batchBytes), (done) => options.onProgress?.({ phase: "parse", done, total: bytes.length }), options) };
  } catch (error) {
    return bytesFailure(bytes, error);
  }
}

/** The failure for what reading bytes threw: not UTF-8, not JSON (at which line and column), cancelled. */
function bytesFailure(bytes: Uint8Array, error: unknown): ImportFailure {
  if (error instanceof ImportCancelled) return cancelled();
  if (error instanceof TypeError) return notUtf8();
  if (!(error instanceof JsonBytesError)) throw error;
  const hint = error.truncated ? "the file is truncated: it ends before the JSON does" : "the file is not valid JSON";
  return failure("$", `${hint} at ${bytePlace(bytes, error.offset)} (${error.message})`);
}

export interface ColumnsImportOptions extends AsyncImportOptions {
  /**
   * Called with each of the four large collections as columns as soon as it is checked, in
   * the order tasks, steps, awaits, resource operations: a reader can rebuild one while the
   * next is checked. A result that is ok has handed on all four; a failure may come after
   * some, which are then worthless.
   */
  onPart?: (part: ColumnsPart) => void;
}

/**
 * Imports a file into columns (columns.ts), for the panel's import worker: what
 * `importTraceAsync` reads, with the same checks and errors. An aioscope file read as bytes
 * goes straight into columns, its largest collections read a record at a time and never
 * held as objects: a million-task file imports several times faster, in a fraction of the
 * memory.
 */
export async function importColumnsAsync(input: TraceInput | BlobLike, options: ColumnsImportOptions = {}): Promise<ColumnsImportResult> {
  const asColumns = (result: ImportResult): ColumnsImportResult => {
    if (!result.ok) return result;
    const columns = toColumns(result.trace);
    if (options.onPart !== undefined) for (const part of partsOf(columns)) options.onPart(part);
    return { ok: true, columns, format: result.format };
  };
  const max = options.maxBytes ?? MAX_IMPORT_BYTES;
  if (!isBlobLike(input) || typeof input.arrayBuffer !== "function") return asColumns(await importTraceAsync(input, options));
  let bytes: Uint8Array;
  try {
    if (input.size > max) return sizeError(input.size, max, "bytes");
    options.onProgress?.({ phase: "read", done: 0, total: input.size });
    bytes = new Uint8Array(await input.arrayBuffer());
    if (aborted(options)) return cancelled();
  } catch (error) {
    return caught(error);
  }
  if (!isJsonObjectNotOurChromeExport(bytes)) return asColumns(await importBytes(bytes, { ...options, textBytes: Infinity }));
  try {
    const read = await readLazily(bytes, options);
    if (!("raw" in read)) return read;
    // Not ours, or a Chrome trace: the general path, with every collection in memory.
    if (!("format" in read.raw)) return asColumns(await check(parseLazyMembers(read.raw), options));
    const raw = wholeButLargeCollections(read.raw);
    const detected = detect(raw);
    if (!("reading" in detected)) return asColumns(detected);
    const columns = await checkInSlices(readTraceColumns(raw, options.onPart), countRecords(raw), options);
    return { ok: true, columns, format: "aioscope" };
  } catch (error) {
    if (error instanceof TraceInputError || error instanceof RangeError) return caught(error);
    try {
      return bytesFailure(bytes, error);
    } catch (unexpected) {
      return caught(unexpected);
    }
  }
}

/** "line L, column C" of a byte offset (the column in bytes). */
function bytePlace(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0 && at < offset; at = bytes.indexOf(0x0a, at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/**
 * Runs a generator that yields how far it got, in slices of `sliceMs`: between slices it
 * reports progress and pauses for the host's other work. Throws ImportCancelled when aborted.
 */
export async function slices<T>(work: Generator<number, T>, report: (done: number) => void, options: AsyncImportOptions): Promise<T> {
  const sliceMs = options.sliceMs ?? 25;
  let sliceStart = now();
  for (;;) {
    const step = work.next();
    if (step.done === true) return step.value;
    if (now() - sliceStart >= sliceMs) {
      report(step.value);
      await pause();
      if (aborted(options)) throw new ImportCancelled("the import was cancelled");
      sliceStart = now();
    }
  }
}

/** A reading checked in slices (checkInSlices): the trace, or the cancellation as a failure. */
async function drive(reading: Reading, total: number, format: TraceFileFormat, options: AsyncImportOptions): Promise<ImportResult> {
  try {
    return { ok: true, trace: await checkInSlices(reading, total, options), format };
  } catch (error) {
    if (error instanceof ImportCancelled) return cancelled();
    throw error;
  }
}

/**
 * Runs a reader that yields how many records it checked, in slices, reporting "check"
 * progress out of `total`; returns what it read. Throws ImportCancelled when aborted.
 */
async function checkInSlices<T>(reading: Generator<number, T>, total: number, options: AsyncImportOptions): Promise<T> {
  let done = 0;
  options.onProgress?.({ phase: "check", done, total });
  const counted = (function* (): Generator<number, T> {
    for (;;) {
      const step = reading.next();
      if (step.done === true) return step.value;
      done += step.value;
      yield Math.min(done, total);
    }
  })();
  const result = await slices(counted, (progress) => options.onProgress?.({ phase: "check", done: progress, total }), options);
  options.onProgress?.({ phase: "check", done: total, total });
  return result;
}
