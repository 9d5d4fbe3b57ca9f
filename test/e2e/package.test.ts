/**
 * The published package, as a user gets it: `npm pack`ed, unpacked into a scratch project's
 * node_modules, and imported from there — `aioscope`, `aioscope/trace` and `aioscope/node`
 * resolve through package.json's `exports`, run in Node, and type-check with their types
 * (TypeScript's nodenext resolution, as a Node project uses it). Then `aioscope run` records
 * that project: the runtime copy it imports is the packed one, not the checkout's; and the
 * packed command itself (its bundled CLI, after `npm run build`) runs and views a program.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { ensurePreloadBuilt } from "../../src/cli/run.ts";
import { importTrace } from "../../src/trace/index.ts";
import { CLI_TIMEOUT_MS, describeRun, runCli, scratchDir } from "./cli-helpers.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** A program written against the package's three entry points. */
const PROGRAM = `import { createTask, gather, run, sleep } from "aioscope";
import { startRecording } from "aioscope/node";
import { analyze, exportAioscope, importTrace } from "aioscope/trace";

const recording = startRecording({ out: process.argv[2] ?? null });
await run(function* main() {
  yield* gather([
    createTask(function* () { yield* sleep(30); }, { name: "fetch a" }),
    createTask(function* () { yield* sleep(60); }, { name: "fetch b" }),
  ]);
}, { name: "main" });
const trace = recording.stop();
const again = importTrace(exportAioscope(trace));
console.log(JSON.stringify({
  tasks: trace.tasks.map((task) => [task.name, task.outcome]),
  reimported: again.ok ? again.trace.tasks.length : again.error.message,
  peak: analyze(trace).summary.alive.peak,
}));
`;

/** The same calls, typed: a wrong use must fail to compile, so the types are really read. */
const TYPED = `import { run, sleep, type Task } from "aioscope";
import { recordRuntime, startRecording, type NodeRecording } from "aioscope/node";
import { analyze, exportAioscope, type Trace, type TraceAnalysis } from "aioscope/trace";

const recording: NodeRecording = startRecording({ out: "trace.json", creationSites: true });
const trace: Trace = recording.stop();
const analysis: TraceAnalysis = analyze(trace);
const text: string = exportAioscope(trace);
const result = await recordRuntime(() => run(function* () { yield* sleep(1); return 1; }));
const value: number | undefined = result.ok ? result.value : undefined;
let task: Task<unknown> | null = null;
export { analysis, text, value, task };
`;
const MISTYPED = `import { startRecording } from "aioscope/node";
import { analyze } from "aioscope/trace";
const count: string = analyze(startRecording().stop()).summary.alive.peak;
export { count };
`;

const TSCONFIG = {
  compilerOptions: {
    module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, noEmit: true, skipLibCheck: false,
    lib: ["es2023", "dom"], types: ["node"], typeRoots: [join(REPO_ROOT, "node_modules/@types")],
  },
};

describe("the packed package", () => {
  const project = scratchDir();

  beforeAll(() => {
    ensurePreloadBuilt(() => {});
    const packed = JSON.parse(execFileSync(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: REPO_ROOT, encoding: "utf8" })) as { filename: string }[];
    const tarball = join(project, packed[0]!.filename);
    mkdirSync(join(project, "node_modules"));
    execFileSync("tar", ["-xzf", tarball, "-C", join(project, "node_modules")]);
    renameSync(join(project, "node_modules/package"), join(project, "node_modules/aioscope"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
    writeFileSync(join(project, "main.mjs"), PROGRAM);
  }, CLI_TIMEOUT_MS);

  test("aioscope, aioscope/trace and aioscope/node import and record in Node", { timeout: CLI_TIMEOUT_MS }, () => {
    const out = execFileSync(process.execPath, ["main.mjs"], { cwd: project, encoding: "utf8" });
    const result = JSON.parse(out) as { tasks: [string, string][]; reimported: number; peak: number };
    expect(result.tasks).toEqual([["main", "done"], ["fetch a", "done"], ["fetch b", "done"]]);
    expect(result.reimported).toBe(3);
    expect(result.peak).toBe(3);
  });

  test("their types resolve through exports: right uses compile, a wrong one does not", { timeout: CLI_TIMEOUT_MS }, () => {
    const tsc = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ ...TSCONFIG, files: ["typed.mts"] }));
    writeFileSync(join(project, "typed.mts"), TYPED);
    const good = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
    expect(good.status, good.stdout + good.stderr).toBe(0);

    writeFileSync(join(project, "tsconfig.wrong.json"), JSON.stringify({ ...TSCONFIG, files: ["mistyped.mts"] }));
    writeFileSync(join(project, "mistyped.mts"), MISTYPED);
    const bad = spawnSync(process.execPath, [tsc, "-p", "tsconfig.wrong.json"], { cwd: project, encoding: "utf8" });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/mistyped\.mts\(3,7\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });

  test("aioscope run records the project's own copy of the runtime", { timeout: CLI_TIMEOUT_MS }, async () => {
    const run = await runCli(["run", "main.mjs", "--out", "run.json"], { cwd: project });
    expect(run.status, describeRun(run)).toBe(0);
    const result = importTrace(readFileSync(join(project, "run.json")));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.trace.tasks.map((task) => task.name)).toEqual(["main", "fetch a", "fetch b"]);
    // Each task was created in the program, and the program imported the packed copy.
    expect(result.trace.tasks[1]!.site?.file).toBe(`file://${join(project, "main.mjs")}`);
    expect(readFileSync(join(project, "node_modules/aioscope/package.json"), "utf8")).toContain('"./trace"');
  });

  test("the packed aioscope command runs a program and serves its trace", { timeout: CLI_TIMEOUT_MS }, async () => {
    expect(existsSync(join(REPO_ROOT, "dist/aioscope-cli.js")), "dist/aioscope-cli.js is missing: npm run build first").toBe(true);
    // npm install would have put the CLI's dependency beside it.
    symlinkSync(join(REPO_ROOT, "node_modules/puppeteer-core"), join(project, "node_modules/puppeteer-core"), "dir");
    const bin = join(project, "node_modules/aioscope/bin/aioscope.mjs");
    const ran = spawnSync(process.execPath, [bin, "run", "main.mjs", "--out", "packed.json"], { cwd: project, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^Tasks +3 tasks: 3 done$/m);

    const view = spawn(process.execPath, [bin, "view", "packed.json", "--no-open"], { cwd: project });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        view.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          const found = /^http:\/\/127\.0\.0\.1:\d+\/\S*$/m.exec(out)?.[0];
          if (found !== undefined) resolve(found);
        });
        view.on("close", (status) => reject(new Error(`aioscope view ended with status ${status}: ${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"/);
      const trace = await fetch(new URL("/trace/packed.json", url));
      expect(importTrace(new Uint8Array(await trace.arrayBuffer())).ok).toBe(true);
    } finally {
      view.kill("SIGTERM");
    }
  });
});
