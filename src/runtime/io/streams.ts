/**
 * Streams (asyncio/streams.py): a StreamReader buffering what a transport receives and a
 * StreamWriter writing to it with flow control, joined by a StreamProtocol that the host's
 * transport (a Node socket, a child's pipe, a WebSocket) drives. The host part lives with
 * the host; everything here is the same in Node and in pages. Waits are instrumented as
 * "stream.read" and "stream.drain", labelled with the peer.
 */
import { getRunningLoop } from "../current.ts";
import { RuntimeError } from "../errors.ts";
import type { Operation } from "../future.ts";
import { sleep } from "../sleep.ts";
import { IoWait } from "./io-wait.ts";
import { ConnectionResetError, IncompleteReadError, LimitOverrunError } from "./stream-errors.ts";

/** asyncio's default limit: the most `readuntil`/`readline` buffer while looking for a separator. */
export const DEFAULT_LIMIT = 64 * 1024;

/**
 * What a host gives a stream: bytes out, and control over bytes in. It reports back through
 * the StreamProtocol it was made for (data, end, loss, and write buffer above/below its
 * high-water mark).
 */
export interface StreamTransport {
  write(data: Uint8Array): void;
  /** Half-closes: the peer reads the end of the stream; reading goes on. */
  writeEof(): void;
  canWriteEof(): boolean;
  /** Flushes what is buffered, then closes. */
  close(): void;
  isClosing(): boolean;
  pauseReading(): void;
  resumeReading(): void;
}

const EMPTY = new Uint8Array(0);

/** Received bytes not yet read: a window over one growable array. */
class ByteBuffer {
  private bytes = new Uint8Array(1024);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  append(data: Uint8Array): void {
    if (this.end + data.length > this.bytes.length) {
      const needed = this.length + data.length;
      const next = needed * 2 <= this.bytes.length ? this.bytes : new Uint8Array(Math.max(needed * 2, 1024));
      next.set(this.bytes.subarray(this.start, this.end));
      this.bytes = next;
      this.end -= this.start;
      this.start = 0;
    }
    this.bytes.set(data, this.end);
    this.end += data.length;
  }

  /** Removes and returns the first `n` bytes (a copy the caller owns). */
  take(n: number): Uint8Array {
    const count = Math.min(n, this.length);
    const taken = this.bytes.slice(this.start, this.start + count);
    this.start += count;
    if (this.start === this.end) this.start = this.end = 0;
    return taken;
  }

  drop(n: number): void {
    this.take(n);
  }

  clear(): void {
    this.start = this.end = 0;
  }

  indexOf(separator: Uint8Array, from: number): number {
    const last = this.end - separator.length;
    const first = separator[0];
    outer: for (let i = this.start + from; i <= last; i++) {
      if (this.bytes[i] !== first) continue;
      for (let j = 1; j < separator.length; j++) if (this.bytes[i + j] !== separator[j]) continue outer;
      return i - this.start;
    }
    return -1;
  }

  startsWith(separator: Uint8Array, at: number): boolean {
    if (this.length - at < separator.length) return false;
    for (let j = 0; j < separator.length; j++) if (this.bytes[this.start + at + j] !== separator[j]) return false;
    return true;
  }
}

function checkBytes(data: unknown, what: string): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`${what}: expected a Uint8Array, got ${data === null ? "null" : typeof data}`);
  return data;
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n)) throw new TypeError(`${what}: the byte count must be an integer, got ${n}`);
}

/**
 * Reads from a connection or a pipe. Only one task may wait for data at a time, as in asyncio.
 *
 * @example
 * const line = yield* reader.readline();       // up to and including "\n"; empty at the end
 * const header = yield* reader.readexactly(4);  // IncompleteReadError if the stream ends first
 */
export class StreamReader {
  /** @internal */ readonly _buffer = new ByteBuffer();
  /** @internal */ _eof = false;
  /** @internal */ _exception: unknown = null;
  /** @internal */ _waiter: IoWait<void> | null = null;
  /** @internal */ _transport: StreamTransport | null = null;
  /** @internal */ _paused = false;

  /** @param peer what the data comes from, as instruments label the wait ("127.0.0.1:8000", "stdout of ls") */
  constructor(readonly peer: string, private readonly limit = DEFAULT_LIMIT) {
    if (!(limit > 0)) throw new RangeError(`StreamReader: the limit must be positive, got ${limit}`);
  }

  exception(): unknown {
    return this._exception;
  }

  /** True once the stream has ended and every byte has been read. */
  atEof(): boolean {
    return this._eof && this._buffer.length === 0;
  }

  /** @internal The transport this reader pauses when too much is buffered. */
  _setTransport(transport: StreamTransport): void {
    this._transport = transport;
  }

  feedData(data: Uint8Array): void {
    if (this._eof) throw new RuntimeError("feedData after feedEof");
    if (data.length === 0) return;
    this._buffer.append(data);
    this.wakeWaiter();
    if (this._transport !== null && !this._paused && this._buffer.length > 2 * this.limit) {
      this._transport.pauseReading();
      this._paused = true;
    }
  }

