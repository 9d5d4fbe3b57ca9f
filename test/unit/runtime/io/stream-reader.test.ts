/**
 * StreamReader on its own (fed by hand, as CPython's test_streams does): read, readline,
 * readexactly, readuntil and their limits, errors set by the transport, one waiter at a
 * time, and cancellation of a waiting read.
 */
import { describe, expect, test } from "vitest";
import {
  CancelledError, IncompleteReadError, LimitOverrunError, RuntimeError, StreamReader, createTask, getRunningLoop, run, sleep,
  addInstrument, removeInstrument, type AwaitTarget, type Instrument,
} from "../../../../src/runtime/index.ts";
import { decode, encode } from "./io-helpers.ts";

const DATA = "line1\nline2\nline3\n";

/** Runs `body` with a fresh reader; `later(fn)` feeds it from a loop callback, as a transport would. */
function withReader<T>(body: (reader: StreamReader, later: (fn: () => void) => void) => Generator<unknown, T, unknown>, limit?: number): Promise<T> {
  return run(function* () {
    const reader = new StreamReader("test peer", limit);
    const loop = getRunningLoop();
    return yield* body(reader, (fn) => { loop.callSoon(fn); });
  });
}

describe("StreamReader", () => {
  test("an invalid limit is refused (test_invalid_limit)", () => {
    expect(() => new StreamReader("p", 0)).toThrow(/limit/);
    expect(() => new StreamReader("p", -1)).toThrow(/limit/);
  });

  test("read(n) waits for data, returns what is there up to n; read() reads to the end (test_read, test_read_line_breaks, test_read_until_eof)", async () => {
    const result = await withReader(function* (reader, later) {
      later(() => reader.feedData(encode(DATA)));
      const first = decode(yield* reader.read(5));
      const zero = (yield* reader.read(0)).length;
      later(() => { reader.feedData(encode("chunk1\n")); reader.feedData(encode("chunk2")); reader.feedEof(); });
      const rest = decode(yield* reader.read());
      const after = (yield* reader.read(10)).length;
      return { first, zero, rest, after, eof: reader.atEof() };
    });
    expect(result).toEqual({ first: "line1", zero: 0, rest: "\nline2\nline3\nchunk1\nchunk2", after: 0, eof: true });
  });

  test("readline across chunks, the rest at the end, then empty (test_readline, test_readline_eof)", async () => {
    const lines = await withReader(function* (reader, later) {
      reader.feedData(encode("chunk1 "));
      later(() => { reader.feedData(encode("chunk2 ")); reader.feedData(encode("chunk3 ")); reader.feedData(encode("\n chunk4")); reader.feedEof(); });
      const out: string[] = [];
      for (let i = 0; i < 3; i++) out.push(decode(yield* reader.readline()));
      return out;
    });
    expect(lines).toEqual(["chunk1 chunk2 chunk3 \n", " chunk4", ""]);
  });

  test("readline longer than the limit: LimitOverrunError, and the long line is thrown away (test_readline_limit)", async () => {
    const result = await withReader(function* (reader) {
      reader.feedData(encode("chunk1"));
      reader.feedData(encode("chunk2\n"));
      reader.feedData(encode("chunk3\n"));
      let error: unknown = null;
      try {
        yield* reader.readline();
      } catch (e) {
        error = e;
      }
      return { error, next: decode(yield* reader.readline()) };
    }, 7);
    expect(result.error).toBeInstanceOf(LimitOverrunError);
    expect(result.next).toBe("chunk3\n");
  });

  test("readuntil with a multi-byte separator across chunks (test_readuntil_multi_chunks_1)", async () => {
    const results = await withReader(function* (reader) {
      const out: string[] = [];
      for (const chunks of [["QWEaa", "XYaa", "a"], ["QWEaa", "XYa", "aa"], ["aaa"], ["Xaaa"], ["XXX", "a", "a", "a"]]) {
        for (const chunk of chunks) reader.feedData(encode(chunk));
        out.push(decode(yield* reader.readuntil("aaa")));
      }
      return out;
    });
    expect(results).toEqual(["QWEaaXYaaa", "QWEaaXYaaa", "aaa", "Xaaa", "XXXaaa"]);
  });

  test("readuntil at the end: IncompleteReadError with everything read and expected null (test_readuntil_eof)", async () => {
    const error = await withReader(function* (reader) {
      reader.feedData(encode("some dataAA"));
      reader.feedEof();
      try {
        yield* reader.readuntil(encode("AAA"));
        return null;
      } catch (e) {
        return e as IncompleteReadError;
      }
    });
    expect(error).toBeInstanceOf(IncompleteReadError);
    expect(decode(error!.partial)).toBe("some dataAA");
    expect(error!.expected).toBeNull();
    expect(error!.message).toMatch(/undefined expected bytes/);
  });

  test("readuntil over the limit: 'not found', then 'is found', nothing consumed (test_readuntil_limit_found_sep)", async () => {
    const result = await withReader(function* (reader) {
      const messages: string[] = [];
      reader.feedData(encode("some dataAA"));
      try { yield* reader.readuntil("AAA"); } catch (e) { messages.push((e as LimitOverrunError).message); }
      reader.feedData(encode("A"));
      try { yield* reader.readuntil("AAA"); } catch (e) { messages.push((e as LimitOverrunError).message); }
      return { messages, all: decode(yield* reader.read(100)) };
    }, 3);
    expect(result.messages[0]).toMatch(/not found/);
    expect(result.messages[1]).toMatch(/is found/);
    expect(result.all).toBe("some dataAAA");
    await expect(withReader(function* (reader) { return yield* reader.readuntil(""); })).rejects.toThrow(/at least one byte/);
  });

  test("readexactly: waits for n bytes; at the end IncompleteReadError with partial and expected (test_readexactly, test_readexactly_eof)", async () => {
    const result = await withReader(function* (reader, later) {
      const n = 2 * DATA.length;
      later(() => { reader.feedData(encode(DATA)); reader.feedData(encode(DATA)); reader.feedData(encode(DATA)); });
      const exact = decode(yield* reader.readexactly(n));
      const zero = (yield* reader.readexactly(0)).length;
      later(() => reader.feedEof());
      try {
        yield* reader.readexactly(n);
        return null;
      } catch (e) {
        const error = e as IncompleteReadError;
        return { exact, zero, partial: decode(error.partial), expected: error.expected, message: error.message, eof: reader.atEof() };
      }
    });
    expect(result).toEqual({ exact: DATA + DATA, zero: 0, partial: DATA, expected: 36, message: "18 bytes read on a total of 36 expected bytes", eof: true });
    await expect(withReader(function* (reader) { return yield* reader.readexactly(-1); })).rejects.toThrow(RangeError);
  });

  test("an error set by the transport is raised by the waiting read and the next ones (test_exception_waiter, test_readexactly_exception)", async () => {
    const result = await withReader(function* (reader, later) {
      reader.feedData(encode("line\n"));
      const first = decode(yield* reader.readexactly(2));
      const failure = new Error("connection reset");
      const waiting = createTask(function* () { return yield* reader.readexactly(10); });
      later(() => reader.setException(failure));
      const errors: unknown[] = [];
      try { yield* waiting; } catch (e) { errors.push(e); }
      try { yield* reader.readline(); } catch (e) { errors.push(e); }
      return { first, same: errors.every((e) => e === failure) && errors.length === 2, stored: reader.exception() === failure };
    });
    expect(result).toEqual({ first: "li", same: true, stored: true });
  });

  test("only one task may wait for data at a time", async () => {
    const message = await withReader(function* (reader) {
      const first = createTask(function* () { return yield* reader.read(1); });
      yield* sleep(0);
      try {
        yield* reader.readline();
        return "no error";
      } catch (e) {
        first.cancel();
        return e instanceof RuntimeError ? e.message : String(e);
      }
    });
    expect(message).toMatch(/readuntil\(\) called while another task is already waiting/);
  });

  test("a cancelled read leaves the data for the next one, and the reader usable (test_exception_cancel)", async () => {
    const result = await withReader(function* (reader, later) {
      const reading = createTask(function* () { return yield* reader.readline(); });
      yield* sleep(0);
      reading.cancel();
      let cancelled = false;
      try { yield* reading; } catch (e) { cancelled = e instanceof CancelledError; }
      later(() => reader.feedData(encode("kept\n")));
      return { cancelled, line: decode(yield* reader.readline()) };
    });
    expect(result).toEqual({ cancelled: true, line: "kept\n" });
  });

  test("a wait for data is instrumented as \"stream.read\" labelled with the peer", async () => {
    const targets: AwaitTarget[] = [];
    const instrument: Instrument = { afterTaskStep(_t, waitingOn) { if (waitingOn !== null) targets.push(waitingOn); } };
    addInstrument(instrument);
    try {
      await withReader(function* (reader, later) {
        later(() => reader.feedData(encode("x\n")));
        return yield* reader.readline();
      });
    } finally {
      removeInstrument(instrument);
    }
    expect(targets).toContainEqual({ kind: "stream.read", label: "test peer" });
  });
});
