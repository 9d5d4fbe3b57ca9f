/**
 * `aioscope diff` on saved traces: the same program recorded sequential and concurrent, in
 * Node, compared both ways round and against itself; `--fail-on regression>N%` and `--json`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { createTask, gather, run, sleep } from "../../src/runtime/index.ts";
import { exportAioscope, type Trace } from "../../src/trace/index.ts";
import { deterministicRecorder } from "../unit/trace/helpers.ts";
import { CLI_TIMEOUT_MS, describeRun, recordProgram, runCli, scratchDir } from "./cli-helpers.ts";

const EXIT = { ok: 0, budget: 1, usage: 2 } as const;
const PAGES_MS = [100, 150, 80];

/**
 * The programs run on a virtual clock and are recorded on it (each reading a hair after the one
 * before, to keep their order): a loaded machine cannot stretch one run's sleeps and make the
 * concurrent run look no better than the sequential one.
 */
const record = (program: () => Promise<void>): Promise<Trace> =>
  recordProgram(program, "node://cli-diff-test", "diff test", deterministicRecorder({ creationSites: false }));

function* crawlPage(ms: number) {
  yield* sleep(ms);
}

const sequential = (): Promise<void> => run(function* main() {
  for (const [n, ms] of PAGES_MS.entries()) yield* createTask(crawlPage(ms), { name: `crawl page ${n + 1}` });
}, { name: "main", clock: "virtual" });

const concurrent = (): Promise<void> => run(function* main() {
  yield* gather(PAGES_MS.map((ms, n) => createTask(crawlPage(ms), { name: `crawl page ${n + 1}` })));
}, { name: "main", clock: "virtual" });

describe("aioscope diff", () => {
  const dir = scratchDir();
  const files = { sequential: join(dir, "sequential.json"), concurrent: join(dir, "concurrent.json") };

  beforeAll(async () => {
    writeFileSync(files.sequential, exportAioscope(await record(sequential)));
    writeFileSync(files.concurrent, exportAioscope(await record(concurrent)));
  });

  test("an improvement: shorter wall time and main task, the sequential-awaits insight gone, no regression", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["diff", files.sequential, files.concurrent, "--fail-on", "regression>20%"]);
    expect(result.status, describeRun(result)).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^Wall time +[\d.]+ m?s → [\d.]+ m?s \(−\d+%\)$/m);
    expect(result.stdout).toMatch(/^ {2}crawl page # +3 → 3 · /m);
    expect(result.stdout).toMatch(/^Gone insights \(1\)\n {2}− main waits for 3 independent things one after another/m);
    expect(result.stdout).toMatch(/^Regressions +none over 20%$/m);
  });

  test("a regression fails the budget and names what grew", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["diff", files.concurrent, files.sequential, "--fail-on", "regression>20%"]);
    expect(result.status, describeRun(result)).toBe(EXIT.budget);
    expect(result.stdout).toMatch(/^Regressions over 20% \(\d+\)$/m);
    expect(result.stdout).toMatch(/^ {2}! wall time: [\d.]+ m?s → [\d.]+ m?s \(\+\d+%\)$/m);
    expect(result.stderr.trim()).toMatch(/^aioscope: budget broken: --fail-on regression>20%: .*wall time \+\d+%/);
  });

  test("a trace against itself passes with no change", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["diff", files.sequential, files.sequential, "--fail-on", "regression>0%"]);
    expect(result.status, describeRun(result)).toBe(EXIT.ok);
    expect(result.stdout).not.toMatch(/^(New|Gone) /m);
  });

  test("--json gives the whole comparison", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["diff", files.sequential, files.concurrent, "--json"]);
    expect(result.status, describeRun(result)).toBe(EXIT.ok);
    const diff = JSON.parse(result.stdout) as { wall: { before: number; after: number }; names: { group: string }[]; regressions: unknown };
    expect(diff.wall.after).toBeLessThan(diff.wall.before);
    expect(diff.names.map((n) => n.group)).toEqual(expect.arrayContaining(["main", "crawl page #"]));
    expect(diff.regressions).toBeNull();
  });

  test("a file that is not a trace is a usage error naming it", { timeout: CLI_TIMEOUT_MS }, async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{}");
    const result = await runCli(["diff", files.sequential, bad]);
    expect(result.status, describeRun(result)).toBe(EXIT.usage);
    expect(result.stderr).toContain(`${bad} is not an aioscope trace`);
  });
});
