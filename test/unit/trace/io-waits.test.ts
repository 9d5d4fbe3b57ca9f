/**
 * Real I/O in a recorded trace: a worker, a connection and a process, recorded by the
 * Recorder as awaits of their own kinds, and the resource view's time per peer — blocked
 * reading from and draining to each connection, on each worker function, on each process.
 */
import { expect, test } from "vitest";
import {
  Event, PIPE, addInstrument, createSubprocessExec, createTask, sleep, removeInstrument, type Instrument, openConnection, run, startServer, toThread,
} from "../../../src/runtime/index.ts";
import { KNOWN_AWAIT_KINDS, resourceWaits } from "../../../src/trace/index.ts";
import "../runtime/io/io-helpers.ts";
import { record } from "./helpers.ts";

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

test("thread, stream and subprocess waits are recorded with their kinds and peers, and grouped per peer", async () => {
  let port = 0;
  let drainWaits = 0;
  const counter: Instrument = { afterTaskStep(_t, waitingOn) { if (waitingOn?.kind === "stream.drain") drainWaits++; } };
  const drainWaitsSoFar = (): number => drainWaits;
  addInstrument(counter);
  const trace = await record(() => run(function* () {
    yield* toThread(fib, 20);
    const reading = new Event();
    const server = yield* startServer(function* (reader, writer) {
      yield* reading.wait();
      while ((yield* reader.read(65536)).length > 0) { /* all of it */ }
      writer.close();
    }, "127.0.0.1", 0);
    port = server.address().port;
    const [, writer] = yield* openConnection("127.0.0.1", port, { highWaterMark: 16 * 1024 });
    // The server reads nothing until a drain has had to wait (the system's socket buffers
    // take a few MB first), then everything.
    const watcher = createTask(function* () {
      while (drainWaitsSoFar() === 0) yield* sleep(1);
      reading.set();
    });
    for (let i = 0; i < 4096 && !reading.isSet(); i++) {
      writer.write(new Uint8Array(64 * 1024));
      yield* writer.drain();
    }
    yield* watcher;
    writer.close();
    yield* writer.waitClosed();
    server.close();
    yield* server.waitClosed();
    const proc = yield* createSubprocessExec(process.execPath, ["-e", "console.log('hi')"], { stdout: PIPE });
    yield* proc.communicate();
  }, { name: "main" })).finally(() => removeInstrument(counter));
  const peer = `127.0.0.1:${port}`;
  const kinds = new Set(trace.awaits.map((a) => a.kind));
  for (const kind of ["thread", "stream.read", "stream.drain", "stream.connect", "subprocess"]) {
    expect(kinds.has(kind), kind).toBe(true);
    expect(KNOWN_AWAIT_KINDS).toContain(kind);
  }
  expect(trace.awaits.some((a) => a.kind === "thread" && a.label === "fib")).toBe(true);
  const stats = resourceWaits(trace);
  const drain = stats.find((s) => s.kind === "stream.drain" && s.label === peer);
  expect(drain, JSON.stringify(stats.map((s) => `${s.kind} ${s.label}`))).toBeDefined();
  expect(drain!.waits).toBeGreaterThan(0);
  expect(drain!.totalWait).toBeGreaterThan(0);
  expect(stats.some((s) => s.kind === "thread" && s.label === "fib" && s.waits === 1)).toBe(true);
  expect(stats.some((s) => s.kind === "subprocess" && s.label.startsWith(`${process.execPath} (pid `))).toBe(true);
});
