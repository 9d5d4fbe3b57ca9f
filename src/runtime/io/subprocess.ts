/**
 * Subprocesses (asyncio.create_subprocess_exec), in Node: a program started without a shell,
 * its piped stdin as a StreamWriter and stdout/stderr as StreamReaders. Waiting for it is
 * instrumented as an await of kind "subprocess" labelled with the program and pid.
 * Cancelling `wait()` stops waiting and leaves the process running, as asyncio does; the
 * loop holds the process, and `run()` kills one still running when it ends.
 */
import { getRunningLoop } from "../current.ts";
import type { EventLoop } from "../event-loop.ts";
import type { Operation } from "../future.ts";
import { gather } from "../gather.ts";
import { ioHost, missing, type HostChild, type HostTransport, type StdioOption } from "./host.ts";
import { IoWait } from "./io-wait.ts";
import { holdForLoop, letGoForLoop } from "./loop-resources.ts";
import { DEFAULT_LIMIT, StreamProtocol, StreamReader, StreamWriter, type StreamTransport } from "./streams.ts";

/** Connect the stream to a pipe the program's Process exposes (asyncio.subprocess.PIPE). */
export const PIPE = "pipe";
/** Connect the stream to the null device (asyncio.subprocess.DEVNULL). */
export const DEVNULL = "devnull";
/** Share this process's own stream (asyncio's None, the default). */
export const INHERIT = "inherit";

export interface SubprocessOptions {
  stdin?: StdioOption;
  stdout?: StdioOption;
  stderr?: StdioOption;
  cwd?: string;
  env?: Record<string, string>;
  /** The reader limit of the piped stdout and stderr (default 64 KiB). */
  limit?: number;
}

/** The transport of a pipe, as the host reports it to a protocol. */
function pipeProtocol(reader: StreamReader | null, peer: string): StreamProtocol {
  return new StreamProtocol(reader, peer);
}

/**
 * A running (or finished) program (asyncio.subprocess.Process).
 *
 * @example
 * const proc = yield* createSubprocessExec("ls", ["-l"], { stdout: PIPE });
 * const [out] = yield* proc.communicate();
 * console.warn(new TextDecoder().decode(out!), proc.returncode);
 */
export class Process {
  /** The exit code once it has exited; minus the signal number if a signal ended it. */
  returncode: number | null = null;
  readonly stdin: StreamWriter | null;
  readonly stdout: StreamReader | null;
  readonly stderr: StreamReader | null;
  /** @internal */ readonly _exitWaiters = new Set<IoWait<number>>();
  /** @internal */ _child: HostChild | null = null;
  /** @internal */ readonly _pipes: { stdin: StreamProtocol | null; stdout: StreamProtocol | null; stderr: StreamProtocol | null };

  /** @internal */
  constructor(readonly program: string, readonly pid: number, readonly _loop: EventLoop,
    stdin: StreamWriter | null, stdout: StreamReader | null, stderr: StreamReader | null,
    pipes: { stdin: StreamProtocol | null; stdout: StreamProtocol | null; stderr: StreamProtocol | null }) {
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this._pipes = pipes;
  }

  /** Waits for the program to exit and returns its returncode. Cancelling leaves it running. */
  wait(): Operation<number> {
    return { [Symbol.iterator]: () => this._wait() };
  }

  /**
   * Writes `input` to stdin (then closes it), reads stdout and stderr to their end, and waits
   * for the exit. Returns [stdout, stderr], each null unless piped.
   */
  communicate(input?: Uint8Array): Operation<[Uint8Array | null, Uint8Array | null]> {
    return { [Symbol.iterator]: () => this._communicate(input) };
  }

  /** Asks the program to stop (SIGTERM). */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /** Stops the program (SIGKILL). */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  toString(): string {
    return `<Process ${this.pid} ${this.program}${this.returncode === null ? "" : ` returncode=${this.returncode}`}>`;
  }

  /** @internal */
  _exited(returncode: number): void {
    this.returncode = returncode;
    for (const waiter of this._exitWaiters) waiter.resolve(returncode);
    this._exitWaiters.clear();
  }

  private sendSignal(name: "SIGTERM" | "SIGKILL"): void {
    // As asyncio: signalling a process that has exited does nothing.
    if (this.returncode !== null || this._child === null) return;
    this._child.signal(name);
  }

  private *_wait(): Generator<unknown, number, unknown> {
    if (this.returncode !== null) return this.returncode;
    const waiter: IoWait<number> = new IoWait<number>(getRunningLoop(), "subprocess", `${this.program} (pid ${this.pid})`,
      () => this._exitWaiters.delete(waiter));
    this._exitWaiters.add(waiter);
    return yield* waiter;
  }

