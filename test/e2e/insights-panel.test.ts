/**
 * The Insights view in real DevTools: a page that awaits its child tasks one by one and asks
 * for the same URL twice at once gets both insights, ranked by saving, and "Show on timeline"
 * selects what an insight is about.
 */
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  closeBrowsers, launchBrowserWithExtension, openInspectedPage, POLL, screenshotPanel, serveFixturePage,
  startRecording, stopRecording, waitForTrace, type FixtureServer,
} from "./helpers.ts";

/** Runs on demand: three child tasks spawned and awaited in turn, then one URL fetched twice at once. */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>insights</title></head><body>
<script>
  window.runScenario = () => aioscope.run(function* main() {
    for (const ms of [60, 80, 40]) {
      yield* aioscope.createTask(aioscope.sleep(ms), { name: "load " + ms });
    }
  }, { name: "main" }).then(() => Promise.all([fetch("/user"), fetch("/user")]));
</script></body></html>`;

describe("the Insights view", () => {
  let browser: Browser;
  let server: FixtureServer;
  let page: Page | undefined;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowserWithExtension(), serveFixturePage(PAGE)]);
  });

  afterAll(async () => {
    await page?.close();
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("lists sequential awaits and a duplicate request, and shows an insight's task on the timeline", async () => {
    const inspected = await openInspectedPage(browser, server.url);
    page = inspected.page;
    const { panel, devtools } = inspected;
    await startRecording(panel);
    await page.evaluate(() => (window as unknown as { runScenario(): Promise<unknown> }).runScenario());
    await waitForTrace(panel, (trace) => trace.tasks.some((t) => t.name === "main" && t.end !== null)
      && trace.nativeOps.filter((op) => op.kind === "fetch" && op.end !== null).length === 2);
    await stopRecording(panel);

    await panel.click('[data-testid="view-insights"]');
    await panel.waitForSelector('[data-testid="insight"][data-kind="duplicate-request"]');
    const insights = await panel.$$eval('[data-testid="insight"]', (items) => items.map((item) => ({
      kind: item.getAttribute("data-kind"),
      text: item.querySelector(".insight-title")?.textContent ?? "",
      saving: item.querySelector('[data-testid="insight-saving"]')?.textContent ?? null,
    })));
    // The one that would save time comes first: 60 + 80 + 40 − 80 ms at least.
    expect(insights[0]).toMatchObject({ kind: "sequential-awaits" });
    expect(insights[0]!.text).toMatch(/^main waits for 3 independent things one after another/);
    expect(insights[0]!.saving).toMatch(/^saves ~\d/);
    const duplicate = insights.find((insight) => insight.kind === "duplicate-request")!;
    expect(duplicate.text).toMatch(/^fetch GET \/user was requested 2 times at once/);
    expect(duplicate.saving).toBeNull();
    await screenshotPanel(devtools, panel, "insights-view");

    await panel.$eval('[data-testid="insight"] [data-testid="insight-show"]', (button) => (button as HTMLButtonElement).click());
    await panel.waitForFunction(() => document.querySelector('[data-testid="details-name"]')?.textContent === "main", POLL);
    expect(await panel.$eval('[data-testid="view-timeline"]', (tab) => tab.getAttribute("aria-selected"))).toBe("true");
  });
});
