/**
 * The live await tree and "Cancel task", end to end in real Chromium with the real build: a
 * page whose tasks are stuck (two transfers deadlocked on each other's lock under a gather, a
 * consumer on an empty queue, a listener on an event never set) → `aioscope ps` prints the
 * tree and the deadlock (and --json); the panel's "Now" view shows it (real clicks, light and
 * dark screenshots); "Cancel task" cancels a live task and the recording says DevTools did.
 */
import { afterAll, describe, expect, test } from "vitest";
import { CLI_TIMEOUT_MS, describeRun, runCli } from "./cli-helpers.ts";
import type * as Runtime from "../../src/runtime/index.ts";
import {
  clickWhenStill, closeBrowsers, launchBrowserWithExtension, openInspectedPage, POLL, screenshotPanel, serveFixturePage,
  setDevToolsColorScheme, startRecording, waitForTrace, type FixtureServer,
} from "./helpers.ts";

/** Uses the runtime the extension injects (globalThis.aioscope); nothing here ever finishes. */
const STUCK_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>stuck</title></head><body>
<p>stuck tasks</p>
<script>
  const { createTask, gather, sleep, Lock, Queue, Event } = globalThis.aioscope;
  const accounts = new Lock();
  const ledger = new Lock();
  function transfer(first, second) {
    return function* () {
      yield* first.acquire();
      yield* sleep(20);
      yield* second.acquire();
    };
  }
  createTask(function* () {
    yield* gather([createTask(transfer(accounts, ledger), { name: "transfer-a" }), createTask(transfer(ledger, accounts), { name: "transfer-b" })]);
  }, { name: "payments" });
  const jobs = new Queue();
  createTask(function* () { yield* jobs.get(); }, { name: "consumer" });
  const ready = new Event();
  createTask(function* () { yield* ready.wait(); }, { name: "listener\\u001b[31m" });
