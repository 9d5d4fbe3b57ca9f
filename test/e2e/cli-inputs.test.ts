/**
 * The CLI's bad inputs that need no recording: a command line it cannot follow, an output
 * path it cannot write, no usable Chromium, no display. Each gets one line on stderr and its
 * own exit status, before any browser work is wasted.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI_TIMEOUT_MS, describeRun, runCli, scratchDir } from "./cli-helpers.ts";

const EXIT = { ok: 0, usage: 2, environment: 3, output: 6 } as const;

/** Exactly one line on stderr. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe("aioscope's command line", () => {
  test("--help lists the commands, the options and the exit statuses", { timeout: CLI_TIMEOUT_MS }, async () => {
    const run = await runCli(["--help"]);
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    for (const text of ["aioscope record [url]", "aioscope analyze <trace.json>", "--scenario", "--duration", "--until-idle", "--out", "--chrome-trace", "--screenshot", "--reload", "--show", "--fail-on", "Exit status"]) {
      expect(run.stdout).toContain(text);
    }
  });

  test("--version prints the package's version", { timeout: CLI_TIMEOUT_MS }, async () => {
    const run = await runCli(["--version"]);
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    expect(run.stdout.trim()).toMatch(/^aioscope \d+\.\d+\.\d+/);
  });

  test.each([
    [["record", "--duration", "5"], /^aioscope: --duration "5" is not a duration: write it as 500ms, 5s or 1m$/],
    [["record", "--duration", "0s"], /^aioscope: --duration must be longer than 0/],
    [["record", "--duration", "5s", "--until-idle"], /^aioscope: --duration and --until-idle exclude each other/],
    [["record", "--timeout", "soon"], /^aioscope: --timeout "soon" is not a duration/],
    [["record", "--frobnicate"], /^aioscope: unknown option --frobnicate for aioscope record/],
    [["record", "--out"], /^aioscope: --out needs a value/],
    [["record", "a.example", "b.example"], /^aioscope: aioscope record takes one url, got 2/],
    [["record", "--fail-on", "slowness"], /^aioscope: --fail-on "slowness" is not a check: use warnings, deadlock, slow-step>100ms, max-concurrency>N or an insight kind \(aioscope analyze --help\)$/],
    [["record", "--fail-on", "max-concurrency>lots"], /^aioscope: --fail-on max-concurrency>lots: the limit must be a whole number/],
    [["analyze"], /^aioscope: aioscope analyze needs a trace file/],
    [["profile"], /^aioscope: unknown command "profile"/],
  ])("refuses %j with status 2 and one line", { timeout: CLI_TIMEOUT_MS }, async (args, message) => {
    const run = await runCli(args);
    expect(run.status, describeRun(run)).toBe(EXIT.usage);
    expect(oneLine(run.stderr)).toMatch(message);
  });

  test("an --out in a folder that does not exist is refused before recording", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", "--out", "missing/trace.json"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.output);
    expect(oneLine(run.stderr)).toBe(`aioscope: cannot write --out missing/trace.json: the folder ${join(dir, "missing")} does not exist`);
  });

  test("a --screenshot path that is a folder is refused before recording", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, "shots"));
    const run = await runCli(["record", "--screenshot", "shots"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.output);
    expect(oneLine(run.stderr)).toBe("aioscope: cannot write --screenshot shots: it is a folder");
  });

  test("a CHROME_PATH that does not exist: status 3 and what to do", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record"], { cwd: dir, env: { CHROME_PATH: "/nonexistent/chromium" } });
    expect(run.status, describeRun(run)).toBe(EXIT.environment);
    expect(oneLine(run.stderr)).toBe("aioscope: CHROME_PATH is /nonexistent/chromium, which does not exist");
    expect(existsSync(join(dir, "trace.json"))).toBe(false);
  });

  test("a CHROME_PATH that is not a browser: status 3 and the launch failure in one line", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["record", "http://127.0.0.1:9/"], { cwd: dir, env: { CHROME_PATH: "/bin/false" } });
    expect(run.status, describeRun(run)).toBe(EXIT.environment);
    expect(run.stderr.trim().split("\n").at(-1)).toMatch(/^aioscope: could not start \/bin\/false: /);
  });

  test("open without a display is refused, pointing at headless recording", { timeout: CLI_TIMEOUT_MS }, async () => {
    const run = await runCli(["open"], { env: { DISPLAY: "", WAYLAND_DISPLAY: "" } });
    expect(run.status, describeRun(run)).toBe(EXIT.environment);
    expect(oneLine(run.stderr)).toMatch(/^aioscope: aioscope open needs a display .*`aioscope record` records headless$/);
  });

  test("--show without a display is refused, pointing at headless recording", { timeout: CLI_TIMEOUT_MS }, async () => {
    const run = await runCli(["record", "--show"], { env: { DISPLAY: "", WAYLAND_DISPLAY: "" } });
    expect(run.status, describeRun(run)).toBe(EXIT.environment);
    expect(oneLine(run.stderr)).toMatch(/^aioscope: --show needs a display .*leave it out to record headless$/);
  });
});