  private *_communicate(input: Uint8Array | undefined): Generator<unknown, [Uint8Array | null, Uint8Array | null], unknown> {
    const stdin = this.stdin;
    const feed = stdin === null ? null : (function* () {
      if (input !== undefined && input.length > 0) {
        stdin.write(input);
        try {
          yield* stdin.drain();
        } catch (error) {
          // As asyncio: a program that exits without reading all of its input is not an error here.
          if (!(error instanceof Error && (error.name === "ConnectionResetError" || (error as { code?: unknown }).code === "EPIPE"))) throw error;
        }
      }
      stdin.close();
    })();
    const readAll = (reader: StreamReader | null): Generator<unknown, Uint8Array | null, unknown> | null =>
      reader === null ? null : (function* () { return yield* reader.read(); })();
    const out = readAll(this.stdout);
    const err = readAll(this.stderr);
    const parts: Generator<unknown, unknown, unknown>[] = [];
    if (feed !== null) parts.push(feed);
    if (out !== null) parts.push(out);
    if (err !== null) parts.push(err);
    const results = yield* gather(parts);
    yield* this._wait();
    let at = feed === null ? 0 : 1;
    const stdout = out === null ? null : results[at++] as Uint8Array;
    const stderr = err === null ? null : results[at] as Uint8Array;
    return [stdout, stderr];
  }
}

function stdioOption(value: unknown, which: string): StdioOption {
  if (value === undefined) return INHERIT;
  if (value === PIPE || value === DEVNULL || value === INHERIT) return value;
  throw new TypeError(`createSubprocessExec(): ${which} must be PIPE, DEVNULL or INHERIT, got ${JSON.stringify(value)}`);
}

/**
 * Starts `program` with `args` (no shell), in Node. Streams are inherited unless PIPE or
 * DEVNULL is given for them.
 *
 * @example
 * const proc = yield* createSubprocessExec("node", ["-e", "console.log(42)"], { stdout: PIPE });
 * const line = yield* proc.stdout!.readline(); // "42\n" as bytes
 * yield* proc.wait(); // 0
 */
export function createSubprocessExec(program: string, args: readonly string[] = [], options: SubprocessOptions = {}): Operation<Process> {
  if (typeof program !== "string" || program === "") throw new TypeError("createSubprocessExec(): the program must be a non-empty string");
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) throw new TypeError("createSubprocessExec(): args must be an array of strings");
  const spawnOptions = {
    stdin: stdioOption(options.stdin, "stdin"),
    stdout: stdioOption(options.stdout, "stdout"),
    stderr: stdioOption(options.stderr, "stderr"),
    cwd: options.cwd,
    env: options.env,
  };
  const limit = options.limit ?? DEFAULT_LIMIT;
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const processes = ioHost().processes;
      if (processes === null) throw missing("createSubprocessExec()", "Node's child_process module (through the package's Node entry)");
      const stdoutReader = spawnOptions.stdout === PIPE ? new StreamReader(`stdout of ${program}`, limit) : null;
      const stderrReader = spawnOptions.stderr === PIPE ? new StreamReader(`stderr of ${program}`, limit) : null;
      const pipes = {
        stdin: spawnOptions.stdin === PIPE ? pipeProtocol(null, `stdin of ${program}`) : null,
        stdout: stdoutReader === null ? null : pipeProtocol(stdoutReader, stdoutReader.peer),
        stderr: stderrReader === null ? null : pipeProtocol(stderrReader, stderrReader.peer),
      };
      let process: Process | null = null;
      let exitedEarly: number | null = null;
      const started = new IoWait<number>(loop, "subprocess", `start ${program}`);
      const child = processes.spawn(program, args, spawnOptions, pipes, {
        spawned: (pid) => started.resolve(pid),
        failed: (error) => {
          letGoForLoop(loop, child);
          started.reject(error);
        },
        exited: (returncode) => {
          letGoForLoop(loop, child);
          if (process === null) exitedEarly = returncode;
          else process._exited(returncode);
        },
      });
      holdForLoop(loop, child);
      const pid = yield* started;
      const stdin = pipes.stdin === null || pipes.stdin._transport === null ? null
        : new StreamWriter(pipes.stdin._transport as StreamTransport & HostTransport, pipes.stdin, null);
      process = new Process(program, pid, loop, stdin, stdoutReader, stderrReader, pipes);
      process._child = child;
      if (exitedEarly !== null) process._exited(exitedEarly);
      return process;
    },
  };
}
