/**
 * TCP streams in Node, ported from CPython's test_streams where it is not about Python: an
 * echo server and client (start_server, open_connection), half-close, reading to the end,
 * flow control by drain(), refused connections, cancellation at every await, servers that
 * serve forever, and nothing left open once run() returns.
 */
import { describe, expect, test } from "vitest";
import {
  Event, addInstrument, createTask, openConnection, removeInstrument, run, sleep, startServer,
  type AwaitTarget, type Instrument, type Server, type StreamReader, type StreamWriter,
} from "../../../../src/runtime/index.ts";
import { decode, encode, outcomeWhenCancelled, remember, withoutLeaks } from "./io-helpers.ts";

/** The echo handler of CPython's test_start_server: one line back, then close. */
function* echoLine(reader: StreamReader, writer: StreamWriter): Generator<unknown, void, unknown> {
  const line = yield* reader.readline();
  writer.write(line);
  yield* writer.drain();
  writer.close();
  yield* writer.waitClosed();
}

function* client(port: number, text: string): Generator<unknown, string, unknown> {
  const [reader, writer] = yield* openConnection("127.0.0.1", port);
  writer.write(encode(text));
  const back = decode(yield* reader.readline());
  writer.close();
  yield* writer.waitClosed();
  return back;
}

function recordTargets(): { targets: AwaitTarget[]; stop(): void } {
  const targets: AwaitTarget[] = [];
  const instrument: Instrument = { afterTaskStep(_t, waitingOn) { if (waitingOn !== null) targets.push(waitingOn); } };
  addInstrument(instrument);
  return { targets, stop: () => removeInstrument(instrument) };
}

