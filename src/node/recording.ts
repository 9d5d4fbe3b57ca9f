/**
 * Recording a Node program in one call: a Recorder on every runtime copy of the process (they
 * share one instrument list, see src/runtime/instrument.ts; copies that keep their own list
 * are reached through the `__AIOSCOPE_HOOK__` they register with), its batches gathered into a
 * session as the program runs, and the trace written to a file when asked — or when the
 * process exits, even through `process.exit()`, an uncaught error or Ctrl-C.
 *
 * @example
 * import { startRecording } from "aioscope/node";
 * const recording = startRecording({ out: "trace.json" }); // written when the process exits
 * await run(main());
 */
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import type { RegisteredRuntime, RuntimeHook } from "../runtime/index.ts";
import {
  DEFAULT_INTERNAL_FRAMES, Recorder, SessionBuilder, exportAioscope, exportChromeBytes, type FrameFilter, type Trace,
} from "../trace/index.ts";

export interface RecordingOptions {
  /** Write the aioscope trace here when the recording stops (or the process exits). */
  out?: string | null;
  /** Also write a Chrome Trace Event file here (Perfetto, the Performance panel). */
  chromeTrace?: string | null;
  /** Write the files when the process exits, if `stop()` was not called first. Default true when `out` is set. */
  writeOnExit?: boolean;
  /**
   * On SIGINT and SIGTERM, when the program has no handler of its own: write the files, then
   * end the process by that signal as Node would have. Default: as `writeOnExit`.
   */
  writeOnSignal?: boolean;
  /** The trace's URL and title; default the main script's file URL and name. */
  url?: string | null;
  title?: string | null;
  /** Capture each task's creation site (a few µs a task). Default true. */
  creationSites?: boolean | "mapped";
  /** Most events held between two takes (see RecorderOptions.capacity). */
  capacity?: number;
  /** How often the recorder's buffer is emptied into the session (ms). Default 250. */
  takeEveryMs?: number;
}

export interface NodeRecording {
  readonly recorder: Recorder;
  /** The session recorded so far (a snapshot; the recording goes on). */
  trace(): Trace;
  /** Stops recording, writes the files named in the options, and returns the trace. Idempotent. */
  stop(): Trace;
  /** Writes the trace so far (aioscope format) to `path`; returns its size in bytes. */
  save(path: string): number;
  readonly stopped: boolean;
}

/** The runtime's frames, and this package's own (dist/trace, dist/node), are never "the caller". */
const PACKAGE_FRAMES: FrameFilter = new RegExp(`${DEFAULT_INTERNAL_FRAMES.source}|[\\\\/](?:dist[\\\\/](?:trace|node)|src[\\\\/]node)[\\\\/]`);

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Starts recording every runtime in this process now. One recording at a time is the usual
 * case; two record the same events independently.
 */
export function startRecording(options: RecordingOptions = {}): NodeRecording {
  const main = process.argv[1];
  const builder = new SessionBuilder({
    url: options.url ?? (main === undefined ? null : pathToFileURL(main).href),
    title: options.title ?? (main === undefined ? null : basename(main)),
    userAgent: `Node.js ${process.version}`,
  });
  const recorder = new Recorder({
    creationSites: options.creationSites ?? true,
    internalFrames: PACKAGE_FRAMES,
    ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
  });
  let stopped = false;
  let final: Trace | null = null;
  let refused: string | null = null;

  const take = (): void => {
    if (recorder.stats().held === 0) return;
    const appended = builder.append(recorder.takeBatch());
    // A refused batch is a bug in the recorder; the session keeps what it had, and says so once.
    if (!appended.ok && refused === null) {
      refused = appended.error.message;
      console.error(`aioscope: a batch was refused, the trace misses it: ${refused}`);
    }
  };

  // Copies with their own instrument list (another version of the runtime) register here.
  const global = globalThis as { __AIOSCOPE_HOOK__?: RuntimeHook };
  const previousHook = global.__AIOSCOPE_HOOK__;
  const hook: RuntimeHook = {
    registerRuntime(runtime: RegisteredRuntime) {
      if (!stopped) runtime.addInstrument(recorder);
      previousHook?.registerRuntime(runtime);
    },
  };
  global.__AIOSCOPE_HOOK__ = hook;

  recorder.start();
  // The timer never keeps the program alive: it only bounds the recorder's buffer.
  const timer = setInterval(take, options.takeEveryMs ?? 250);
  timer.unref();

  const writeFiles = (trace: Trace): void => {
    if (options.out != null) writeFileSync(options.out, exportAioscope(trace));
    if (options.chromeTrace != null) writeFileSync(options.chromeTrace, exportChromeBytes(trace));
  };

  const writeOnExit = options.writeOnExit ?? options.out != null;
  const writeOnSignal = options.writeOnSignal ?? writeOnExit;
  const onExit = (): void => {
    if (!stopped) recording.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    // The program's own handler decides what a signal means; only then is ours alone.
    if (process.listenerCount(signal) > 1) return;
    recording.stop();
    process.kill(process.pid, signal);
  };
  if (writeOnExit) process.on("exit", onExit);
  if (writeOnSignal) for (const signal of SIGNALS) process.on(signal, onSignal);

  const recording: NodeRecording = {
    recorder,
    get stopped() {
      return stopped;
    },
    trace() {
      if (final !== null) return final;
      take();
      return builder.trace();
    },
    stop() {
      if (final !== null) return final;
      stopped = true;
      clearInterval(timer);
      recorder.stop();
      take();
      final = builder.trace();
      if (global.__AIOSCOPE_HOOK__ === hook) global.__AIOSCOPE_HOOK__ = previousHook;
      // Written before the signal handlers go: once the last is removed, a second Ctrl-C (a
      // terminal's to the process group, then `aioscope run`'s own copy) kills the process at
      // once, and it must not find the file half written or not written at all.
      try {
        writeFiles(final);
      } finally {
        process.off("exit", onExit);
        for (const signal of SIGNALS) process.off(signal, onSignal);
      }
      return final;
    },
    save(path) {
      const text = exportAioscope(recording.trace());
      writeFileSync(path, text);
      return Buffer.byteLength(text);
    },
  };
  return recording;
}

/**
 * Runs `program` while recording every runtime in the process; resolves with its trace once
 * the program settles (a program that fails still gives its trace, with the error).
 *
 * @example
 * const { trace } = await recordRuntime(() => run(main()));
 * writeFileSync("trace.json", exportAioscope(trace));
 */
export async function recordRuntime<T>(
  program: () => Promise<T>, options: Omit<RecordingOptions, "writeOnExit" | "writeOnSignal"> = {},
): Promise<{ readonly trace: Trace } & ({ readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown })> {
  const recording = startRecording({ ...options, writeOnExit: false, writeOnSignal: false });
  try {
    const value = await program();
    return { ok: true, value, trace: recording.stop() };
  } catch (error) {
    return { ok: false, error, trace: recording.stop() };
  }
}
