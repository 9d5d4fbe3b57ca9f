/**
 * The demo page in real Chromium, without the extension: each scenario, opened by URL, runs
 * to the state it promises, and its summary says what the scenario teaches. `npm run
 * build:demo` builds the page first (the server also builds it when missing or stale).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { ScenarioResult } from "../../demo/src/controller.ts";
import type { CancelCleanupSummary } from "../../demo/src/scenarios/cancel-cleanup.ts";
import type { DeadlockSummary } from "../../demo/src/scenarios/deadlock.ts";
import type { GatherSummary } from "../../demo/src/scenarios/gather.ts";
import type { ProducerConsumerSummary } from "../../demo/src/scenarios/producer-consumer.ts";
import type { SemaphoreCrawlerSummary } from "../../demo/src/scenarios/semaphore-crawler.ts";
import type { SequentialVsConcurrentSummary } from "../../demo/src/scenarios/sequential-vs-concurrent.ts";
import type { TaskGroupFailureSummary } from "../../demo/src/scenarios/task-group-failure.ts";
import type { ToThreadSummary } from "../../demo/src/scenarios/to-thread.ts";
import type { WaitForTimeoutSummary } from "../../demo/src/scenarios/wait-for-timeout.ts";
import type { WebSocketEchoSummary } from "../../demo/src/scenarios/websocket-echo.ts";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import { ARTIFACTS_DIR, chromiumPath } from "./helpers.ts";

/**
 * helpers.ts launches Chromium only with the extension; this test needs it without, so it
 * launches its own browser with the same headless flags.
 */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const SCENARIOS = [
  "sequential-vs-concurrent",
  "gather",
  "wait-for-timeout",
  "cancel-cleanup",
  "producer-consumer",
  "semaphore-crawler",
  "task-group-failure",
  "deadlock",
  "to-thread",
  "websocket-echo",
];

type SettledState = "done" | "error" | "deadlocked" | "cancelled";

