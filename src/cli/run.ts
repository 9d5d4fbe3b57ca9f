/**
 * `aioscope run script.mjs [args]`: runs a Node program with a recorder loaded before its
 * first module (`node --import` of dist/node/run-preload.js), so every runtime in it is
 * recorded from the start — the copy the program imports from the package, and any other
 * copy it loads. The program writes its trace to a temporary file as it exits; the CLI then
 * writes `--out` (and `--chrome-trace`), prints the summary, and holds it to `--fail-on`.
 *
 * The program's stdin and stdout are its own; its stderr passes through and its last lines are
 * kept, to say why it failed. Ctrl-C (or SIGTERM) goes to the program, whose recorder writes
 * the trace so far before the program ends by that signal; a second one kills it.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { exportChromeBytes } from "../trace/export-chrome.ts";
import { importTrace } from "../trace/import.ts";
import type { RunCommand } from "./args.ts";
import { CliError, EXIT, type ExitStatus } from "./errors.ts";
import { checkWritable, OutputFiles } from "./output.ts";
import { newestMtime, packageFiles } from "./package-files.ts";
import { analyzeFor, printReport } from "./report.ts";
import { painter, terminalSafe, type Io } from "./terminal.ts";

/** The recorder the program is started with, relative to the package root. */
const PRELOAD = "dist/node/run-preload.js";
/** What the preload is built from, in a checkout. */
const PRELOAD_SOURCES = ["src/node", "src/trace", "src/runtime"];
/** How much of the program's stderr is kept to quote when it fails. */
const STDERR_TAIL_BYTES = 4096;
const QUOTED_LINES = 2;

/**
 * The built preload. A checkout builds it (`npm run build:node`, ten seconds) when it is
 * missing or older than its sources: the program must be recorded by the code it imports.
 */
export function ensurePreloadBuilt(log: (line: string) => void): string {
  const files = packageFiles();
  const preload = join(files.root, PRELOAD);
  const built = existsSync(preload);
  if (built && !files.isCheckout) return preload;
  if (!built && !files.isCheckout) throw new CliError(`${preload} is missing: reinstall aioscope`, EXIT.environment);
  const builtAt = built ? statSync(preload).mtimeMs : 0;
  if (built && PRELOAD_SOURCES.every((source) => newestMtime(join(files.root, source)) <= builtAt)) return preload;
  log(`building the Node recorder into dist/ (${built ? "its sources changed" : "first run"})…`);
  const tsc = join(files.root, "node_modules/typescript/bin/tsc");
  if (!existsSync(tsc)) throw new CliError("dist/node is not built and TypeScript is not installed: run `npm install`, then `npm run build`", EXIT.environment);
  const result = spawnSync(process.execPath, [tsc, "-p", join(files.root, "tsconfig.node.json")], { cwd: files.root, encoding: "utf8" });
  if (result.status !== 0 || !existsSync(preload)) {
    const why = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] ?? "";
    throw new CliError(`building the Node recorder failed (npm run build:node shows why): ${why}`, EXIT.environment);
  }
  return preload;
}

/** How the program ended. */
interface ProgramEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * What the program last said on stderr, without the noise around an uncaught error: stack
 * frames, Node's source excerpt and caret, its version line. Usually the error's own line.
 */
