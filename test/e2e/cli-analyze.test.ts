/**
 * `aioscope analyze` on saved traces, and `--fail-on` budgets. The traces are recorded here,
 * in Node, from small runtime programs (the runtime and the trace module run in Node as in a
 * page), so each test knows exactly what its trace holds. No browser is needed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { createTask, gather, Lock, run, sleep, type Task } from "../../src/runtime/index.ts";
import { exportAioscope, exportChrome, type Trace } from "../../src/trace/index.ts";
import { CLI_TIMEOUT_MS, describeRun, recordProgram, runCli, scratchDir } from "./cli-helpers.ts";

const EXIT = { ok: 0, budget: 1, usage: 2 } as const;

const record = (program: () => Promise<void>): Promise<Trace> => recordProgram(program, "node://cli-analyze-test", "analyze test");

/** Ten sleepers at once, and one task whose step blocks the loop for 150 ms. */
async function busyProgram(): Promise<void> {
  await run(function* main() {
    const sleepers: Task<void>[] = [];
    for (let k = 0; k < 10; k++) sleepers.push(createTask(function* () { yield* sleep(20 + k); }, { name: `sleeper-${k}` }));
    const blocker = createTask(function* () {
      const until = performance.now() + 150;
      while (performance.now() < until) { /* a synchronous step that blocks the loop */ }
      yield* sleep(1);
    }, { name: "blocker" });
    yield* gather([...sleepers, blocker]);
  }, { name: "main" });
}

/** Three short tasks, nothing to warn about. */
async function cleanProgram(): Promise<void> {
  await run(function* main() {
    yield* gather([10, 20, 30].map((ms) => createTask(function* () { yield* sleep(ms); }, { name: `fetch-${ms}` })));
  }, { name: "main" });
}

/**
 * Two tasks taking two locks in opposite order: both end up waiting for each other forever.
 * It returns once both wait (the loop is left stuck; nothing else runs on it).
 */
async function deadlockProgram(): Promise<void> {
  let stuck = 0;
  let bothStuck!: () => void;
  const reached = new Promise<void>((resolve) => (bothStuck = resolve));
  const alice = new Lock();
  const bob = new Lock();
  const transfer = (first: Lock, second: Lock) => function* () {
    yield* first.acquire();
    yield* sleep(5);
    if (++stuck === 2) bothStuck();
    yield* second.acquire();
  };
  void run(function* main() {
    yield* gather([createTask(transfer(alice, bob), { name: "transfer alice→bob" }), createTask(transfer(bob, alice), { name: "transfer bob→alice" })]);
  }, { name: "main" });
  await reached;
  // The step that called acquire() ends in this same macrotask; let it.
  await new Promise((resolve) => setImmediate(resolve));
}