describe("the demo page, without the extension", () => {
  let browser: Browser;
  let demo: DemoServer;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    [browser, demo] = await Promise.all([
      puppeteer.launch({ executablePath: chromiumPath(), headless: true, pipe: true, args: CHROMIUM_FLAGS }),
      startDemoServer({ port: 0 }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([browser?.close(), demo?.close()]);
  });

  afterEach(async () => {
    await page?.close();
    expect(pageErrors).toEqual([]);
  });

  async function openPage(query: string): Promise<Page> {
    page = await browser.newPage();
    pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    await page.setViewport({ width: 1000, height: 800 });
    await page.goto(`${demo.url}${query}`);
    return page;
  }

  /** Waits until <html> says `name` has settled in one of `states`, and returns its result. */
  async function settled(name: string, states: readonly SettledState[]): Promise<ScenarioResult> {
    await page.waitForFunction(
      (scenario: string, wanted: readonly string[]) =>
        document.documentElement.dataset.scenario === scenario
        && wanted.includes(document.documentElement.dataset.scenarioState ?? ""),
      {},
      name,
      states,
    );
    const result = await page.evaluate((scenario: string) => window.__aioscopeDemo?.results[scenario], name);
    if (result === undefined) throw new Error(`no result for ${name}`);
    return result;
  }

  /** Opens `?scenario=name`, waits for it to finish, expects it done, and returns its summary. */
  async function runScenario<S>(name: string): Promise<S> {
    await openPage(`?scenario=${name}`);
    const result = await settled(name, ["done", "error"]);
    expect(result.error).toBeUndefined();
    expect(result.state).toBe("done");
    return result.summary as S;
  }

  test("lists every scenario with a button and says the extension is absent", async () => {
    await openPage("");
    await page.waitForSelector('[data-testid="run-all"]');
    const listed = await page.evaluate(() => window.__aioscopeDemo?.scenarios);
    expect(listed).toEqual(SCENARIOS);
    for (const name of SCENARIOS) {
      expect(await page.$(`[data-testid="run-${name}"]`)).not.toBeNull();
    }
    const note = await page.$eval('[data-testid="extension-note"]', (element) => element.textContent ?? "");
    expect(note).toContain("not installed");
    expect(await page.evaluate(() => document.documentElement.dataset.scenarioState)).toBeUndefined();
  });

  test("an unknown scenario name is an error that lists the known ones", async () => {
    await openPage("?scenario=no-such-thing");
    const result = await settled("no-such-thing", ["error", "done"]);
    expect(result.state).toBe("error");
    expect(result.error?.message).toContain("sequential-vs-concurrent");
  });

  test("sequential-vs-concurrent: gather takes the longest delay, not the sum", async () => {
    const summary = await runScenario<SequentialVsConcurrentSummary>("sequential-vs-concurrent");
    expect(summary.sequential.ids).toEqual([1, 2, 3]);
    expect(summary.concurrent.ids).toEqual([1, 2, 3]);
    expect(summary.sequential.elapsedMs).toBeGreaterThanOrEqual(3 * summary.delayMsEach);
    expect(summary.concurrent.elapsedMs).toBeGreaterThanOrEqual(summary.delayMsEach);
    // Order, not a wall-clock ratio: every fetch had begun before the first one ended.
    expect(summary.concurrent.overlapping).toBe(true);
  });

  test("gather: raises the first child error and leaves the others running; returnExceptions returns it", async () => {
    const summary = await runScenario<GatherSummary>("gather");
    const first = summary.withoutReturnExceptions;
    expect(first.raised?.name).toBe("HttpError");
    expect(first.raised?.message).toContain("item 2");
    expect(first.stillRunningWhenRaised).toEqual(["raise: item 1", "raise: item 3"]);
    expect(first.children).toEqual({ "raise: item 1": "done", "raise: item 2 (fails)": "error", "raise: item 3": "done" });
    const results = summary.withReturnExceptions.results;
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual({ value: 1 });
    expect(results[1]).toMatchObject({ error: { name: "HttpError" } });
    expect(results[2]).toEqual({ value: 3 });
  });

  test("wait-for-timeout: returns in time, else cancels and awaits the inner, then raises TimeoutError", async () => {
    const summary = await runScenario<WaitForTimeoutSummary>("wait-for-timeout");
    expect(summary.fast.returned).toBe(7);
    expect(summary.slow.raised?.name).toBe("TimeoutError");
    expect(summary.slow.innerCancelled).toBe(true);
    expect(summary.slow.events.slice(1)).toEqual([
      "inner: cancelled (CancelledError)",
      "inner: finally ran",
      "waitFor raised TimeoutError",
    ]);
    expect(summary.slow.elapsedMs).toBeGreaterThanOrEqual(summary.timeoutMs);
    // It gave up at the deadline rather than wait for the slow request.
    expect(summary.slow.elapsedMs).toBeLessThan(summary.slowDelayMs);
  });

  test("cancel-cleanup: the cancelled worker's finally runs its awaited clean-up", async () => {
    const summary = await runScenario<CancelCleanupSummary>("cancel-cleanup");
    expect(summary.chunksProcessed).toBeGreaterThan(0);
    expect(summary.workerCancelled).toBe(true);
    expect(summary.workerCaught).toEqual({ name: "CancelledError", message: "stop requested by the supervisor" });
    expect(summary.awaitRaised?.name).toBe("CancelledError");
    expect(summary.finallyRan).toBe(true);
    expect(summary.cleanupCompleted).toBe(true);
    expect(summary.events).toEqual([
      'supervisor: worker.cancel("stop requested by the supervisor")',
      'worker: caught CancelledError("stop requested by the supervisor")',
      "worker: finally: flushing and closing",
      "worker: finally: clean-up done",
      "main: awaiting the worker raised CancelledError",
    ]);
  });

  test("producer-consumer: join returns once every job is done, the queue never overfills", async () => {
    const summary = await runScenario<ProducerConsumerSummary>("producer-consumer");
    expect(summary.produced).toBe(10);
    expect(summary.consumed).toBe(10);
    expect(Object.values(summary.byConsumer).reduce((a, b) => a + b, 0)).toBe(10);
    expect(Object.keys(summary.byConsumer)).toHaveLength(3);
    // The queue never holds more than maxsize; a put() that found it full means it did fill to
    // maxsize. (Whether producers outpace consumers depends on the machine's load: a busy
    // machine slows the producers' fetches, and the queue may never fill.)
    expect(summary.maxQueued).toBeLessThanOrEqual(summary.maxsize);
    expect(summary.maxQueued).toBeGreaterThanOrEqual(1);
    expect(summary.putsThatWaited === 0 || summary.maxQueued === summary.maxsize, `${summary.putsThatWaited} puts waited, peak ${summary.maxQueued}`).toBe(true);
    expect(summary.consumersCancelled).toBe(3);
  });

  test("semaphore-crawler: never more than 4 pages in flight", async () => {
    const summary = await runScenario<SemaphoreCrawlerSummary>("semaphore-crawler");
    expect(summary.pages).toBe(20);
    expect(summary.maxInFlight).toBe(summary.limit);
    expect(summary.limit).toBe(4);
    expect(summary.maxServerInFlight).toBeGreaterThanOrEqual(1);
    expect(summary.maxServerInFlight).toBeLessThanOrEqual(4);
    expect(summary.elapsedMs).toBeLessThan(summary.oneAtATimeMs);
  });

  test("task-group-failure: the failure cancels the rest and raises an ExceptionGroup of one", async () => {
    const summary = await runScenario<TaskGroupFailureSummary>("task-group-failure");
    expect(summary.raised?.name).toBe("ExceptionGroup");
    expect(summary.raised?.exceptions).toHaveLength(1);
    expect(summary.raised?.exceptions?.[0]?.name).toBe("HttpError");
    expect(summary.raised?.exceptions?.[0]?.message).toContain("item 22");
    expect([...summary.cancelled].sort()).toEqual(["group body", "load profile", "load recommendations"]);
    expect(summary.completed).toEqual([]);
  });

  test("deadlock: gets stuck on purpose, says so, and Stop cancels it", async () => {
    await openPage("?scenario=deadlock");
    const result = await settled("deadlock", ["deadlocked", "done", "error"]);
    expect(result.state).toBe("deadlocked");
    const summary = result.summary as DeadlockSummary;
    expect(summary.holding).toEqual({ "transfer alice→bob": "alice's account", "transfer bob→alice": "bob's account" });
    expect(summary.waitingFor).toEqual({ "transfer alice→bob": "bob's account", "transfer bob→alice": "alice's account" });
    const card = await page.$('[data-testid="scenario-deadlock"]');
    expect(await card?.$eval('[data-testid="status-deadlock"]', (e) => e.textContent)).toContain("Deadlocked on purpose");
    expect(await card?.$eval(".warning", (e) => e.textContent)).toContain("deadlocks on purpose");
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await card?.screenshot({ path: join(ARTIFACTS_DIR, "demo-deadlock.png") });

    // Still stuck: its main task is alive, so the page offers Stop rather than Run.
    await page.click('[data-testid="stop-deadlock"]');
    const stopped = await settled("deadlock", ["cancelled", "done", "error"]);
    expect(stopped.state).toBe("cancelled");
  });

  test("to-thread: on the loop fib blocks every other task; on a Web Worker the loop keeps ticking", async () => {
    const summary = await runScenario<ToThreadSummary>("to-thread");
    expect(summary.onWorker.value).toBe(summary.onLoop.value);
    expect(summary.onLoop.value).toBe(24157817);
    // One step computed it all: the ticker could not run once meanwhile.
    expect(summary.onLoop.ticks).toBe(0);
    expect(summary.onWorker.ticks).toBeGreaterThan(0);
  });

  test("websocket-echo: lines and 1 MiB over a WebSocket stream, echoed by the demo server", async () => {
    const summary = await runScenario<WebSocketEchoSummary>("websocket-echo");
    expect(summary.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/echo$/);
    expect(summary.replies).toEqual(["hello", "from the page", "over a WebSocket"]);
    expect(summary.bigEchoBytes).toBe(1024 * 1024);
  });

  test("all: runs every scenario but the deadlock, each done", async () => {
    await openPage("?scenario=all");
    const result = await settled("all", ["done", "error"]);
    expect(result.error).toBeUndefined();
    expect(result.state).toBe("done");
    const ran = SCENARIOS.filter((name) => name !== "deadlock");
    expect(result.summary).toEqual({ ran, states: Object.fromEntries(ran.map((name) => [name, "done"])) });
    expect(await page.evaluate(() => window.__aioscopeDemo?.results.deadlock)).toBeUndefined();

    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS_DIR, "demo.png"), fullPage: true });
  });
});