describe("TCP streams", () => {
  test("an echo server and a client (test_start_server), with a coroutine or a plain callback as handler", async () => {
    const replies = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const out: string[] = [];
      for (const handler of [
        echoLine,
        (reader: StreamReader, writer: StreamWriter) => { createTask(echoLine(reader, writer)); },
      ]) {
        const server = yield* startServer(handler, "127.0.0.1", 0);
        const { port } = server.address();
        expect(port).toBeGreaterThan(0);
        out.push(yield* client(port, "hello world!\n"));
        server.close();
        yield* server.waitClosed();
        expect(server.isServing()).toBe(false);
      }
      return out;
    }));
    expect(replies).toEqual(["hello world!\n", "hello world!\n"]);
  });

  test("several clients at once, each served by its own task", async () => {
    const replies = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const server = yield* startServer(echoLine, "127.0.0.1", 0);
      const { port } = server.address();
      const tasks = [1, 2, 3, 4, 5].map((n) => createTask(client(port, `client ${n}\n`)));
      const out: string[] = [];
      for (const task of tasks) out.push(yield* task);
      server.close();
      yield* server.waitClosed();
      return out;
    }));
    expect(replies).toEqual([1, 2, 3, 4, 5].map((n) => `client ${n}\n`));
  });

  test("half-close: the client's writeEof ends the server's read(); the reply still comes back", async () => {
    const reply = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const server = yield* startServer(function* (reader, writer) {
        const all = yield* reader.read();
        writer.write(encode(`got ${all.length} bytes, eof ${reader.atEof()}`));
        writer.close();
        yield* writer.waitClosed();
      }, "127.0.0.1", 0);
      const [reader, writer] = yield* openConnection("127.0.0.1", server.address().port);
      expect(writer.canWriteEof()).toBe(true);
      writer.write(encode("abc"));
      writer.write(encode("defg"));
      writer.writeEof();
      expect(() => writer.write(encode("more"))).toThrow(/after writeEof\(\) or close\(\)/);
      const text = decode(yield* reader.read());
      const eof = reader.atEof();
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return `${text}; client eof ${eof}`;
    }));
    expect(reply).toBe("got 7 bytes, eof true; client eof true");
  });

  test("drain() waits while the peer does not read, and resumes once it does", async () => {
    const recording = recordTargets();
    const CHUNK = 64 * 1024;
    const MAX_BYTES = 256 * 1024 * 1024;
    let written = 0;
    let result: { received: number; drainsThatWaited: number };
    try {
      result = await withoutLeaks((loops) => run(function* () {
        remember(loops);
        const startReading = new Event();
        let received = 0;
        const server = yield* startServer(function* (reader, writer) {
          yield* startReading.wait();
          for (;;) {
            const block = yield* reader.read(CHUNK);
            if (block.length === 0) break;
            received += block.length;
          }
          writer.close();
        }, "127.0.0.1", 0);
        const [, writer] = yield* openConnection("127.0.0.1", server.address().port, { highWaterMark: CHUNK });
        let drainsThatWaited = 0;
        const chunk = new Uint8Array(CHUNK).fill(7);
        // The system's socket buffers take a few MB before the writer's own buffer fills:
        // write until a drain has had to wait, then let the server read, then a few more.
        const sawDrainWait = (): boolean => recording.targets.some((t) => t.kind === "stream.drain");
        const watcher = createTask(function* () {
          while (!sawDrainWait()) yield* sleep(1);
          startReading.set();
        });
        let extra = 0;
        while (extra < 8 && written < MAX_BYTES) {
          writer.write(chunk);
          written += CHUNK;
          const before = recording.targets.length;
          yield* writer.drain();
          if (recording.targets.slice(before).some((t) => t.kind === "stream.drain")) drainsThatWaited++;
          if (startReading.isSet()) extra++;
        }
        yield* watcher;
        writer.close();
        yield* writer.waitClosed();
        server.close();
        yield* server.waitClosed();
        return { received, drainsThatWaited };
      }));
    } finally {
      recording.stop();
    }
    expect(result.received).toBe(written);
    expect(result.drainsThatWaited).toBeGreaterThan(0);
  });

  test("a refused connection fails with the host's error; nothing is left open", async () => {
    const error = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      // A port that was just free: nothing listens on it.
      const server = yield* startServer(() => {}, "127.0.0.1", 0);
      const { port } = server.address();
      server.close();
      yield* server.waitClosed();
      try {
        yield* openConnection("127.0.0.1", port);
        return null;
      } catch (e) {
        return e as Error & { code?: string };
      }
    }));
    expect(error?.code).toBe("ECONNREFUSED");
    expect(() => openConnection("127.0.0.1", 70000)).toThrow(/port/);
  });

  test("cancellation at every await: connecting, reading, draining, waiting for close, serving", async () => {
    const outcomes = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const outcome = (body: () => Generator<unknown, unknown, unknown>): Generator<unknown, string, unknown> => outcomeWhenCancelled(body, 2);
      const silent = new Event();
      const server: Server = yield* startServer(function* (_reader, writer) {
        yield* silent.wait();
        writer.close();
      }, "127.0.0.1", 0);
      const { port } = server.address();
      const results: Record<string, string> = {};
      results.connect = yield* outcome(function* () { return yield* openConnection("127.0.0.1", port); });
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      results.readline = yield* outcome(function* () { return yield* reader.readline(); });
      // The reader is still usable: nothing was taken from it.
      results.readAgain = yield* outcome(function* () { return yield* reader.readexactly(4); });
      const [, bigWriter] = yield* openConnection("127.0.0.1", port, { highWaterMark: 1024 });
      results.drain = yield* outcome(function* () {
        bigWriter.write(new Uint8Array(8 * 1024 * 1024));
        yield* bigWriter.drain();
      });
      results.waitClosed = yield* outcome(function* () { yield* writer.waitClosed(); });
      // waitClosed() before close() waits for it (asyncio ≥ 3.12): cancelled while it waits.
      results.serverWaitClosed = yield* outcome(function* () { yield* server.waitClosed(); });
      const forever = yield* startServer(echoLine, "127.0.0.1", 0);
      results.serveForever = yield* outcome(function* () { yield* forever.serveForever(); });
      results.foreverServing = String(forever.isServing());
      silent.set();
      writer.close();
      bigWriter.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return results;
    }));
    expect(outcomes).toEqual({
      connect: "cancelled", readline: "cancelled", readAgain: "cancelled", drain: "cancelled",
      waitClosed: "cancelled", serverWaitClosed: "cancelled", serveForever: "cancelled", foreverServing: "false",
    });
  });

  test("run() closes connections and servers still open when main ends", async () => {
    await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const server = yield* startServer(function* (reader) { yield* reader.read(); }, "127.0.0.1", 0);
      const [, writer] = yield* openConnection("127.0.0.1", server.address().port);
      writer.write(encode("left open"));
      yield* writer.drain();
    }));
  });

  test("waits are instrumented: stream.connect, stream.read and stream.drain, labelled with the peer", async () => {
    const recording = recordTargets();
    let port = 0;
    try {
      await run(function* () {
        const server = yield* startServer(echoLine, "127.0.0.1", 0);
        port = server.address().port;
        yield* client(port, "x\n");
        server.close();
        yield* server.waitClosed();
      });
    } finally {
      recording.stop();
    }
    const peer = `127.0.0.1:${port}`;
    expect(recording.targets).toContainEqual({ kind: "stream.connect", label: "listen 127.0.0.1:0" });
    expect(recording.targets).toContainEqual({ kind: "stream.connect", label: peer });
    expect(recording.targets).toContainEqual({ kind: "stream.read", label: peer });
    expect(recording.targets).toContainEqual({ kind: "stream.drain", label: `close ${peer}` });
    // The server's side names the client: its address and port.
    expect(recording.targets.some((t) => t.kind === "stream.read" && /^127\.0\.0\.1:\d+$/.test(t.label) && t.label !== peer)).toBe(true);
  });
});
