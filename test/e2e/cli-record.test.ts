/**
 * `aioscope record` end to end: the real CLI (bin/aioscope.mjs) drives real Chromium with the
 * built extension through real DevTools, and writes files these tests read back with the
 * trace module's importer. One behaviour per test; every wait is for a condition.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodePng, distinctColours } from "../../src/cli/png-pixels.ts";
import { importTrace } from "../../src/trace/import.ts";
import type { Trace } from "../../src/trace/model.ts";
import {
  CLI_TIMEOUT_MS, describeRun, FLOOD_PAGE, HUNG_PAGE, LONG_STEPS_PAGE, NEVER_IDLE_PAGE, runCli, scratchDir, servePage, STARTUP_PAGE, unusedPort, type PageServer,
} from "./cli-helpers.ts";
import { readTrace } from "../unit/trace/helpers.ts";

/** Status codes, as `aioscope --help` documents them. */
const EXIT = { ok: 0, budget: 1, usage: 2, notIdle: 5, unreachable: 4, output: 6, interrupted: 130, terminated: 143 } as const;


/** The reason a failed run gives: its last line on stderr (notes may come before it). */
const lastLine = (stderr: string): string | undefined => stderr.trim().split("\n").at(-1);

const names = (trace: Trace): string[] => trace.tasks.map((task) => task.name);

/**
 * STARTUP_PAGE's first script sets a timer in a `.then` of its fetch, before the extension can
 * have answered that the tab records: the load was marked as recorded (protocol/recorded-load.ts),
 * so the continuation carried the fetch as the timer's cause.
 */
function expectTimerCausedByBootFetch(trace: Trace): void {
  const boot = trace.nativeOps.find((op) => op.kind === "fetch" && op.label.endsWith("/boot.json"));
  const timer = trace.nativeOps.find((op) => op.kind === "setTimeout" && op.label === "setTimeout(1)");
  expect(boot, "the boot fetch").toBeDefined();
  expect(timer?.cause, "the timer set in the fetch's .then").toBe(boot!.id);
}