describe("aioscope analyze", () => {
  const dir = scratchDir();
  const files = { busy: join(dir, "busy.json"), clean: join(dir, "clean.json"), deadlock: join(dir, "deadlock.json"), chrome: join(dir, "busy.chrome.json") };

  beforeAll(async () => {
    const busy = await record(busyProgram);
    writeFileSync(files.busy, exportAioscope(busy));
    writeFileSync(files.chrome, exportChrome(busy));
    writeFileSync(files.clean, exportAioscope(await record(cleanProgram)));
    writeFileSync(files.deadlock, exportAioscope(await record(deadlockProgram)));
  });

  test("prints the summary: tasks by outcome, concurrency, loop utilisation, slowest tasks, warnings", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["analyze", files.busy]);
    expect(result.status, describeRun(result)).toBe(EXIT.ok);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("aioscope node://cli-analyze-test · analyze test");
    expect(result.stdout).toMatch(/^Tasks +12 tasks: 12 done$/m);
    expect(result.stdout).toMatch(/^Concurrency +peak 12 tasks alive at [\d.]+ m?s · mean [\d.]+ alive/m);
    expect(result.stdout).toMatch(/^Event loop +[\d.]+% busy running task steps \([\d.]+ m?s in \d+ steps\)$/m);
    const slowest = lines.slice(lines.indexOf("Slowest tasks") + 1, lines.indexOf("Slowest tasks") + 6);
    expect(slowest).toHaveLength(5);
    expect(slowest[0]).toMatch(/^ +[\d.]+ m?s {2}main \(done; busy/);
    expect(result.stdout).toMatch(/^Warnings \(1\)\n {2}! a step of blocker blocked the event loop for [\d.]+ ms \(more than 100 ms\)$/m);
    expect(result.stderr).toBe("");
  });

  test("says so when there is nothing to warn about", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["analyze", files.clean, "--fail-on", "warnings"]);
    expect(result.status, describeRun(result)).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^Warnings +none$/m);
  });

  test("reads aioscope's Chrome trace export as well", { timeout: CLI_TIMEOUT_MS }, async () => {
    const [fromJson, fromChrome] = await Promise.all([runCli(["analyze", files.busy]), runCli(["analyze", files.chrome])]);
    expect(fromChrome.status, describeRun(fromChrome)).toBe(EXIT.ok);
    expect(fromChrome.stdout).toBe(fromJson.stdout);
  });

  test("--fail-on deadlock exits 1 on a deadlock and names the cycle", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["analyze", files.deadlock, "--fail-on", "deadlock"]);
    expect(result.status, describeRun(result)).toBe(EXIT.budget);
    expect(result.stdout).toMatch(/! deadlock: .*transfer alice→bob → transfer bob→alice → transfer alice→bob/);
    expect(result.stderr.trim()).toMatch(/^aioscope: budget broken: --fail-on deadlock: deadlock: /);
  });

  test("--fail-on deadlock passes a trace without one", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["analyze", files.busy, "--fail-on", "deadlock"]);
    expect(result.status, describeRun(result)).toBe(EXIT.ok);
  });

  test("--fail-on slow-step>100ms exits 1; a looser budget passes, and its threshold is the summary's", { timeout: CLI_TIMEOUT_MS }, async () => {
    const strict = await runCli(["analyze", files.busy, "--fail-on", "slow-step>100ms"]);
    expect(strict.status, describeRun(strict)).toBe(EXIT.budget);
    expect(strict.stderr.trim()).toMatch(/^aioscope: budget broken: --fail-on slow-step>100ms: 1 step ran longer; the longest: a step of blocker blocked the event loop for/);
    const loose = await runCli(["analyze", files.busy, "--fail-on", "slow-step>1s"]);
    expect(loose.status, describeRun(loose)).toBe(EXIT.ok);
    expect(loose.stdout).toMatch(/^Warnings +none$/m);
  });

  test("--fail-on max-concurrency>N compares with the peak of tasks alive", { timeout: CLI_TIMEOUT_MS }, async () => {
    const over = await runCli(["analyze", files.busy, "--fail-on", "max-concurrency>5"]);
    expect(over.status, describeRun(over)).toBe(EXIT.budget);
    expect(over.stderr.trim()).toMatch(/^aioscope: budget broken: --fail-on max-concurrency>5: 12 tasks were alive at once \(at [\d.]+ m?s\)$/);
    const within = await runCli(["analyze", files.busy, "--fail-on", "max-concurrency>12"]);
    expect(within.status, describeRun(within)).toBe(EXIT.ok);
  });

  test("--json prints the whole analysis, insights included, and --fail-on takes an insight kind", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["analyze", files.busy, "--json", "--fail-on", "blocked-loop"]);
    expect(result.status, describeRun(result)).toBe(EXIT.budget);
    const analysis = JSON.parse(result.stdout) as { insights: { kind: string; savingMs: number | null }[]; warnings: unknown[]; budgetBroken: string[] };
    const blocked = analysis.insights.find((insight) => insight.kind === "blocked-loop");
    expect(blocked?.savingMs).toBeGreaterThanOrEqual(150);
    expect(analysis.budgetBroken).toEqual([expect.stringMatching(/^--fail-on blocked-loop: 1 insight, the first: The event loop was blocked/)]);
    const clean = await runCli(["analyze", files.clean, "--fail-on", "sequential-awaits,lost-error"]);
    expect(clean.status, describeRun(clean)).toBe(EXIT.ok);
  });

  test("checks combine, comma-separated or repeated, and each broken one is reported", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["analyze", files.busy, "--fail-on", "warnings,deadlock", "--fail-on", "max-concurrency>3"]);
    expect(result.status, describeRun(result)).toBe(EXIT.budget);
    const broken = result.stderr.trim().split("\n");
    expect(broken).toHaveLength(2);
    expect(broken[0]).toMatch(/--fail-on warnings: 1 warning, the first: a step of blocker/);
    expect(broken[1]).toMatch(/--fail-on max-concurrency>3: 12 tasks/);
  });

  test("a file that is not a trace: status 2 and where it is wrong", { timeout: CLI_TIMEOUT_MS }, async () => {
    writeFileSync(join(dir, "notes.txt"), "not json at all");
    writeFileSync(join(dir, "other.json"), JSON.stringify({ format: "something-else" }));
    const text = await runCli(["analyze", join(dir, "notes.txt")]);
    expect(text.status, describeRun(text)).toBe(EXIT.usage);
    expect(text.stderr.trim()).toMatch(/^aioscope: .*notes\.txt is not an aioscope trace: the file is not valid JSON/);
    const other = await runCli(["analyze", join(dir, "other.json")]);
    expect(other.status, describeRun(other)).toBe(EXIT.usage);
    expect(other.stderr.trim().split("\n")).toHaveLength(1);
    expect(other.stderr).toMatch(/other\.json is not an aioscope trace: /);
  });

  test("a file that does not exist: status 2, one line", { timeout: CLI_TIMEOUT_MS }, async () => {
    const result = await runCli(["analyze", join(dir, "missing.json")]);
    expect(result.status, describeRun(result)).toBe(EXIT.usage);
    expect(result.stderr.trim()).toBe(`aioscope: cannot read ${join(dir, "missing.json")}: no such file`);
  });
});