</script></body></html>`;

let server: FixtureServer | null = null;

async function stuckPage(): Promise<string> {
  server ??= await serveFixturePage(STUCK_PAGE);
  return server.url;
}

afterAll(async () => {
  await closeBrowsers();
  await server?.close();
});

describe("aioscope ps", () => {
  test("prints the await tree, blocked tasks first, and ends with the deadlock", async () => {
    const run = await runCli(["ps", await stuckPage(), "--after", "500ms"]);
    expect(run.status, describeRun(run)).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    // The gather's task first (stuck behind the cycle), its two deadlocked children under it.
    expect(lines[0]).toMatch(/^payments \(#\d+\) awaits gather\(2\) of transfer-[ab] \(#\d+\), transfer-[ab] \(#\d+\) \(.+\) \[stuck\]/);
    expect(lines[1]).toMatch(/^├── transfer-[ab] \(#\d+\) awaits Lock#\d+ held by transfer-[ab] \(#\d+\) \(.+\) \[deadlock\]/);
    expect(lines[2]).toMatch(/^└── transfer-[ab] \(#\d+\) awaits Lock#\d+ held by transfer-[ab] \(#\d+\) \(.+\) \[deadlock\]/);
    expect(lines.some((l) => /^consumer \(#\d+\) awaits Queue#\d+/.test(l))).toBe(true);
    // The page's escape sequence is shown, never sent to the terminal.
    expect(lines.some((l) => /^listener\\e\[31m \(#\d+\) awaits Event#\d+/.test(l))).toBe(true);
    expect(run.stdout).not.toContain("\u001b");
    expect(lines.at(-1)).toMatch(/^deadlock: transfer-[ab] \(#\d+\) → Lock#\d+ held by transfer-[ab] \(#\d+\) → Lock#\d+ held by transfer-[ab] \(#\d+\)$/);
  }, CLI_TIMEOUT_MS);

  test("--json gives each task with its await, depth and the deadlock's tasks", async () => {
    const run = await runCli(["ps", await stuckPage(), "--after", "500ms", "--json"]);
    expect(run.status, describeRun(run)).toBe(0);
    const out = JSON.parse(run.stdout) as { frames: { isTopFrame: boolean; tasks: { id: number; name: string; depth: number; inCycle: boolean; awaiting: { kind: string; holder: number | null } | null }[]; deadlocks: number[][] }[] };
    expect(out.frames).toHaveLength(1);
    const [frame] = out.frames;
    expect(frame!.isTopFrame).toBe(true);
    const byName = new Map(frame!.tasks.map((t) => [t.name, t]));
    expect(frame!.deadlocks).toHaveLength(1);
    expect(frame!.deadlocks[0]!.map((id) => frame!.tasks.find((t) => t.id === id)!.name).sort()).toEqual(["transfer-a", "transfer-b"]);
    expect(byName.get("transfer-a")!.awaiting!.holder).toBe(byName.get("transfer-b")!.id);
    expect(byName.get("transfer-a")!.depth).toBe(1);
    expect(byName.get("consumer")!.awaiting!.kind).toBe("queue.get");
  }, CLI_TIMEOUT_MS);
});

describe("the panel", () => {
  test("'Now' shows the live tree with the deadlock highlighted, in light and dark", async () => {
    const browser = await launchBrowserWithExtension();
    const { devtools, panel } = await openInspectedPage(browser, await stuckPage());
    await panel.click("[data-testid=view-now]");
    await panel.waitForSelector("[data-testid=now-deadlock]");
    const rows = await panel.$$eval("[data-testid=now-row]", (els) => els.map((el) => ({
      text: el.textContent ?? "", cycle: el.getAttribute("data-cycle") === "true", state: el.getAttribute("data-state"),
    })));
    // Blocked first: the gather's task, then the two in the cycle, then the others.
    expect(rows.slice(0, 3).map((r) => r.text.split(" (#")[0]!.replace(/^└ /, ""))).toEqual(["payments", expect.stringMatching(/^transfer-[ab]$/), expect.stringMatching(/^transfer-[ab]$/)]);
    expect(rows.filter((r) => r.cycle)).toHaveLength(2);
    expect(rows.some((r) => r.text.startsWith("listener\u001b[31m"))).toBe(true); // text, as the page wrote it
    const deadlock = await panel.$eval("[data-testid=now-deadlock]", (el) => el.textContent ?? "");
    expect(deadlock).toMatch(/^deadlock: transfer-[ab] \(#\d+\) → Lock#\d+ held by/);

    // Refresh asks again: a new request, answered.
    const before = await panel.evaluate(() => window.__aioscopePanel!.live().id);
    await panel.click("[data-testid=now-refresh]");
    await panel.waitForFunction((id: number) => {
      const live = window.__aioscopePanel!.live();
      return live.id > id && live.frames.length > 0;
    }, POLL, before);

    await setDevToolsColorScheme(devtools, "light");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "light", POLL);
    await screenshotPanel(devtools, panel, "now-view-light");
    await setDevToolsColorScheme(devtools, "dark");
    await panel.waitForFunction(() => document.documentElement.dataset.theme === "dark", POLL);
    await screenshotPanel(devtools, panel, "now-view-dark");
  }, CLI_TIMEOUT_MS);

  test("'Cancel task' cancels a live task, and the recording says DevTools cancelled it", async () => {
    const browser = await launchBrowserWithExtension();
    const { page, devtools, panel } = await openInspectedPage(browser, await stuckPage());
    await startRecording(panel);
    // A task the page starts while recording, waiting on an event nobody sets.
    await page.evaluate(() => {
      const runtime = (globalThis as unknown as { aioscope: typeof Runtime }).aioscope;
      runtime.createTask(function* () { yield* new runtime.Event().wait(); }, { name: "victim" });
    });
    const seen = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "victim"));
    const victim = seen.tasks.find((t) => t.name === "victim")!;
    // The timeline's model follows the store a render later: select once it has the task.
    await panel.waitForFunction((id: number) => window.__aioscopePanel!.selectTask(id), POLL, victim.id);
    // The details render after the selection.
    await panel.waitForSelector(`[data-testid=details-pane][data-task-id="${victim.id}"] [data-testid=details-cancel-task]`, { timeout: 15_000 }).catch(async (error: unknown) => {
      const state = await panel.evaluate((id: number) => ({
        frames: window.__aioscopePanel!.snapshot().frames.map((f) => ({ frame: f.frame, source: f.source, error: f.error })),
        phase: window.__aioscopePanel!.snapshot().phase,
        task: window.__aioscopePanel!.trace()?.tasks.find((t) => t.id === id),
        sources: window.__aioscopePanel!.trace()?.sources.length,
        pane: document.querySelector("[data-testid=details-pane]")?.getAttribute("data-task-id") ?? null,
        view: document.querySelector("[data-testid=panel-root]")?.getAttribute("data-view") ?? null,
      }), victim.id);
      throw new Error(`no Cancel task button: ${JSON.stringify(state)} (${String(error)})`);
    });
    // The pane grows with the live session as the clicks are sent: each is aimed once its button is still.
    await clickWhenStill(panel, "[data-testid=details-cancel-task]");
    await panel.waitForSelector("[data-testid=details-cancel-confirm]");
    await screenshotPanel(devtools, panel, "cancel-task-confirm");
    await clickWhenStill(panel, "[data-testid=details-cancel-yes]");
    const trace = await waitForTrace(panel, (t) => t.tasks.find((task) => task.id === victim.id)?.outcome === "cancelled");
    expect(trace.cancellations.filter((c) => c.task === victim.id)).toEqual([
      { time: expect.any(Number), task: victim.id, by: null, message: "cancelled from DevTools", canceller: "DevTools" },
    ]);
    await panel.waitForSelector("[data-testid=details-canceller]");
    expect(await panel.$eval("[data-testid=details-canceller]", (el) => el.textContent)).toBe("DevTools");
    expect(await panel.$eval("[data-testid=details-cancel-result]", (el) => el.textContent)).toBe("Cancellation requested from DevTools.");
    await screenshotPanel(devtools, panel, "cancel-task-done");
  }, CLI_TIMEOUT_MS);
});
