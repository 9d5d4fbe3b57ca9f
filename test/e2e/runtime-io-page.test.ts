/**
 * The runtime's I/O in a page, recorded by the real panel: the demo's "toThread keeps the
 * loop free" (fib on the loop, then on a Web Worker) and "WebSocket streams" scenarios run
 * in Chromium with the extension, and the session shows what each task waited on — the
 * thread, the WebSocket's connect and reads — and warns about the loop blocked by fib on
 * the loop, not by the worker.
 */
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ToThreadSummary } from "../../demo/src/scenarios/to-thread.ts";
import type { WebSocketEchoSummary } from "../../demo/src/scenarios/websocket-echo.ts";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import { indexTrace, insights } from "../../src/trace/analysis.ts";
import { warnings } from "../../src/trace/analysis/warnings.ts";
import type { Trace } from "../../src/trace/model.ts";
import {
  closeBrowsers, launchBrowserWithExtension, openInspectedPage, POLL, screenshotPanel, startRecording, waitForTrace, type InspectedPage,
} from "./helpers.ts";

describe("runtime I/O in a page, recorded", () => {
  let browser: Browser;
  let demo: DemoServer;

  beforeAll(async () => {
    [browser, demo] = await Promise.all([launchBrowserWithExtension(), startDemoServer({ port: 0 })]);
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), demo?.close()]);
  });

  /** Opens the demo with the panel recording, then runs `scenario` in a new document, and returns its summary. */
  async function runRecorded<S>(scenario: string): Promise<{ inspected: InspectedPage; summary: S; errors: string[] }> {
    const inspected = await openInspectedPage(browser, demo.url);
    const errors: string[] = [];
    inspected.page.on("pageerror", (error) => errors.push(String(error)));
    await startRecording(inspected.panel);
    await waitForTrace(inspected.panel, (t) => t.markers.some((m) => m.kind === "recordingStart"), 30_000);
    await inspected.page.goto(`${demo.url}?scenario=${scenario}`);
    await inspected.page.waitForFunction(
      (name: string) => document.documentElement.dataset.scenario === name && ["done", "error"].includes(document.documentElement.dataset.scenarioState ?? ""),
      { ...POLL, timeout: 60_000 }, scenario);
    const result = await inspected.page.evaluate((name: string) => window.__aioscopeDemo?.results[name], scenario);
    expect(result?.error).toBeUndefined();
    return { inspected, summary: result!.summary as S, errors };
  }

  const taskNamed = (trace: Trace, name: string) => trace.tasks.find((t) => t.name === name);

  test("toThread on a Web Worker: a \"thread\" await labelled fib, the ticker running meanwhile; fib on the loop is the blocked-loop insight", async () => {
    const { inspected, summary, errors } = await runRecorded<ToThreadSummary>("to-thread");
    expect(summary.onLoop.ticks).toBe(0);
    expect(summary.onWorker.ticks).toBeGreaterThan(0);
    const trace = await waitForTrace(inspected.panel, (t) => {
      const onWorker = taskNamed(t, "fib(37) on a worker");
      return onWorker !== undefined && onWorker.end !== null && t.awaits.some((a) => a.task === onWorker.id && a.kind === "thread" && a.end !== null);
    }, 60_000);
    const onWorker = taskNamed(trace, "fib(37) on a worker")!;
    const onLoop = taskNamed(trace, "fib(37) on the loop")!;
    const threadWait = trace.awaits.find((a) => a.task === onWorker.id && a.kind === "thread")!;
    // The function's own name, as the page has it (the demo's build minifies it).
    expect(threadWait.label).toBe(summary.functionName);
    expect(threadWait.label).not.toBe("");
    const ticker = taskNamed(trace, "ticker (on a worker)")!;
    expect(trace.steps.some((s) => s.task === ticker.id && s.start > threadWait.start && s.start < threadWait.end!)).toBe(true);
    const index = indexTrace(trace);
    const blocked = insights(index, warnings(index)).find((i) => i.kind === "blocked-loop");
    expect(blocked?.tasks).toContain(onLoop.id);
    expect(blocked?.tasks).not.toContain(onWorker.id);
    await screenshotPanel(inspected.devtools, inspected.panel, "runtime-io-to-thread");
    expect(errors).toEqual([]);
    await inspected.page.close();
  });

  test("WebSocket streams: stream.connect and stream.read awaits labelled with the URL", async () => {
    const { inspected, summary, errors } = await runRecorded<WebSocketEchoSummary>("websocket-echo");
    expect(summary.replies).toEqual(["hello", "from the page", "over a WebSocket"]);
    expect(summary.bigEchoBytes).toBe(1024 * 1024);
    const trace = await waitForTrace(inspected.panel, (t) => t.awaits.filter((a) => a.kind === "stream.read" && a.end !== null).length >= 3, 60_000);
    const connect = trace.awaits.find((a) => a.kind === "stream.connect");
    expect(connect?.label).toBe(summary.url);
    const reads = trace.awaits.filter((a) => a.kind === "stream.read");
    expect(reads.every((a) => a.label === summary.url)).toBe(true);
    // Connected first, then read: the reads start after the connect ended, in the same task.
    expect(reads.every((a) => a.task === connect!.task && a.start >= connect!.end!)).toBe(true);
    await screenshotPanel(inspected.devtools, inspected.panel, "runtime-io-websocket");
    expect(errors).toEqual([]);
    await inspected.page.close();
  });
});