export function lastWords(tail: string): string[] {
  const noise = /^\s+at |^Node\.js v\d|^node:internal\/|^\s*triggerUncaughtException\(|^\s*\{?\s*$|^\s*\}\s*$/;
  const location = /^(?:file:\/\/|\/|[A-Za-z]:\\).*:\d+$/;
  const kept: string[] = [];
  for (const line of tail.split(/\r?\n/)) {
    // Node's excerpt of an uncaught error: "file:///app.mjs:3", the source line, a caret.
    if (/^\s*\^+\s*$/.test(line)) {
      kept.pop();
      if (kept.length > 0 && location.test(kept[kept.length - 1]!)) kept.pop();
      continue;
    }
    if (line.trim() !== "" && !noise.test(line)) kept.push(line);
  }
  return kept.slice(-QUOTED_LINES);
}

export async function runCommand(command: RunCommand, io: Io): Promise<ExitStatus> {
  const script = resolve(command.script);
  const stats = statSync(script, { throwIfNoEntry: false });
  if (stats === undefined) throw new CliError(`cannot run ${command.script}: no such file`, EXIT.usage);
  if (!stats.isFile()) throw new CliError(`cannot run ${command.script}: it is not a file`, EXIT.usage);
  checkWritable(command.out, "--out");
  if (command.chromeTrace !== null) checkWritable(command.chromeTrace, "--chrome-trace");
  const errPaint = painter(io.stderr, io.env);
  const preload = ensurePreloadBuilt((line) => io.stderr.write(`${errPaint("dim", line)}\n`));

  const scratch = mkdtempSync(join(tmpdir(), "aioscope-run-"));
  const traceFile = join(scratch, "trace.json");
  try {
    const { end, interruptedBy, stderrTail } = await runProgram(script, command.args, preload, traceFile, io);
    const name = basename(command.script);
    if (!existsSync(traceFile)) {
      const how = end.signal !== null ? `was killed by ${end.signal}` : `exited with status ${end.code}`;
      const quoted = lastWords(stderrTail).map((line) => `\n  ${terminalSafe(line)}`).join("");
      throw new CliError(`${name} ${how} before its trace could be written: nothing was recorded${quoted}`, interruptedBy !== null ? exitFor(interruptedBy) : EXIT.program);
    }
    // The program wrote aioscope JSON: checked by the importer, those bytes are the --out file.
    const written = readFileSync(traceFile);
    const result = importTrace(written);
    if (!result.ok) throw new CliError(`the trace ${name} wrote is not readable (a bug: please report it): ${result.error.path}: ${result.error.message}`, EXIT.program);
    const trace = result.trace;
    const analysis = analyzeFor(trace, command.budget);

    const files = new OutputFiles();
    await files.write(command.out, written, "--out", (size) => `aioscope trace, ${size}: aioscope view it, or open it in the Async panel`);
    if (command.chromeTrace !== null) {
      await files.write(command.chromeTrace, exportChromeBytes(trace, { concurrency: analysis.concurrency }), "--chrome-trace", (size) => `Chrome trace, ${size}: open it in ui.perfetto.dev or the Performance panel`);
    }
    const verdict = printReport(trace, analysis, command.budget, io, files.lines, pathToFileURL(script).href);

    if (interruptedBy !== null) {
      io.stderr.write(`aioscope: ${name} was stopped by ${interruptedBy === "SIGINT" ? "Ctrl-C" : interruptedBy}; the trace holds what it did until then\n`);
      return exitFor(interruptedBy);
    }
    if (files.failure !== null) throw files.failure;
    if (end.code !== 0) {
      const how = end.signal !== null ? `was killed by ${end.signal}` : `exited with status ${end.code}`;
      const quoted = lastWords(stderrTail);
      io.stderr.write(`${errPaint("red", `aioscope: ${name} ${how}`)}${quoted.length > 0 ? "; the end of its stderr:" : " (it wrote nothing to stderr)"}\n`);
      for (const line of quoted) io.stderr.write(`  ${terminalSafe(line)}\n`);
      return EXIT.program;
    }
    return verdict;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function exitFor(signal: NodeJS.Signals): ExitStatus {
  return signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated;
}

/**
 * Runs the program to its end. The first SIGINT or SIGTERM this process gets is passed on to
 * the program (its recorder writes the trace, then it ends by that signal, unless it handles
 * the signal itself); the second kills it.
 */
function runProgram(
  script: string, args: readonly string[], preload: string, traceFile: string, io: Io,
): Promise<{ end: ProgramEnd; interruptedBy: NodeJS.Signals | null; stderrTail: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ["--import", pathToFileURL(preload).href, script, ...args], {
      stdio: ["inherit", "inherit", "pipe"],
      env: { ...io.env, AIOSCOPE_RUN_TRACE: traceFile },
    });
    let tail = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      io.stderr.write(chunk);
      tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    let interruptedBy: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interruptedBy !== null) {
        io.stderr.write(`aioscope: ${signal === "SIGINT" ? "Ctrl-C" : signal} again: killing the program\n`);
        child.kill("SIGKILL");
        return;
      }
      interruptedBy = signal;
      io.stderr.write(`aioscope: ${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping the program, which writes its trace so far (press Ctrl-C again to kill it)\n`);
      // A Ctrl-C in a terminal reaches the program too (one process group); a second copy is harmless.
      child.kill(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const done = (): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    };
    child.on("error", (error) => {
      done();
      reject(new CliError(`could not start node for ${script}: ${error.message}`, EXIT.environment));
    });
    child.on("close", (code, signal) => {
      done();
      resolveRun({ end: { code, signal }, interruptedBy, stderrTail: tail });
    });
  });
}