  feedEof(): void {
    this._eof = true;
    this.wakeWaiter();
  }

  setException(error: unknown): void {
    this._exception = error;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      waiter.reject(error);
    }
  }

  /**
   * Up to `n` bytes; fewer if fewer are buffered; an empty array at the end of the stream.
   * `read()` (or any negative `n`) reads until the end.
   */
  read(n = -1): Operation<Uint8Array> {
    return { [Symbol.iterator]: () => this._read(n) };
  }

  /** Up to and including the next "\n"; the remaining bytes at the end; empty once all is read. */
  readline(): Operation<Uint8Array> {
    return { [Symbol.iterator]: () => this._readline() };
  }

  /** Exactly `n` bytes, or IncompleteReadError (with what was read) if the stream ends first. */
  readexactly(n: number): Operation<Uint8Array> {
    return { [Symbol.iterator]: () => this._readexactly(n) };
  }

  /**
   * Up to and including `separator` (bytes, or a string encoded as UTF-8). IncompleteReadError
   * at the end of the stream; LimitOverrunError if the limit is reached first (nothing consumed).
   */
  readuntil(separator: Uint8Array | string = "\n"): Operation<Uint8Array> {
    return { [Symbol.iterator]: () => this._readuntil(separator) };
  }

  private *_read(n: number): Generator<unknown, Uint8Array, unknown> {
    checkCount(n, "read()");
    this.raiseIfFailed();
    if (n === 0) return EMPTY;
    if (n < 0) {
      const blocks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const block = yield* this._read(this.limit);
        if (block.length === 0) break;
        blocks.push(block);
        total += block.length;
      }
      const all = new Uint8Array(total);
      let at = 0;
      for (const block of blocks) {
        all.set(block, at);
        at += block.length;
      }
      return all;
    }
    if (this._buffer.length === 0 && !this._eof) yield* this.waitForData("read");
    const data = this._buffer.take(n);
    this.maybeResumeTransport();
    return data;
  }

  private *_readline(): Generator<unknown, Uint8Array, unknown> {
    const separator = NEWLINE;
    try {
      return yield* this._readuntil(separator);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial;
      if (error instanceof LimitOverrunError) {
        // As asyncio: the too-long line is thrown away, so the next read starts after it.
        if (this._buffer.startsWith(separator, error.consumed)) this._buffer.drop(error.consumed + separator.length);
        else this._buffer.clear();
        this.maybeResumeTransport();
      }
      throw error;
    }
  }

  private *_readexactly(n: number): Generator<unknown, Uint8Array, unknown> {
    checkCount(n, "readexactly()");
    if (n < 0) throw new RangeError(`readexactly(): the byte count must not be negative, got ${n}`);
    this.raiseIfFailed();
    if (n === 0) return EMPTY;
    while (this._buffer.length < n) {
      if (this._eof) {
        const partial = this._buffer.take(this._buffer.length);
        throw new IncompleteReadError(partial, n);
      }
      yield* this.waitForData("readexactly");
    }
    const data = this._buffer.take(n);
    this.maybeResumeTransport();
    return data;
  }

  private *_readuntil(sep: Uint8Array | string): Generator<unknown, Uint8Array, unknown> {
    const separator = typeof sep === "string" ? new TextEncoder().encode(sep) : checkBytes(sep, "readuntil()");
    if (separator.length === 0) throw new RangeError("readuntil(): the separator must be at least one byte");
    this.raiseIfFailed();
    let offset = 0;
    let found: number;
    for (;;) {
      const length = this._buffer.length;
      if (length - offset >= separator.length) {
        found = this._buffer.indexOf(separator, offset);
        if (found !== -1) break;
        offset = length + 1 - separator.length;
        if (offset > this.limit) throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
      }
      if (this._eof) {
        const partial = this._buffer.take(this._buffer.length);
        throw new IncompleteReadError(partial, null);
      }
      yield* this.waitForData("readuntil");
    }
    if (found > this.limit) throw new LimitOverrunError("Separator is found, but chunk is longer than limit", found);
    const chunk = this._buffer.take(found + separator.length);
    this.maybeResumeTransport();
    return chunk;
  }

  private raiseIfFailed(): void {
    if (this._exception !== null) throw this._exception;
  }

  private *waitForData(method: string): Generator<unknown, void, unknown> {
    if (this._waiter !== null) {
      throw new RuntimeError(`${method}() called while another task is already waiting for incoming data`);
    }
    if (this._paused) {
      this._paused = false;
      this._transport?.resumeReading();
    }
    const waiter = new IoWait<void>(getRunningLoop(), "stream.read", this.peer);
    this._waiter = waiter;
    try {
      yield* waiter;
    } finally {
      if (this._waiter === waiter) this._waiter = null;
    }
    this.raiseIfFailed();
  }

  private wakeWaiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      waiter.resolve(undefined);
    }
  }

  private maybeResumeTransport(): void {
    if (this._paused && this._buffer.length <= this.limit) {
      this._paused = false;
      this._transport?.resumeReading();
    }
  }
}

