/**
 * A framework page with native instrumentation on: the demo (a Preact app that bundles its own
 * copy of the runtime and fetches from its server) runs every scenario, unchanged, while the
 * real panel records it with native instrumentation on from the document's start. Each
 * scenario must reach the result it reaches without the extension (test/e2e/demo.test.ts), and
 * the session must show the page's requests as native operations under the tasks that made them.
 */
import type { Frame, Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { ScenarioResult } from "../../demo/src/controller.ts";
import type { CancelCleanupSummary } from "../../demo/src/scenarios/cancel-cleanup.ts";
import type { GatherSummary } from "../../demo/src/scenarios/gather.ts";
import type { ProducerConsumerSummary } from "../../demo/src/scenarios/producer-consumer.ts";
import type { SemaphoreCrawlerSummary } from "../../demo/src/scenarios/semaphore-crawler.ts";
import type { SequentialVsConcurrentSummary } from "../../demo/src/scenarios/sequential-vs-concurrent.ts";
import type { TaskGroupFailureSummary } from "../../demo/src/scenarios/task-group-failure.ts";
import type { WaitForTimeoutSummary } from "../../demo/src/scenarios/wait-for-timeout.ts";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import type { Trace } from "../../src/trace/model.ts";
import { indexTrace } from "../../src/trace/analysis.ts";
import { warnings } from "../../src/trace/analysis/warnings.ts";
import { openInspectedPage, POLL, waitForTrace } from "./helpers.ts";
import { detailOf, launchWithExtensionCopy } from "./native-fixtures.ts";

const RAN = ["sequential-vs-concurrent", "gather", "wait-for-timeout", "cancel-cleanup", "producer-consumer", "semaphore-crawler", "task-group-failure", "to-thread", "websocket-echo"];

describe("the demo page with native instrumentation recording", () => {
  let launched: Awaited<ReturnType<typeof launchWithExtensionCopy>>;
  let demo: DemoServer;
  let page: Page | undefined;
  let pageErrors: string[];

  beforeAll(async () => {
    [launched, demo] = await Promise.all([launchWithExtensionCopy(), startDemoServer({ port: 0 })]);
  });

  afterAll(async () => {
    await Promise.all([launched?.close(), demo?.close()]);
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    expect(pageErrors).toEqual([]);
  });

  /** Opens the demo with the panel recording (native on), then navigates to `query`: the new document records from its start. */
  async function openRecorded(query: string): Promise<{ page: Page; panel: Frame }> {
    const inspected = await openInspectedPage(launched.browser, demo.url);
    page = inspected.page;
    pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    await inspected.panel.evaluate(() => window.__aioscopePanel?.record());
    await waitForTrace(inspected.panel, (t) => t.markers.some((m) => m.kind === "recordingStart"), 30_000);
    await page.goto(`${demo.url}${query}`);
    return inspected;
  }

  async function settled(target: Page, name: string, states: readonly string[]): Promise<ScenarioResult> {
    await target.waitForFunction(
      (scenario: string, wanted: readonly string[]) =>
        document.documentElement.dataset.scenario === scenario && wanted.includes(document.documentElement.dataset.scenarioState ?? ""),
      { ...POLL, timeout: 90_000 },
      name,
      states,
    );
    const result = await target.evaluate((scenario: string) => window.__aioscopeDemo?.results[scenario], name);
    if (result === undefined) throw new Error(`no result for ${name}`);
    return result;
  }

  test("every scenario reaches the result it reaches without the extension", async () => {
    const { page: target, panel } = await openRecorded("?scenario=all");
    const all = await settled(target, "all", ["done", "error"]);
    expect(all.error).toBeUndefined();
    expect(all.summary).toEqual({ ran: RAN, states: Object.fromEntries(RAN.map((name) => [name, "done"])) });
    const results = await target.evaluate(() => window.__aioscopeDemo!.results);
    const summary = <S,>(name: string): S => results[name]!.summary as S;

    // The same promises as test/e2e/demo.test.ts makes of each scenario.
    const sequential = summary<SequentialVsConcurrentSummary>("sequential-vs-concurrent");
    expect(sequential.concurrent.ids).toEqual([1, 2, 3]);
    expect(sequential.concurrent.overlapping).toBe(true);
    const gather = summary<GatherSummary>("gather");
    expect(gather.withoutReturnExceptions.raised?.name).toBe("HttpError");
    expect(gather.withoutReturnExceptions.children).toEqual({ "raise: item 1": "done", "raise: item 2 (fails)": "error", "raise: item 3": "done" });
    const waitFor = summary<WaitForTimeoutSummary>("wait-for-timeout");
    expect(waitFor.fast.returned).toBe(7);
    expect(waitFor.slow.raised?.name).toBe("TimeoutError");
    expect(waitFor.slow.events.slice(1)).toEqual(["inner: cancelled (CancelledError)", "inner: finally ran", "waitFor raised TimeoutError"]);
    const cleanup = summary<CancelCleanupSummary>("cancel-cleanup");
    expect(cleanup.finallyRan).toBe(true);
    expect(cleanup.cleanupCompleted).toBe(true);
    const queue = summary<ProducerConsumerSummary>("producer-consumer");
    expect([queue.produced, queue.consumed]).toEqual([10, 10]);
    // How full the queue got depends on the machine's load; it never overfills.
    expect(queue.maxQueued).toBeGreaterThanOrEqual(1);
    expect(queue.maxQueued).toBeLessThanOrEqual(queue.maxsize);
    const crawler = summary<SemaphoreCrawlerSummary>("semaphore-crawler");
    expect([crawler.pages, crawler.maxInFlight]).toEqual([20, 4]);
    const group = summary<TaskGroupFailureSummary>("task-group-failure");
    expect(group.raised?.name).toBe("ExceptionGroup");
    expect([...group.cancelled].sort()).toEqual(["group body", "load profile", "load recommendations"]);

    // The session shows the page's requests, each under the task that made it.
    const trace: Trace = await waitForTrace(panel, (t) =>
      t.nativeOps.filter((op) => op.kind === "fetch" && op.label.includes("/api/page/")).length >= 20
      && t.nativeOps.filter((op) => op.kind === "fetch").every((op) => op.end !== null), 60_000);
    const fetches = trace.nativeOps.filter((op) => op.kind === "fetch");
    const taskIds = new Set(trace.tasks.map((task) => task.id));
    for (const op of fetches) {
      expect(op.label).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/(item|page)\//);
      expect(op.task !== null && taskIds.has(op.task), `${op.label} belongs to a task`).toBe(true);
    }
    // The crawler never had more than four requests in flight, as the panel can now show.
    const crawl = fetches.filter((op) => op.label.includes("/api/page/"));
    const edges = crawl.flatMap((op) => [[op.start, 1], [op.end!, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inFlight = 0;
    let most = 0;
    for (const [, delta] of edges) most = Math.max(most, (inFlight += delta));
    expect(most).toBe(4);
    // wait-for-timeout's slow request: cancelling its task aborted it, through the runtime's AbortController.
    const aborted = fetches.filter((op) => op.outcome === "aborted");
    expect(aborted.length).toBeGreaterThanOrEqual(1);
    for (const op of aborted) {
      const by = Number(detailOf(op).by);
      const mark = trace.nativeOps.find((m) => m.kind === "abortSignal" && m.id % 2 ** 32 === by && m.source === op.source);
      expect(mark?.label, `${op.label} points to its abort`).toBe("abort()");
      expect(detailOf(op).cause).toBe("abort");
    }
    // Failing requests are done from the network's point of view: HTTP 500 is a response.
    expect(fetches.some((op) => op.outcome === "ok" && detailOf(op).status === 500)).toBe(true);
    const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.droppedEvents).toBe(0);
  });

  test("the deadlock scenario still deadlocks on purpose, the session still shows it, and Stop still cancels it", async () => {
    const { page: target, panel } = await openRecorded("?scenario=deadlock");
    const stuck = await settled(target, "deadlock", ["deadlocked", "done", "error"]);
    expect(stuck.state).toBe("deadlocked");
    // No native operation of the page is left pending to hide the deadlock from the analysis.
    const trace = await waitForTrace(panel, (t) => {
      const found = warnings(indexTrace(t)).some((w) => w.kind === "deadlock");
      return found && t.nativeOps.some((op) => op.kind === "fetch");
    }, 30_000);
    expect(trace.nativeOps.filter((op) => op.end === null)).toEqual([]);
    await target.click('[data-testid="stop-deadlock"]');
    const stopped = await settled(target, "deadlock", ["cancelled", "done", "error"]);
    expect(stopped.state).toBe("cancelled");
  });
});
