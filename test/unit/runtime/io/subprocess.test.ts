/**
 * Subprocesses in Node, ported from CPython's test_subprocess where it is not about Python:
 * pipes both ways, communicate() with and without input, DEVNULL, exit codes and signals,
 * a program that does not read its input, a missing program, cancelling wait() (the process
 * keeps running), and nothing left running or open once run() returns.
 */
import { describe, expect, test } from "vitest";
import {
  CancelledError, DEVNULL, PIPE, addInstrument, createSubprocessExec, createTask, removeInstrument, run, sleep, waitFor,
  type AwaitTarget, type Instrument,
} from "../../../../src/runtime/index.ts";
import { decode, encode, outcomeWhenCancelled, remember, withoutLeaks } from "./io-helpers.ts";

const NODE = process.execPath;
/** A program that copies its input to its output (test_subprocess's PROGRAM_CAT). */
const CAT = ["-e", "process.stdin.pipe(process.stdout)"];

describe("createSubprocessExec", () => {
  test("stdin and stdout pipes: write, read back, wait (test_stdin_stdout)", async () => {
    const result = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const proc = yield* createSubprocessExec(NODE, CAT, { stdin: PIPE, stdout: PIPE });
      expect(proc.pid).toBeGreaterThan(0);
      proc.stdin!.write(encode("some data\n"));
      yield* proc.stdin!.drain();
      const line = decode(yield* proc.stdout!.readline());
      proc.stdin!.close();
      const rest = yield* proc.stdout!.read();
      const code = yield* proc.wait();
      return { line, rest: rest.length, code, returncode: proc.returncode };
    }));
    expect(result).toEqual({ line: "some data\n", rest: 0, code: 0, returncode: 0 });
  });

  test("communicate(input) returns stdout and stderr; without pipes they are null (test_communicate)", async () => {
    const result = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const proc = yield* createSubprocessExec(NODE, ["-e", "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{process.stdout.write(s.toUpperCase());process.stderr.write('err:'+s.length);process.exitCode=3})"],
        { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      const [out, err] = yield* proc.communicate(encode("hello"));
      const quiet = yield* createSubprocessExec(NODE, ["-e", "process.stdout.write('x')"], { stdout: DEVNULL, stderr: DEVNULL });
      const none = yield* quiet.communicate();
      return { out: decode(out), err: decode(err), code: proc.returncode, none, quietCode: quiet.returncode };
    }));
    expect(result).toEqual({ out: "HELLO", err: "err:5", code: 3, none: [null, null], quietCode: 0 });
  });

  test("DEVNULL stdin reads as empty (test_devnull_input); empty input closes stdin (test_empty_input)", async () => {
    const outputs = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const devnull = yield* createSubprocessExec(NODE, CAT, { stdin: DEVNULL, stdout: PIPE });
      const [a] = yield* devnull.communicate();
      const empty = yield* createSubprocessExec(NODE, CAT, { stdin: PIPE, stdout: PIPE });
      const [b] = yield* empty.communicate(new Uint8Array(0));
      return [a!.length, b!.length, devnull.returncode, empty.returncode];
    }));
    expect(outputs).toEqual([0, 0, 0, 0]);
  });

  test("a program that exits without reading its input: communicate() still returns (test_stdin_broken_pipe)", async () => {
    const code = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const proc = yield* createSubprocessExec(NODE, ["-e", "process.exit(0)"], { stdin: PIPE });
      yield* proc.communicate(new Uint8Array(4 * 1024 * 1024));
      return proc.returncode;
    }));
    expect(code).toBe(0);
  });

  test("terminate() and kill(): returncode is minus the signal (test_terminate, test_kill)", async () => {
    const codes = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const out: number[] = [];
      for (const stop of ["terminate", "kill"] as const) {
        const proc = yield* createSubprocessExec(NODE, ["-e", "setTimeout(() => {}, 60000)"]);
        proc[stop]();
        out.push(yield* proc.wait());
        // Signalling a process that has exited does nothing.
        proc.kill();
      }
      return out;
    }));
    expect(codes).toEqual([-15, -9]);
  });

  test("stdout is all read even when the program has already exited (test_read_stdout_after_process_exit)", async () => {
    const text = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const proc = yield* createSubprocessExec(NODE, ["-e", "process.stdout.write('x'.repeat(200000))"], { stdout: PIPE });
      yield* sleep(50);
      const data = yield* proc.stdout!.read();
      yield* proc.wait();
      return data.length;
    }));
    expect(text).toBe(200000);
  });

  test("a missing program fails with the host's ENOENT; bad options are refused", async () => {
    const error = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      try {
        yield* createSubprocessExec("/no/such/program-aioscope", []);
        return null;
      } catch (e) {
        return e as Error & { code?: string };
      }
    }));
    expect(error?.code).toBe("ENOENT");
    expect(() => createSubprocessExec("ls", ["-l"], { stdout: "PIPE" as never })).toThrow(/PIPE, DEVNULL or INHERIT/);
    expect(() => createSubprocessExec("ls", "-l" as never)).toThrow(/array of strings/);
  });

  test("cancelling wait() leaves the process running; it can be waited again (test_cancel_process_wait)", async () => {
    const result = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const proc = yield* createSubprocessExec(NODE, ["-e", "process.stdin.on('data', () => process.exit(7))"], { stdin: PIPE });
      const waiting = createTask(function* () { return yield* proc.wait(); });
      yield* sleep(0);
      waiting.cancel();
      let cancelled = false;
      try { yield* waiting; } catch (e) { cancelled = e instanceof CancelledError; }
      const stillRunning = proc.returncode === null;
      let timedOut = false;
      try { yield* waitFor(proc.wait(), 20); } catch (e) { timedOut = (e as Error).name === "TimeoutError"; }
      proc.stdin!.write(encode("go"));
      const code = yield* proc.wait();
      return { cancelled, stillRunning, timedOut, code };
    }));
    expect(result).toEqual({ cancelled: true, stillRunning: true, timedOut: true, code: 7 });
  });

  test("cancellation while starting, reading and communicating; run() kills what is still running", async () => {
    const outcomes = await withoutLeaks((loops) => run(function* () {
      remember(loops);
      const outcome = (body: () => Generator<unknown, unknown, unknown>): Generator<unknown, string, unknown> => outcomeWhenCancelled(body, 1);
      const results: Record<string, string> = {};
      results.start = yield* outcome(function* () { return yield* createSubprocessExec(NODE, ["-e", "setTimeout(() => {}, 60000)"]); });
      const proc = yield* createSubprocessExec(NODE, ["-e", "setTimeout(() => {}, 60000)"], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      results.readline = yield* outcome(function* () { return yield* proc.stdout!.readline(); });
      results.communicate = yield* outcome(function* () { return yield* proc.communicate(encode("x")); });
      results.running = String(proc.returncode === null);
      return results;
    }));
    expect(outcomes).toEqual({ start: "cancelled", readline: "cancelled", communicate: "cancelled", running: "true" });
  });

  test("waiting is instrumented as \"subprocess\" labelled with the program and pid; reading its output as stream.read", async () => {
    const targets: AwaitTarget[] = [];
    const instrument: Instrument = { afterTaskStep(_t, waitingOn) { if (waitingOn !== null) targets.push(waitingOn); } };
    addInstrument(instrument);
    let pid = 0;
    try {
      await run(function* () {
        // It answers a line, then exits once told to: both waits are certainly pending.
        const proc = yield* createSubprocessExec(NODE, ["-e", "process.stdin.once('data', () => { console.log('ok'); process.stdin.once('data', () => process.exit(0)) })"], { stdin: PIPE, stdout: PIPE });
        pid = proc.pid;
        proc.stdin!.write(encode("1"));
        yield* proc.stdout!.readline();
        const waiting = createTask(function* () { return yield* proc.wait(); });
        yield* sleep(0);
        proc.stdin!.write(encode("2"));
        yield* waiting;
      });
    } finally {
      removeInstrument(instrument);
    }
    expect(targets).toContainEqual({ kind: "subprocess", label: `start ${NODE}` });
    expect(targets).toContainEqual({ kind: "stream.read", label: `stdout of ${NODE}` });
    expect(targets).toContainEqual({ kind: "subprocess", label: `${NODE} (pid ${pid})` });
  });
});
