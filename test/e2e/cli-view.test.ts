/**
 * `aioscope view trace.json`: the built viewer (dist/viewer, the panel's inline shell) served
 * on 127.0.0.1 with the trace loaded, opened in headless Chromium without the extension — the
 * trace's tasks drawn on the timeline, and a screenshot that shows them. Also: a file that is
 * no trace is refused before anything is served, and a foreign Host header gets nothing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodePng, distinctColours } from "../../src/cli/png-pixels.ts";
import { ensureViewerBuilt } from "../../src/cli/view.ts";
import { createTask, gather, run, sleep } from "../../src/runtime/index.ts";
import { exportAioscope } from "../../src/trace/index.ts";
import { BIN, CLI_TIMEOUT_MS, describeRun, recordProgram, runCli, scratchDir } from "./cli-helpers.ts";
import { ARTIFACTS_DIR, POLL } from "./helpers.ts";
import { launchShellBrowser } from "./panel-shell.ts";

const EXIT = { ok: 0, usage: 2 } as const;

/** A small program with a failure and a nesting, so the timeline has rows of several kinds. */
const program = (): Promise<void> => run(function* main() {
  yield* gather([
    createTask(function* () { yield* sleep(60); }, { name: "load settings" }),
    createTask(function* () { yield* sleep(120); throw new Error("offline"); }, { name: "load inbox" }),
    createTask(function* () { yield* sleep(90); }, { name: "load avatar" }),
  ], { returnExceptions: true });
  yield* sleep(30);
}, { name: "main" });

interface Viewing {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  stderr(): string;
}

/** Starts `aioscope view` and waits for the URL it prints. */
function startView(file: string, cwd: string): Promise<Viewing> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "view", file, "--no-open"], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(stdout)?.[1];
      if (url !== undefined) resolve({ child, url, stderr: () => stderr });
    });
    child.on("close", (status) => reject(new Error(`aioscope view ended (status ${status}) before printing a URL\n${stdout}\n${stderr}`)));
  });
}

function stop(viewing: Viewing): Promise<number | null> {
  return new Promise((resolve) => {
    viewing.child.once("close", (status) => resolve(status));
    viewing.child.kill("SIGTERM");
  });
}

describe("aioscope view", () => {
  const dir = scratchDir();
  const file = join(dir, "bug-report.json");
  let browser: Browser | null = null;

  beforeAll(async () => {
    await ensureViewerBuilt(() => {});
    writeFileSync(file, exportAioscope(await recordProgram(program, "node://view-test", "view test")));
    browser = await launchShellBrowser();
  }, CLI_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
  });

  test("shows the trace in the panel's UI, in headless Chromium without the extension", { timeout: CLI_TIMEOUT_MS }, async () => {
    const viewing = await startView(file, dir);
    try {
      expect(viewing.url).toMatch(/\?trace=%2Ftrace%2Fbug-report\.json$/);
      expect(viewing.stderr()).toContain(`showing ${file} (4 tasks,`);
      const page = await browser!.newPage();
      await page.setViewport({ width: 1100, height: 600 });
      await page.goto(viewing.url);
      await page.waitForFunction(() => window.__aioscopePanel?.snapshot().loaded?.label === "bug-report.json", POLL);
      // The timeline drew the loaded session's rows: the four tasks, the failed one as failed.
      await page.waitForFunction(() => (window.__aioscopePanel?.drawnFrame()?.rows ?? 0) >= 4, POLL);
      const rows = await page.evaluate(() => window.__aioscopePanel!.timelineRows().map((row) => ({ name: row.name, outcome: row.outcome })));
      expect(rows).toEqual(expect.arrayContaining([
        { name: "main", outcome: "done" }, { name: "load inbox", outcome: "error" }, { name: "load settings", outcome: "done" },
      ]));
      expect(await page.title()).toBe("bug-report.json · aioscope");

      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const shot = join(ARTIFACTS_DIR, "cli-view.png");
      const png = await page.screenshot({ path: shot });
      const pixels = decodePng(png);
      expect(pixels).not.toBeNull();
      // The timeline's area (below the toolbar, left of the details) holds labels and bars.
      expect(distinctColours(pixels!, { x: 0, y: 120, width: 650, height: 300 })).toBeGreaterThan(8);
      await page.close();
    } finally {
      expect(await stop(viewing), describeRun({ status: null, signal: null, stdout: "", stderr: viewing.stderr() })).toBe(EXIT.ok);
    }
  });

  test("answers only to its own Host, and serves nothing outside the viewer", { timeout: CLI_TIMEOUT_MS }, async () => {
    const viewing = await startView(file, dir);
    try {
      const { port } = new URL(viewing.url);
      const get = (path: string, host: string): Promise<number> => new Promise((resolve, reject) => {
        request({ host: "127.0.0.1", port, path, headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on("error", reject).end();
      });
      expect(await get("/trace/bug-report.json", `127.0.0.1:${port}`)).toBe(200);
      expect(await get("/trace/bug-report.json", `attacker.example:${port}`)).toBe(421);
      expect(await get("/../../package.json", `127.0.0.1:${port}`)).toBe(404);
      expect(await get("/%2e%2e/%2e%2e/package.json", `127.0.0.1:${port}`)).toBe(404);
    } finally {
      await stop(viewing);
    }
  });

  test("a file that is not a trace is refused before anything is served", { timeout: CLI_TIMEOUT_MS }, async () => {
    writeFileSync(join(dir, "notes.json"), JSON.stringify({ hello: "world" }));
    const result = await runCli(["view", "notes.json", "--no-open"], { cwd: dir });
    expect(result.status, describeRun(result)).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/^aioscope: notes\.json is not an aioscope trace: /);
    expect(result.stdout).toBe("");
  });
});
