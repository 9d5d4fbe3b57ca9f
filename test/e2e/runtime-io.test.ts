/**
 * Real I/O under `aioscope run`: demo/node/real-io.mjs (an echo server and client over TCP,
 * `toThread(fib, 25)`, a subprocess whose stdout is read) gets the right results, and its
 * trace shows the tasks waiting on the connection, the worker and the process.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { ensurePreloadBuilt } from "../../src/cli/run.ts";
import type { AwaitRecord, TaskRecord, Trace } from "../../src/trace/index.ts";
import { CLI_TIMEOUT_MS, describeRun, runCli, scratchDir } from "./cli-helpers.ts";
import { byName, readTrace } from "../unit/trace/helpers.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const DEMO = join(REPO_ROOT, "demo/node");



const awaitsOf = (trace: Trace, task: TaskRecord): AwaitRecord[] => trace.awaits.filter((a) => a.task === task.id);

describe("aioscope run: real I/O", () => {
  beforeAll(() => {
    ensurePreloadBuilt(() => {});
  }, CLI_TIMEOUT_MS);

  test("real-io: echo, fib(25) on a worker and a subprocess give the right results; the trace shows their waits", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["run", join(DEMO, "real-io.mjs")], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toContain("echo: ping pong · fib(25) = 75025 (the loop ticked meanwhile) · subprocess: a.txt, b.txt (exit 0)");

    const trace = readTrace(join(dir, "trace.json"));
    for (const task of trace.tasks) expect(task.outcome, task.name).toBe("done");
    const client = byName(trace, "echo client");
    const fib = byName(trace, "fib on a worker");
    const files = byName(trace, "list files");
    const main = byName(trace, "main");

    // The client connected, read its echoes and waited for its close, all named by the peer.
    const clientKinds = new Set(awaitsOf(trace, client).map((a) => a.kind));
    expect([...clientKinds]).toEqual(expect.arrayContaining(["stream.connect", "stream.read"]));
    const peer = awaitsOf(trace, client).find((a) => a.kind === "stream.connect")!.label;
    expect(peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(awaitsOf(trace, client).filter((a) => a.kind === "stream.read").every((a) => a.label === peer)).toBe(true);
    // The server side: a task per connection, reading from the client's address.
    const serverSide = trace.tasks.find((t) => t.name.startsWith("client 127.0.0.1:"));
    expect(serverSide).toBeDefined();
    expect(awaitsOf(trace, serverSide!).some((a) => a.kind === "stream.read")).toBe(true);
    expect(awaitsOf(trace, main).some((a) => a.kind === "stream.connect" && a.label === "listen 127.0.0.1:0")).toBe(true);

    // fib waited on its worker, and the ticker ran while it did.
    const threadWait = awaitsOf(trace, fib).find((a) => a.kind === "thread");
    expect(threadWait?.label).toBe("fib");
    const ticker = byName(trace, "ticker");
    const ticksDuringFib = trace.steps.filter((s) => s.task === ticker.id && s.start > threadWait!.start && s.start < threadWait!.end!);
    expect(ticksDuringFib.length).toBeGreaterThan(0);

    // The subprocess: started, its stdout read through a pipe, its exit waited for.
    const fileAwaits = trace.awaits.filter((a) => a.kind === "subprocess" || (a.kind === "stream.read" && a.label.startsWith("stdout of ")));
    expect(fileAwaits.some((a) => a.kind === "subprocess" && /^start .*node/.test(a.label))).toBe(true);
    expect(fileAwaits.some((a) => a.kind === "stream.read" && /^stdout of .*node/.test(a.label))).toBe(true);
    expect(files.outcome).toBe("done");
  });

  test("to-thread: fib on the loop lets no tick through; on a worker the ticker runs during the thread await", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["run", join(DEMO, "to-thread.mjs")], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toContain("fib(32) = 2178309: on the loop 0 ticks meanwhile · on a worker the ticker kept ticking");
    const trace = readTrace(join(dir, "trace.json"));
    const onWorker = byName(trace, "fib(32) on a worker");
    const threadWait = awaitsOf(trace, onWorker).find((a) => a.kind === "thread")!;
    expect(threadWait.label).toBe("fib");
    const ticker = byName(trace, "ticker (on a worker)");
    expect(trace.steps.some((s) => s.task === ticker.id && s.start > threadWait.start && s.start < threadWait.end!)).toBe(true);
  });
});
