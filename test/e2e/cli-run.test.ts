/**
 * `aioscope run`: the demo's Node scripts (demo/node) run and recorded as a person would run
 * them — the program's own output, the trace's tasks and outcomes, the summary — and a program
 * that fails, one stopped by SIGTERM, and bad input.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { ensurePreloadBuilt } from "../../src/cli/run.ts";
import { importTrace } from "../../src/trace/index.ts";
import { CLI_TIMEOUT_MS, describeRun, runCli, scratchDir } from "./cli-helpers.ts";
import { byName, readTrace } from "../unit/trace/helpers.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const DEMO = join(REPO_ROOT, "demo/node");
const EXIT = { ok: 0, budget: 1, usage: 2, program: 8, terminated: 143 } as const;



describe("aioscope run", () => {
  // The scripts import "aioscope", which is this checkout's dist/runtime: build what run uses.
  beforeAll(() => {
    ensurePreloadBuilt(() => {});
  }, CLI_TIMEOUT_MS);

  test("sequential-vs-concurrent: the tasks, their order and outcomes, the program's output and the summary", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["run", join(DEMO, "sequential-vs-concurrent.mjs"), "--chrome-trace", "chrome.json"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    // The program's own line comes first, then the summary.
    expect(run.stdout).toMatch(/one after another: \d+ ms · with gather: \d+ ms/);
    expect(run.stdout.indexOf("one after another")).toBeLessThan(run.stdout.indexOf("Tasks "));
    expect(run.stdout).toMatch(/^Tasks +6 tasks: 6 done$/m);
    expect(run.stdout).toContain("Wrote trace.json");
    expect(run.stdout).toContain("Wrote chrome.json");

    const trace = readTrace(join(dir, "trace.json"));
    const main = byName(trace, "main");
    const sequential = byName(trace, "sequential");
    const concurrent = byName(trace, "concurrent");
    const fetches = ["fetch item 1", "fetch item 2", "fetch item 3"].map((name) => byName(trace, name));
    for (const task of [main, sequential, concurrent, ...fetches]) expect(task.outcome, task.name).toBe("done");
    expect(sequential.parent).toBe(main.id);
    for (const fetch of fetches) expect(fetch.parent).toBe(concurrent.id);
    // One after another, then together: the concurrent phase starts once the sequential ends,
    // and takes about a third of its time (three 200 ms waits against one).
    expect(concurrent.created).toBeGreaterThanOrEqual(sequential.end!);
    expect((concurrent.end! - concurrent.created) / (sequential.end! - sequential.created)).toBeLessThan(0.6);
    // Creation sites point into the script, not into the runtime or the recorder.
    expect(fetches[0]!.site?.file).toMatch(/demo\/node\/sequential-vs-concurrent\.mjs$/);
    expect(trace.metadata.title).toBe("sequential-vs-concurrent.mjs");
    const chrome = importTrace(readFileSync(join(dir, "chrome.json"), "utf8"));
    expect(chrome.ok && chrome.trace.tasks.length).toBe(trace.tasks.length);
  });

  test("task-group-failure: the failing child, its cancelled siblings and the ExceptionGroup in main", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["run", join(DEMO, "task-group-failure.mjs"), "--out", "group.json"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/raised ExceptionGroup\[HttpError\]/);
    const trace = readTrace(join(dir, "group.json"));
    const orders = byName(trace, "load orders");
    expect(orders.outcome).toBe("error");
    expect(orders.error?.name).toBe("HttpError");
    for (const [name, ownMs] of [["load profile", 400], ["load recommendations", 600]] as const) {
      const sibling = byName(trace, name);
      expect(sibling.outcome, name).toBe("cancelled");
      // Cancelled because the orders failed: they end after it, before their own request could answer.
      expect(sibling.end!).toBeGreaterThanOrEqual(orders.end!);
      expect(sibling.end! - sibling.created).toBeLessThan(ownMs);
    }
    expect(byName(trace, "main").outcome).toBe("done");
  });

  test("producer-consumer: a queue between producers and consumers, the idle consumers cancelled", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["run", join(DEMO, "producer-consumer.mjs")], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.ok);
    const trace = readTrace(join(dir, "trace.json"));
    for (const name of ["producer-1", "producer-2"]) expect(byName(trace, name).outcome).toBe("done");
    for (const name of ["consumer-1", "consumer-2", "consumer-3"]) expect(byName(trace, name).outcome).toBe("cancelled");
    expect(trace.resources.some((resource) => resource.kind === "queue")).toBe(true);
  });

  test("the deadlock ends the program with its tasks pending, and --fail-on deadlock fails it", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const run = await runCli(["run", join(DEMO, "deadlock.mjs"), "--fail-on", "deadlock"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.budget);
    expect(run.stderr).toMatch(/budget broken: --fail-on deadlock: deadlock: .*wait-for cycle: transfer/);
    const trace = readTrace(join(dir, "trace.json"));
    for (const name of ["main", "transfer A→B", "transfer B→A"]) expect(byName(trace, name).outcome).toBe("pending");
  });

  test("a program that fails: its trace and summary, then status 8 and its error quoted", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, "fails.mjs"), `import { run, sleep } from ${JSON.stringify(join(REPO_ROOT, "dist/runtime/index.js"))};
await run(function* main() { yield* sleep(20); throw new RangeError("the widget count went negative"); }, { name: "main" });
`);
    const run = await runCli(["run", "fails.mjs", "--out", "fails.json"], { cwd: dir });
    expect(run.status, describeRun(run)).toBe(EXIT.program);
    expect(run.stdout).toMatch(/^Tasks +1 task: 1 failed$/m);
    expect(run.stderr).toMatch(/aioscope: fails\.mjs exited with status 1; the end of its stderr:\n {2}RangeError: the widget count went negative\n?$/);
    expect(byName(readTrace(join(dir, "fails.json")), "main").error?.message).toBe("the widget count went negative");
  });

  test("SIGTERM stops the program, which writes what it did so far: status 143", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, "forever.mjs"), `import { run, sleep } from ${JSON.stringify(join(REPO_ROOT, "dist/runtime/index.js"))};
console.log("started");
await run(function* poller() { for (let k = 0; ; k++) yield* sleep(20); }, { name: "poller" });
`);
    let sent = false;
    const run = await runCli(["run", "forever.mjs", "--out", "forever.json"], {
      cwd: dir,
      onStdout: (stdout, child) => {
        if (!sent && stdout.includes("started")) {
          sent = true;
          child.kill("SIGTERM");
        }
      },
    });
    const { stderr } = run;
    expect(run.status, describeRun(run)).toBe(EXIT.terminated);
    expect(stderr).toContain("SIGTERM: stopping the program, which writes its trace so far");
    expect(stderr).toContain("forever.mjs was stopped by SIGTERM; the trace holds what it did until then");
    expect(byName(readTrace(join(dir, "forever.json")), "poller").outcome).toBe("pending");
  });

  test("Ctrl-C in a terminal (SIGINT to the whole process group) writes the trace so far: status 130", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, "forever.mjs"), `import { run, sleep, createTask } from ${JSON.stringify(join(REPO_ROOT, "dist/runtime/index.js"))};
await run(function* poller() {
  for (let k = 0; ; k++) {
    yield* createTask(sleep(20), { name: "tick" });
    if (k === 0) console.log("started"); // after a whole tick
  }
}, { name: "poller" });
`);
    // Its own process group, as a shell gives a foreground job: the signal reaches aioscope and the program.
    let sent = false;
    const run = await runCli(["run", "forever.mjs"], {
      cwd: dir,
      detached: true,
      onStdout: (stdout, child) => {
        if (!sent && stdout.includes("started")) {
          sent = true;
          process.kill(-child.pid!, "SIGINT");
        }
      },
    });
    const { stdout, stderr } = run;
    expect(run.status, describeRun(run)).toBe(130);
    expect(stderr).toContain("forever.mjs was stopped by Ctrl-C");
    expect(stdout).toContain("Wrote trace.json");
    const trace = readTrace(join(dir, "trace.json"));
    expect(byName(trace, "poller").outcome).toBe("pending");
    expect(trace.tasks.filter((task) => task.name === "tick" && task.outcome === "done").length).toBeGreaterThan(0);
  });

  test("bad input: a missing script, an unknown option before --, the program's options after it", { timeout: CLI_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const missing = await runCli(["run", "nowhere.mjs"], { cwd: dir });
    expect(missing.status).toBe(EXIT.usage);
    expect(missing.stderr.trim()).toBe("aioscope: cannot run nowhere.mjs: no such file");
    const unknown = await runCli(["run", "x.mjs", "--verbose"], { cwd: dir });
    expect(unknown.status).toBe(EXIT.usage);
    expect(unknown.stderr).toContain("the program's own options go after --: aioscope run script.mjs -- --verbose");
    writeFileSync(join(dir, "args.mjs"), "console.log(JSON.stringify(process.argv.slice(2)));\n");
    const passed = await runCli(["run", "args.mjs", "a", "--out", "args.json", "--", "--verbose", "b"], { cwd: dir });
    expect(passed.status, describeRun(passed)).toBe(EXIT.ok);
    expect(passed.stdout.split("\n")[0]).toBe(JSON.stringify(["a", "--verbose", "b"]));
    expect(existsSync(join(dir, "args.json"))).toBe(true);
  });
});