const NEWLINE = new Uint8Array([0x0a]);

/**
 * The link between a host transport and its streams (asyncio.StreamReaderProtocol): the
 * transport calls these as things happen, from host callbacks, in any order a host produces.
 */
export class StreamProtocol {
  /** @internal */ _transport: StreamTransport | null = null;
  /** @internal */ _paused = false;
  /** @internal */ _connectionLost = false;
  /** @internal */ _lostError: unknown = null;
  /** @internal */ readonly _drainWaiters = new Set<IoWait<void>>();
  /** @internal */ readonly _closeWaiters = new Set<IoWait<void>>();
  /** @internal Called once when the connection is lost (the loop stops holding it). */
  _onLost: (() => void) | null = null;

  /** @param reader null for a write-only pipe (a child's stdin) */
  constructor(readonly reader: StreamReader | null, readonly peer: string) {}

  connectionMade(transport: StreamTransport): void {
    this._transport = transport;
    this.reader?._setTransport(transport);
  }

  dataReceived(data: Uint8Array): void {
    if (this.reader !== null && !this.reader._eof) this.reader.feedData(data);
  }

  eofReceived(): void {
    if (this.reader !== null && !this.reader._eof) this.reader.feedEof();
  }

  /** The transport is gone: `error` null for a clean close. Wakes readers, drainers and closers. */
  connectionLost(error: unknown): void {
    if (this._connectionLost) return;
    this._connectionLost = true;
    this._lostError = error;
    if (this.reader !== null) {
      if (error === null || error === undefined) {
        if (!this.reader._eof) this.reader.feedEof();
      } else {
        this.reader.setException(error);
      }
    }
    for (const waiter of this._drainWaiters) {
      if (error === null || error === undefined) waiter.resolve(undefined);
      else waiter.reject(error);
    }
    this._drainWaiters.clear();
    for (const waiter of this._closeWaiters) waiter.resolve(undefined);
    this._closeWaiters.clear();
    const onLost = this._onLost;
    this._onLost = null;
    if (onLost !== null) onLost();
  }

  /** The transport's write buffer went above its high-water mark. */
  pauseWriting(): void {
    this._paused = true;
  }

  /** …and back below its low-water mark: drains end. */
  resumeWriting(): void {
    if (!this._paused) return;
    this._paused = false;
    for (const waiter of this._drainWaiters) waiter.resolve(undefined);
    this._drainWaiters.clear();
  }

  /** @internal */
  *_drainHelper(): Generator<unknown, void, unknown> {
    if (this._connectionLost) throw new ConnectionResetError("Connection lost", { cause: this._lostError ?? undefined });
    if (!this._paused) return;
    const waiter = new IoWait<void>(getRunningLoop(), "stream.drain", this.peer, () => this._drainWaiters.delete(waiter));
    this._drainWaiters.add(waiter);
    yield* waiter;
  }

  /** @internal */
  *_waitClosed(): Generator<unknown, void, unknown> {
    if (this._connectionLost) return;
    const waiter = new IoWait<void>(getRunningLoop(), "stream.drain", `close ${this.peer}`, () => this._closeWaiters.delete(waiter));
    this._closeWaiters.add(waiter);
    yield* waiter;
  }
}

/**
 * Writes to a connection or a pipe. `write` buffers and never blocks; `drain()` waits while
 * the transport holds more than its high-water mark, which is how a fast writer keeps pace
 * with a slow peer.
 *
 * @example
 * writer.write(new TextEncoder().encode("hello\n"));
 * yield* writer.drain();
 * writer.close();
 * yield* writer.waitClosed();
 */
export class StreamWriter {
  constructor(
    /** @internal */ readonly _transport: StreamTransport,
    /** @internal */ readonly _protocol: StreamProtocol,
    /** @internal */ readonly _reader: StreamReader | null,
  ) {}

  get peer(): string {
    return this._protocol.peer;
  }

  write(data: Uint8Array): void {
    checkBytes(data, "StreamWriter.write()");
    if (this._transport.isClosing()) return;
    if (data.length > 0) this._transport.write(data);
  }

  writelines(chunks: Iterable<Uint8Array>): void {
    for (const chunk of chunks) this.write(chunk);
  }

  writeEof(): void {
    this._transport.writeEof();
  }

  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  close(): void {
    this._transport.close();
  }

  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Waits until the transport has flushed below its high-water mark; ConnectionResetError if the connection is lost. */
  drain(): Operation<void> {
    return { [Symbol.iterator]: () => this._drain() };
  }

  /** Waits until the connection is closed (after `close()`, or by the peer). */
  waitClosed(): Operation<void> {
    return { [Symbol.iterator]: () => this._protocol._waitClosed() };
  }

  private *_drain(): Generator<unknown, void, unknown> {
    const error = this._reader?.exception() ?? null;
    if (error !== null) throw error;
    // As asyncio: a closing transport reports its loss on a later turn; let it.
    if (this._transport.isClosing()) yield* sleep(0);
    yield* this._protocol._drainHelper();
  }
}
