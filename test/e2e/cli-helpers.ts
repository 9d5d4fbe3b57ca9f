/**
 * Helpers for the CLI's end-to-end tests: run `bin/aioscope.mjs` as a person would (a child
 * process, in a scratch folder), and serve small pages that use the runtime the extension
 * injects. Every wait waits for a condition (a line on stderr, a request the page made).
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Recorder, SessionBuilder, type Trace } from "../../src/trace/index.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(REPO_ROOT, "bin/aioscope.mjs");

/**
 * Records what `program` does in Node, from start until it returns, into a trace whose
 * metadata names `url` and `title`: saved traces for `analyze` and `diff` to read.
 */
export async function recordProgram(
  program: () => Promise<void>, url: string, title: string, recorder: Recorder = new Recorder({ creationSites: true }),
): Promise<Trace> {
  recorder.start();
  try {
    await program();
  } finally {
    recorder.stop();
  }
  const builder = new SessionBuilder({ url, title });
  const appended = builder.append(recorder.takeBatch());
  if (!appended.ok) throw new Error(appended.error.message);
  return builder.trace();
}

/** A CLI run may start Chromium and record for a while on a busy 2-core machine. */
export const CLI_TIMEOUT_MS = 150_000;

export interface CliRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called with the stderr seen so far each time more arrives; may signal the child. */
  readonly onStderr?: (stderr: string, child: CliChild) => void;
  /** The same for stdout (what the program under `aioscope run` prints). */
  readonly onStdout?: (stdout: string, child: CliChild) => void;
  /** In a process group of its own, as a shell runs a foreground job (signal it as `-pid`). */
  readonly detached?: boolean;
}

/** The running CLI, as the callbacks see it. */
export interface CliChild {
  readonly pid?: number;
  kill(signal: NodeJS.Signals): void;
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), "aioscope-cli-"));
}

/** Runs `aioscope ...args` to completion. Colours are off (NO_COLOR), as in a CI log. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? scratchDir(),
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached === true,
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`aioscope ${args.join(" ")} ran longer than ${CLI_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, CLI_TIMEOUT_MS);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(stderr, child);
    });
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolveRun({ status, signal, stdout, stderr });
    });
  });
}

/** The run's output, for assertion messages. */
export function describeRun(run: CliRun): string {
  return `status ${run.status}${run.signal !== null ? ` (${run.signal})` : ""}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

export interface PageServer {
  readonly url: string;
  /** How many times the page has requested /tick. */
  readonly ticks: number;
  close(): Promise<void>;
}

/** Serves `html` at / (and every other path) with `status`, and counts requests to /tick. */
export async function servePage(html: string, status = 200): Promise<PageServer> {
  let ticks = 0;
  const server = createServer((request, response) => {
    if (request.url?.startsWith("/tick") === true) {
      ticks++;
      response.writeHead(204, { "cache-control": "no-store" });
      response.end();
      return;
    }
    response.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end(html);
  });
  await new Promise<void>((listening, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", listening);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get ticks() {
      return ticks;
    },
    close: () => new Promise<void>((closed, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : closed()));
    }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

/**
 * A page that never goes idle: a runtime task that, forever, starts a "tick" task and waits
 * for it; and a timer that requests /tick every 100 ms (so a test can tell the page is alive).
 * The loop's own task began before any recording, so traces show it under its id, pending.
 */
export const NEVER_IDLE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>never idle</title></head><body>
<script>
const { run, sleep, createTask, gather } = globalThis.aioscope;
run(function* () {
  for (;;) yield* gather([createTask(function* () { yield* sleep(50); }, { name: "tick" })]);
}, { name: "poller" });
setInterval(() => fetch("/tick"), 100);
</script></body></html>`;

/**
 * A page whose work all runs while it starts: a "startup" task gathering two children, and a
 * fetch of /boot.json. It is done long before DevTools could be opened on it, so only a
 * recording that began before the page's first script (or a reload) sees it.
 */
export const STARTUP_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>startup</title></head><body>
<script>
const { run, sleep, createTask, gather } = globalThis.aioscope;
fetch("/boot.json").then((response) => response.text()).then(() => setTimeout(() => {}, 1));
run(function* () {
  yield* gather([
    createTask(function* () { yield* sleep(60); }, { name: "boot-config" }),
    createTask(function* () { yield* sleep(120); }, { name: "boot-data" }),
  ]);
}, { name: "startup" }).then(() => { document.documentElement.dataset.state = "done"; });
</script></body></html>`;

/**
 * A page busy for a while after it loads, in a way silence cannot tell: a runtime task whose
 * steps block the main thread for 600 ms each (no batch can leave meanwhile), five times, then
 * sets `data-state="done"`. A setInterval and a requestAnimationFrame loop run forever: they
 * poll and animate, and do not keep the page from being idle.
 */
export const LONG_STEPS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>long steps</title></head><body>
<script>
const { run, sleep } = globalThis.aioscope;
setInterval(() => {}, 100);
(function frame() { requestAnimationFrame(frame); })();
setTimeout(() => run(function* () {
  for (let k = 0; k < 5; k++) {
    const until = performance.now() + 600;
    while (performance.now() < until) { /* a long step, on purpose */ }
    yield* sleep(0);
  }
}, { name: "long-steps" }).then(() => { document.documentElement.dataset.state = "done"; }), 300);
</script></body></html>`;

/**
 * A page that floods the recorder: a runtime task that, forever, starts a hundred short tasks
 * and waits for them. It never goes idle, and its trace grows by thousands of events a second.
 */
export const FLOOD_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>flood</title></head><body>
<script>
const { run, sleep, createTask, gather } = globalThis.aioscope;
run(function* () {
  for (;;) {
    const batch = [];
    for (let k = 0; k < 100; k++) batch.push(createTask(function* () { yield* sleep(0); }, { name: "drop" }));
    yield* gather(batch);
  }
}, { name: "flood" });
</script></body></html>`;

/**
 * A page whose main thread stops answering: a task finishes, and a second later a timer
 * callback spins for ten minutes. Neither the page nor its agent answers from then on.
 */
export const HUNG_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>hung</title></head><body>
<script>
const { run, sleep } = globalThis.aioscope;
run(function* () { yield* sleep(10); }, { name: "before the hang" });
setTimeout(() => { const end = Date.now() + 600000; while (Date.now() < end) {} }, 1000);
</script></body></html>`;
