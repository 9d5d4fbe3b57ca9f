/**
 * The build plugin end to end: the plain async/await demo page is built here by Vite with
 * `aioscope/vite`, served from 127.0.0.1, and recorded in real Chromium through the real
 * extension and the real panel. Its async functions must come out as tasks under their
 * callers, with their awaits labelled by source and linked to the calls they await.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "puppeteer-core";
import { build, createServer as createViteServer, type ViteDevServer } from "vite";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { TaskRecord, Trace } from "../../src/trace/model.ts";
import aioscope from "../../src/transform/vite.ts";
import { closeBrowsers, launchBrowserWithExtension, openInspectedPage, POLL, screenshotPanel, startRecording, waitForTrace } from "./helpers.ts";
import { waitForRow } from "./panel-driver.ts";

const DEMO_DIR = fileURLToPath(new URL("../../demo/", import.meta.url));
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".map": "application/json" };

/** Serves the files of `dir` on 127.0.0.1 and a free port. */
async function serveDirectory(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe("an app built with aioscope/vite", () => {
  const outDir = mkdtempSync(join(tmpdir(), "aioscope-vite-app-"));
  let browser: Browser;
  let served: { url: string; server: Server };
  let page: Page | undefined;

  beforeAll(async () => {
    await build({
      configFile: false, root: DEMO_DIR, base: "./", logLevel: "warn", publicDir: false,
      plugins: [aioscope({ build: true })],
      build: { outDir, emptyOutDir: true, sourcemap: true, rolldownOptions: { input: { async: join(DEMO_DIR, "async.html") } } },
    });
    [served, browser] = await Promise.all([serveDirectory(outDir), launchBrowserWithExtension()]);
  });

  afterAll(async () => {
    await closeBrowsers();
    await new Promise((resolve) => served?.server.close(resolve));
    rmSync(outDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
  });

  test("shows each async call as a task under its caller, its awaits labelled by source", async () => {
    const inspected = await openInspectedPage(browser, `${served.url}async.html`);
    page = inspected.page;
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    await startRecording(inspected.panel);
    await page.click("#load");
    await page.waitForFunction(() => document.documentElement.dataset.state === "done", POLL);
    expect(await page.$eval("#result", (element) => element.textContent)).toBe(
      "user 7: 3 orders, 2 recommendations, 3 notifications, prices 1.5 → 3 → 4.5");

    const trace = await waitForTrace(inspected.panel, (t) => t.tasks.some((task) => task.name === "onLoadClicked" && task.outcome === "done"));
    const named = (name: string): TaskRecord[] => trace.tasks.filter((task) => task.name === name);
    const one = (name: string): TaskRecord => {
      const found = named(name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const awaitsOf = (task: TaskRecord): Trace["awaits"] => trace.awaits.filter((a) => a.task === task.id);

    const clicked = one("onLoadClicked");
    expect(clicked).toMatchObject({ kind: "async", parent: null, outcome: "done" });
    expect(clicked.site).toMatchObject({ file: "src/async-app/main.ts", line: 11, column: 1 });

    const shop = one("loadShop");
    expect(shop.parent).toBe(clicked.id);
    expect(shop.site).toMatchObject({ file: "src/async-app/shop.ts", line: 64 });
    const shopAwaits = awaitsOf(shop);
    const children = ["fetchUser", "OrderService.recentOrders", "fetchRecommendations", "withRetry"].map(one);
    expect(shopAwaits.slice(0, 4).map((a) => [a.label, a.targetTask])).toEqual([
      ["fetchUser(userId)", children[0]!.id],
      ["new OrderService().recentOrders(user)", children[1]!.id],
      ["fetchRecommendations(user)", children[2]!.id],
      ["withRetry(fetchNotifications)", children[3]!.id],
    ]);
    expect(shopAwaits.slice(4).map((a) => a.label)).toEqual(Array(4).fill("for await … of priceUpdates(3)"));
    for (const child of children) expect(child.parent).toBe(shop.id);

    // Deeper calls, a failed attempt and its retry, and the async generator.
    expect(named("OrderService.order").map((task) => task.parent)).toEqual(Array(3).fill(children[1]!.id));
    const attempts = named("fetchNotifications");
    expect(attempts.map((task) => [task.parent, task.outcome])).toEqual([[children[3]!.id, "error"], [children[3]!.id, "done"]]);
    expect(attempts[0]!.error).toMatchObject({ name: "Error", message: "notifications are busy" });
    expect(one("priceUpdates").parent).toBe(shop.id);

    // The call starts before its caller awaits it, and ends before that await does.
    const userWait = shopAwaits[0]!;
    expect(children[0]!.created).toBeLessThanOrEqual(userWait.start);
    expect(children[0]!.end!).toBeGreaterThan(userWait.start);
    expect(children[0]!.end!).toBeLessThanOrEqual(userWait.end!);
    expect(pageErrors).toEqual([]);

    // The panel draws them as rows.
    await waitForRow({ frame: inspected.panel, mousePage: inspected.devtools }, "loadShop");
    await waitForRow({ frame: inspected.panel, mousePage: inspected.devtools }, "OrderService.order");
    await screenshotPanel(inspected.devtools, inspected.panel, "vite-plugin-async-app");
  });

  test("does the same in `vite dev`, where it is on by default", async () => {
    let server: ViteDevServer | undefined;
    try {
      server = await createViteServer({
        configFile: false, root: DEMO_DIR, logLevel: "warn", publicDir: false,
        plugins: [aioscope()],
        server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false, ws: false },
      });
      await server.listen();
      const address = server.httpServer!.address() as AddressInfo;
      const inspected = await openInspectedPage(browser, `http://127.0.0.1:${address.port}/async.html`);
      page = inspected.page;
      await startRecording(inspected.panel);
      await page.click("#load");
      await page.waitForFunction(() => document.documentElement.dataset.state === "done", POLL);
      const trace = await waitForTrace(inspected.panel, (t) => t.tasks.some((task) => task.name === "onLoadClicked" && task.outcome === "done"));
      const clicked = trace.tasks.find((task) => task.name === "onLoadClicked")!;
      const shop = trace.tasks.find((task) => task.name === "loadShop")!;
      expect(clicked.site).toMatchObject({ file: "src/async-app/main.ts", line: 11, column: 1 });
      expect(shop.parent).toBe(clicked.id);
      const user = trace.tasks.find((task) => task.name === "fetchUser")!;
      expect(trace.awaits.find((a) => a.task === shop.id)).toMatchObject({ kind: "task", label: "fetchUser(userId)", targetTask: user.id });
    } finally {
      await server?.close();
    }
  });
});