describe("aioscope record", () => {
  let neverIdle: PageServer;
  let startup: PageServer;
  let longSteps: PageServer;
  let flood: PageServer;
  let hung: PageServer;

  beforeAll(async () => {
    [neverIdle, startup, longSteps, flood, hung] = await Promise.all([
      servePage(NEVER_IDLE_PAGE), servePage(STARTUP_PAGE), servePage(LONG_STEPS_PAGE), servePage(FLOOD_PAGE), servePage(HUNG_PAGE),
    ]);
  });

  afterAll(async () => {
    await Promise.all([neverIdle?.close(), startup?.close(), longSteps?.close(), flood?.close(), hung?.close()]);
  });

  test("records a demo scenario until idle and writes the trace, a Chrome trace and a panel screenshot", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", "--scenario", "sequential-vs-concurrent", "--chrome-trace", "chrome.json", "--screenshot", "panel.png"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.ok);

    // --out defaults to trace.json in the current folder.
    const trace = readTrace(join(dir, "trace.json"));
    expect(names(trace)).toEqual(expect.arrayContaining(["scenario sequential-vs-concurrent", "sequential", "concurrent", "fetch item 1", "fetch item 2", "fetch item 3"]));
    expect(trace.tasks.find((task) => task.name === "scenario sequential-vs-concurrent")?.outcome).toBe("done");

    const chrome = readFileSync(join(dir, "chrome.json"), "utf8");
    expect((JSON.parse(chrome) as { traceEvents: unknown[] }).traceEvents.length).toBeGreaterThan(10);
    const again = importTrace(chrome);
    expect(again.ok && again.format).toBe("chrome");
    expect(again.ok && again.trace.tasks.length).toBe(trace.tasks.length);

    const png = readFileSync(join(dir, "panel.png"));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    // The width is the undocked DevTools window's: the panel had room to draw the session.
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(1000);
    // And it drew it: the timeline's area (below the panel's toolbar, overview and ruler, left
    // of the details pane) holds labels and bars, not one flat colour.
    const pixels = decodePng(png);
    expect(pixels).not.toBeNull();
    expect(distinctColours(pixels!, { x: 0, y: 140, width: Math.round(pixels!.width * 0.6), height: 300 })).toBeGreaterThan(8);

    // The summary a person reads.
    expect(run.stdout).toContain("sequential-vs-concurrent");
    expect(run.stdout).toMatch(/Tasks +\d+ tasks: \d+ done/);
    expect(run.stdout).toMatch(/Concurrency +peak \d+ tasks alive/);
    expect(run.stdout).toMatch(/Event loop +[\d.]+% busy/);
    expect(run.stdout).toContain("Slowest tasks");
    expect(run.stdout).toContain("Warnings");
    expect(run.stdout).toContain("Wrote trace.json");
    expect(run.stdout).toContain("Wrote chrome.json");
    expect(run.stdout).toContain("Wrote panel.png");
    expect(run.stderr).toMatch(/recorded .* \(the page went idle\)/);
  });

  test("--fail-on deadlock fails on the demo's deadlock, after writing the trace", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", "--scenario", "deadlock", "--out", "deadlock.json", "--fail-on", "deadlock"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.budget);
    expect(run.stderr).toMatch(/budget broken: --fail-on deadlock: deadlock: .*transfer alice→bob/);
    expect(run.stdout).toMatch(/! deadlock: /);
    const trace = readTrace(join(dir, "deadlock.json"));
    expect(trace.tasks.filter((task) => task.name.startsWith("transfer ")).map((task) => task.outcome)).toEqual(["pending", "pending"]);
  });

  test("an unknown demo scenario is refused with the list of known ones", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", "--scenario", "no-such-scenario"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.usage);
    expect(lastLine(run.stderr)).toMatch(/^aioscope: the demo has no scenario "no-such-scenario": use one of .*gather.*deadlock.*all$/);
    expect(existsSync(join(dir, "trace.json"))).toBe(false);
  });

  test("a page's load-time work is recorded by default, from its first script", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", startup.url], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    expect(run.stderr).toContain("from its first script");
    const trace = readTrace(join(dir, "trace.json"));
    expect(names(trace).sort()).toEqual(["boot-config", "boot-data", "startup"]);
    expect(trace.tasks.every((task) => task.outcome === "done")).toBe(true);
    // The page's own load-time fetch is there too, and the page ran once: one navigation.
    expect(trace.nativeOps.some((op) => op.kind === "fetch" && `${op.label} ${op.detail ?? ""}`.includes("/boot.json"))).toBe(true);
    expect(trace.markers.filter((marker) => marker.kind === "navigation")).toHaveLength(1);
    expectTimerCausedByBootFetch(trace);
  });

  test("--reload records the reloaded document from its first script; --attach records from now", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const attached = await runCli(["record", startup.url, "--attach", "--out", "attach.json"], { cwd: dir });
    expect(attached.status, describeRun(attached)).toBe(EXIT.ok);
    expect(attached.stderr).toContain("from now");
    expect(names(readTrace(join(dir, "attach.json")))).toEqual([]);

    const reloaded = await runCli(["record", startup.url, "--reload", "--out", "reload.json"], { cwd: dir });
    expect(reloaded.status, describeRun(reloaded)).toBe(EXIT.ok);
    const trace = readTrace(join(dir, "reload.json"));
    expect(names(trace).sort()).toEqual(["boot-config", "boot-data", "startup"]);
    expect(trace.tasks.every((task) => task.outcome === "done")).toBe(true);
    expectTimerCausedByBootFetch(trace);
  });

  test("--until-idle asks the page: long blocking steps keep it busy, an interval and an animation loop do not", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", longSteps.url, "--until-idle"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/recorded .* \(the page went idle\)/);
    const trace = readTrace(join(dir, "trace.json"));
    const task = trace.tasks.find((t) => t.name === "long-steps");
    // The recording lasted until the work was over: the task is done, with its five long steps.
    expect(task?.outcome, describeRun(run)).toBe("done");
    const long = trace.steps.filter((step) => step.task === task!.id && step.end !== null && step.end - step.start >= 590);
    expect(long).toHaveLength(5);
    // The loops were recorded, still running when the page was judged idle.
    expect(trace.nativeOps.some((op) => op.kind === "setInterval" && op.end === null)).toBe(true);
  });

  test("--duration records for a fixed time, even a page that never goes idle", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", neverIdle.url, "--duration", "1500ms"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    expect(run.stderr).toMatch(/recorded .* \(after 1\.50 s\)/);
    const trace = readTrace(join(dir, "trace.json"));
    expect(trace.tasks.filter((task) => task.name === "tick" && task.outcome === "done").length).toBeGreaterThan(5);
    expect(trace.tasks.some((task) => task.outcome === "pending")).toBe(true);
  });

  test("a page that never goes idle: exit status 5 with the reason, and the trace so far", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", neverIdle.url, "--until-idle", "--timeout", "3s"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.notIdle);
    expect(lastLine(run.stderr)).toMatch(/^aioscope: the page did not go idle within 3\.00 s: .*; wrote the trace so far/);
    const trace = readTrace(join(dir, "trace.json"));
    expect(trace.tasks.filter((task) => task.name === "tick" && task.outcome === "done").length).toBeGreaterThan(5);
    expect(trace.tasks.some((task) => task.outcome === "pending")).toBe(true);
  });

  test("Ctrl-C while recording writes the trace so far and exits with status 130", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    let ticksAtStart: number | null = null;
    let interrupted = false;
    // The duration only bounds a failing run: the test interrupts long before it.
    const run = await runCli(["record", neverIdle.url, "--duration", "60s", "--out", "partial.json"], {
      cwd: dir,
      onStderr: (stderr, child) => {
        if (ticksAtStart === null && stderr.includes("● recording")) {
          ticksAtStart = neverIdle.ticks;
          // Interrupt once the page has demonstrably run for a while under recording.
          const poll = setInterval(() => {
            if (neverIdle.ticks >= ticksAtStart! + 5 && !interrupted) {
              interrupted = true;
              clearInterval(poll);
              child.kill("SIGINT");
            }
          }, 50);
        }
      },
    });
    const why = ticksAtStart === null ? "the CLI never started recording" : `the page made ${neverIdle.ticks - ticksAtStart} ticks while recording`;
    expect(interrupted, `${why}\n${describeRun(run)}`).toBe(true);
    expect(run.status, describeRun(run)).toBe(EXIT.interrupted);
    expect(run.stderr).toContain("Ctrl-C: stopping, and writing the trace so far");
    expect(lastLine(run.stderr)).toMatch(/^aioscope: interrupted: wrote the trace recorded so far/);
    const partial = readTrace(join(dir, "partial.json"));
    expect(partial.tasks.filter((task) => task.name === "tick" && task.outcome === "done").length).toBeGreaterThan(3);
    expect(partial.tasks.some((task) => task.outcome === "pending")).toBe(true);
  });

  test("an --out whose folder goes away during the recording: the trace goes to a fallback file, status 6", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, "out"));
    const run = await runCli(["record", startup.url, "--out", "out/trace.json"], {
      cwd: dir,
      onStderr: (stderr) => {
        if (stderr.includes("● recording")) rmSync(join(dir, "out"), { recursive: true, force: true });
      },
    });
    expect(run.status, describeRun(run)).toBe(EXIT.output);
    const reason = /^aioscope: cannot write --out out\/trace\.json: its folder does not exist; wrote it to (\S+) instead$/.exec(lastLine(run.stderr) ?? "");
    expect(reason, describeRun(run)).not.toBeNull();
    const fallback = reason![1]!;
    expect(run.stdout).toContain(`Wrote ${fallback} instead of out/trace.json`);
    expect(names(readTrace(fallback)).sort()).toEqual(["boot-config", "boot-data", "startup"]);
  });

  test("a page that floods the recorder: --timeout ends the run within its grace period, with the trace complete or a precise reason", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    let recordingAt = 0;
    const run = await runCli(["record", flood.url, "--until-idle", "--timeout", "3s"], {
      cwd: dir,
      onStderr: (stderr) => {
        if (recordingAt === 0 && stderr.includes("● recording")) recordingAt = Date.now();
      },
    });
    const afterRecordingStarted = Date.now() - recordingAt;
    expect(run.status, describeRun(run)).toBe(EXIT.notIdle);
    // The 3 s cap, then stopping, reading out and writing within the 5 s grace period; then
    // the process ends (closing Chromium), which a loaded machine may take a few seconds over.
    expect(afterRecordingStarted, describeRun(run)).toBeLessThan(3000 + 5000 + 5000);
    // A quiet machine reads a flood of a few seconds out well within the grace period; a
    // machine loaded far beyond its cores may not, and then the run says so and leaves no
    // half-written file.
    if (existsSync(join(dir, "trace.json"))) {
      expect(run.stdout).toContain("Wrote trace.json");
      expect(readTrace(join(dir, "trace.json")).tasks.filter((task) => task.name === "drop").length).toBeGreaterThan(100);
      expect(lastLine(run.stderr)).toMatch(/^aioscope: the page did not go idle within 3\.00 s: .*; wrote the trace so far/);
    } else {
      expect(lastLine(run.stderr)).toBe("aioscope: the page did not go idle within 3.00 s, and the trace was not finished 5 s later; quitting (each output file is either complete or not there)");
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  test("a page whose main thread hangs: --timeout ends the run within its grace period, and the trace so far is written", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    let recordingAt = 0;
    const run = await runCli(["record", hung.url, "--until-idle", "--timeout", "3s"], {
      cwd: dir,
      onStderr: (stderr) => {
        if (recordingAt === 0 && stderr.includes("● recording")) recordingAt = Date.now();
      },
    });
    const afterRecordingStarted = Date.now() - recordingAt;
    expect(run.status, describeRun(run)).toBe(EXIT.notIdle);
    expect(lastLine(run.stderr)).toMatch(/^aioscope: the page did not go idle within 3\.00 s: .*; wrote the trace so far/);
    const trace = readTrace(join(dir, "trace.json"));
    expect(trace.tasks.find((task) => task.name === "before the hang")?.outcome).toBe("done");
    // The page answers no question, and the CLI does not wait for it: the cap and the grace period.
    expect(afterRecordingStarted, describeRun(run)).toBeLessThan(3000 + 5000 + 5000);
  });

  test("SIGTERM while recording a flooding page: the trace so far is written, status 143", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    let signalledAt = 0;
    const run = await runCli(["record", flood.url, "--duration", "60s", "--screenshot", "never.png"], {
      cwd: dir,
      onStderr: (stderr, child) => {
        if (signalledAt === 0 && stderr.includes("● recording")) {
          signalledAt = Date.now();
          child.kill("SIGTERM");
        }
      },
    });
    const afterSignal = Date.now() - signalledAt;
    expect(run.status, describeRun(run)).toBe(EXIT.terminated);
    expect(run.stderr).toContain("SIGTERM: stopping, and writing the trace so far");
    expect(run.stdout).toContain("Skipped never.png: interrupted");
    expect(existsSync(join(dir, "never.png"))).toBe(false);
    readTrace(join(dir, "trace.json"));
    // Obeyed within the grace period (5 s), plus the time a loaded machine takes to exit.
    expect(afterSignal, describeRun(run)).toBeLessThan(5000 + 10_000);
  });

  test("SIGTERM while reading a flooding page's trace out of the panel: status 143 within the grace period, the trace complete or absent", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    let signalledAt = 0;
    const run = await runCli(["record", flood.url, "--duration", "8s", "--screenshot", "never.png"], {
      cwd: dir,
      onStderr: (stderr, child) => {
        if (signalledAt === 0 && stderr.includes("reading the trace from the panel")) {
          signalledAt = Date.now();
          child.kill("SIGTERM");
        }
      },
    });
    const afterSignal = Date.now() - signalledAt;
    expect(signalledAt, describeRun(run)).toBeGreaterThan(0);
    expect(run.status, describeRun(run)).toBe(EXIT.terminated);
    expect(run.stderr).toContain("SIGTERM: stopping, and writing the trace so far");
    expect(existsSync(join(dir, "never.png"))).toBe(false);
    // Each file is whole or not there: written beside its name and renamed over it when done.
    const out = join(dir, "trace.json");
    if (existsSync(out)) expect(readTrace(out).tasks.filter((task) => task.name === "drop").length).toBeGreaterThan(100);
    expect(readdirSync(dir).filter((name) => name.startsWith(".aioscope-probe"))).toEqual([]);
    // Obeyed within the grace period (5 s), plus the time a loaded machine takes to exit.
    expect(afterSignal, describeRun(run)).toBeLessThan(5000 + 10_000);
  });

  test("a page that answers an HTTP error is recorded anyway, with a note its own scripts cannot change", { timeout: CLI_TIMEOUT_MS }, async () => {
    // The page claims a 200 through the API the status is read from, in its own world.
    const missing = await servePage(`<!doctype html><title>missing</title><script>
      Performance.prototype.getEntriesByType = () => [{ responseStatus: 200 }];
      fetch("/tick").then((response) => response.text());
    </script>`, 404);
    try {
      const dir = scratchDir();
      const run = await runCli(["record", missing.url], { cwd: dir });
      expect(run.status, describeRun(run)).toBe(EXIT.ok);
      expect(run.stderr).toContain(`note: ${missing.url} answered HTTP 404; recording it anyway`);
      const trace = readTrace(join(dir, "trace.json"));
      expect(trace.nativeOps.filter((op) => op.kind === "fetch" && op.label.endsWith("/tick")).map((op) => op.outcome)).toEqual(["ok"]);
    } finally {
      await missing.close();
    }
  });

  test("an unreachable URL: exit status 4 and one line saying why", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const url = `http://127.0.0.1:${await unusedPort()}/`;
    const run = await runCli(["record", url], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.unreachable);
    expect(lastLine(run.stderr)).toBe(`aioscope: cannot open ${url}: connection refused (is the server running?) (net::ERR_CONNECTION_REFUSED)`);
    expect(existsSync(join(dir, "trace.json"))).toBe(false);
  });
});
