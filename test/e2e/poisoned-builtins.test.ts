/**
 * Installing aioscope never changes what a page does, even a page that replaces the
 * built-ins the extension's page-side code might call (Array.prototype.push, Map.prototype.get,
 * Math.max, performance.now, JSON.stringify, Object.keys…) with traps that count every call
 * and throw. The page then does ordinary asynchronous work (timers, fetch, XHR, animation
 * frames, abort signals, promise combinators, messages) and writes down what happened.
 * (Promise.prototype.then and Promise.resolve stay: the browser's own Promise.all calls them.) That
 * record must be the same without the extension, with it installed but not recording, and
 * while the panel records (native instrumentation on) — and no trap may ever fire.
 *
 * A second page watches Object.prototype instead: accessors for every property name the
 * built page script spells, which keep the page's behaviour and write down any access made
 * from the extension's script (an option, hook or detail member we left out, a descriptor
 * member, `toJSON`). None may be written down.
 *
 * The page's own code uses only language operations after poisoning; results are read over
 * CDP's Runtime.evaluate, which runs no page built-in.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, CDPSession, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeBrowsers, EXTENSION_DIR, launchBrowserWithExtension, openInspectedPage, serveFixturePage, startRecording, waitForTrace, type FixtureServer } from "./helpers.ts";
import { withoutExtension } from "./native-fixtures.ts";
import { PROTOTYPE_MEMBERS, POISONED, POISONED_GETTERS } from "./poisoned-list.ts";

/**
 * The page's work, the same on every page here: `go()` runs it and, once every part reported,
 * sets `window.__result` (a string built with `+` only).
 */
const WORK = `
window.go = () => {
  const parts = { timeout: "-", interval: "-", raf: "-", fetch: "-", xhr: "-", abort: "-", all: "-", allFetches: "-", race: "-", signalTimeout: "-", message: "-", microtask: "-", idle: "-", worker: "-", long: "-" };
  let pending = 15;
  window.__parts = parts;
  const done = (name, value) => {
    parts[name] = value;
    pending--;
    if (pending === 0) {
      window.__result = "timeout=" + parts.timeout + " interval=" + parts.interval + " raf=" + parts.raf + " fetch=" + parts.fetch
        + " xhr=" + parts.xhr + " abort=" + parts.abort + " all=" + parts.all + " allFetches=" + parts.allFetches + " race=" + parts.race + " signalTimeout=" + parts.signalTimeout
        + " message=" + parts.message + " microtask=" + parts.microtask + " idle=" + parts.idle + " worker=" + parts.worker + " long=" + parts.long;
    }
  };
  setTimeout((a, b) => done("timeout", a + b), 3, "x", "y");
  let ticks = 0;
  const id = setInterval(() => { ticks++; if (ticks === 3) { clearInterval(id); done("interval", ticks); } }, 2);
  const cancelled = setTimeout(() => done("timeout", "cancelled timer ran"), 1);
  clearTimeout(cancelled);
  requestAnimationFrame((t) => done("raf", typeof t));
  requestIdleCallback(() => done("idle", "ran"), { timeout: 50 });
  fetch("/data").then((r) => r.text()).then((t) => done("fetch", t.length), (e) => done("fetch", "error " + e.message));
  const xhr = new XMLHttpRequest();
  xhr.open("GET", "/data");
  xhr.onload = () => done("xhr", xhr.status + " " + xhr.responseText.length);
  xhr.send();
  const controller = new AbortController();
  controller.signal.onabort = () => done("abort", controller.signal.aborted + " " + controller.signal.reason);
  controller.abort("why");
  Promise.all([1, new Promise((r) => setTimeout(() => r(2), 1))]).then((v) => done("all", v[0] + v[1]));
  // Recorded fetches as members: the group's detail lists them (an array, for JSON.stringify).
  Promise.all([fetch("/data"), fetch("/data")]).then((v) => done("allFetches", typeof v[0] + " " + typeof v[1]), (e) => done("allFetches", "error " + e.message));
  Promise.race([new Promise((r) => setTimeout(() => r("slow"), 20)), new Promise((r) => setTimeout(() => r("fast"), 1))]).then((v) => done("race", v));
  AbortSignal.timeout(2).onabort = function () { done("signalTimeout", this.reason.name); };
  window.onmessage = (e) => done("message", e.data);
  window.postMessage("hi", "*");
  queueMicrotask(() => done("microtask", "ran"));
  const worker = new Worker(URL.createObjectURL(new Blob(["onmessage = (e) => postMessage(e.data + 1);"], { type: "text/javascript" })));
  worker.onmessage = (e) => { worker.terminate(); done("worker", e.data); };
  worker.postMessage(41);
  // A long task (over 50 ms), for the long-task observer.
  const start = +new Date();
  while (+new Date() - start < 80) { /* busy */ }
  done("long", "ran");
};
`;

/** The page: it takes what its own code needs, poisons everything listed, then does WORK. */
function poisonPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>poisoned</title><script>
(() => {
  const list = ${JSON.stringify(POISONED)};
  window.__hits = 0;
  window.__firstHit = "";
  // The page formats its stacks itself, counting each: aioscope must neither call this nor
  // leave it replaced.
  window.__stackFormats = 0;
  Error.prepareStackTrace = (error, sites) => { window.__stackFormats++; return "formatted by the page"; };
  const define = Object.defineProperty;
  // Where a trap fired, read past the page's own prepareStackTrace (it counts only the others).
  const formatter = Error.prepareStackTrace;
  window.__where = () => { Error.prepareStackTrace = undefined; const stack = new Error().stack; Error.prepareStackTrace = formatter; return stack; };
  // What every trap does: count the call, note where the first came from, and throw.
  const hit = (label) => { window.__hits++; if (window.__firstHit === "") window.__firstHit = label + " " + window.__where(); throw new Error("poisoned " + label); };
  // Every owner is found before the first trap is set: this script uses split and push too.
  const owners = list.map(([path]) => path.split(".").reduce((o, part) => o[part], window));
  const getterList = ${JSON.stringify(POISONED_GETTERS)};
  const getterOwners = getterList.map(([path]) => path.split(".").reduce((o, part) => o[part], window));
  for (let k = 0; k < list.length; k++) {
    const [path, names] = list[k];
    const owner = owners[k];
    for (const name of names) {
      const label = path + "." + name;
      define(owner, name, { value: function () { hit(label); }, writable: true, configurable: true });
    }
  }
  // Getters of the performance entries our observers read: the native ones are taken at start-up.
  for (let k = 0; k < getterList.length; k++) {
    const [path, names] = getterList[k];
    const owner = getterOwners[k];
    for (const name of names) {
      const label = path + "." + name;
      define(owner, name, { get() { hit(label); }, configurable: true });
    }
  }
  // Getters on Object.prototype for members our objects may leave out (PROTOTYPE_MEMBERS): read
  // through the prototype, by the browser or by our code, they would run the page's code.
  for (const name of ${JSON.stringify(PROTOTYPE_MEMBERS)}) {
    const label = "Object.prototype." + name;
    define(Object.prototype, name, { get() { hit(label); }, configurable: true });
  }
})();
${WORK}</script></head><body>poisoned</body></html>`;
}

/** Reads a global of the page through CDP, running none of the page's built-ins. */
async function pageGlobal(cdp: CDPSession, name: string): Promise<unknown> {
  const { result } = await cdp.send("Runtime.evaluate", { expression: `window.${name}`, returnByValue: true });
  return result.value;
}

/**
 * Runs the page's work (`go()`) and waits for what it wrote down, `__result`; when it does not
 * come, the failure names the parts that had not reported ("-").
 */
async function runWork(cdp: CDPSession): Promise<unknown> {
  await cdp.send("Runtime.evaluate", { expression: "go()" });
  const deadline = Date.now() + WORK_DEADLINE_MS;
  let result: unknown;
  while ((result = await pageGlobal(cdp, "__result")) === undefined) {
    if (Date.now() > deadline) throw new Error(`the page's work did not finish in ${WORK_DEADLINE_MS / 1000} s; its parts: ${JSON.stringify(await pageGlobal(cdp, "__parts"))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return result;
}

const WORK_DEADLINE_MS = 20_000;

/** Runs the page's work and returns what it wrote down, with the count of traps that fired. */
async function runPoisonedWork(page: Page): Promise<{ result: unknown; hits: unknown; firstHit: unknown; stackFormats: unknown; formatter: unknown }> {
  const cdp = await page.createCDPSession();
  const result = await runWork(cdp);
  const outcome = {
    result, hits: await pageGlobal(cdp, "__hits"), firstHit: await pageGlobal(cdp, "__firstHit"), stackFormats: await pageGlobal(cdp, "__stackFormats"),
    // Still the page's own, after aioscope took creation sites with a prepareStackTrace of its own.
    formatter: (await cdp.send("Runtime.evaluate", { expression: "String(Error.prepareStackTrace).length > 0 && new Error('x').stack", returnByValue: true })).result.value as unknown,
  };
  await cdp.detach();
  return outcome;
}

describe("a page that poisons the built-ins", () => {
  let server: FixtureServer;
  let browser: Browser;
  let expected: Awaited<ReturnType<typeof runPoisonedWork>>;

  beforeAll(async () => {
    server = await serveFixturePage(poisonPage());
    expected = await withoutExtension(server.url, runPoisonedWork);
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("does its work without the extension (the reference the others are compared with)", () => {
    expect(expected.hits).toBe(0);
    expect(String(expected.result)).toContain("timeout=xy interval=3");
  });

  test("behaves the same with the extension installed, not recording", async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    expect(await runPoisonedWork(page)).toEqual(expected);
    await page.close();
  });

  test("behaves the same while the panel records it, and its work is recorded", async () => {
    const { page, panel } = await openInspectedPage(browser, server.url);
    await startRecording(panel);
    expect(await runPoisonedWork(page)).toEqual(expected);
    const trace = await waitForTrace(panel, (t) => t.nativeOps.filter((op) => op.kind === "Promise.all" && op.end !== null).length >= 2
      && t.nativeOps.some((op) => op.kind === "longTask"));
    expect(trace.nativeOps.map((op) => op.kind)).toEqual(expect.arrayContaining(["setTimeout", "setInterval", "fetch", "xhr", "worker", "workerMessage", "longTask"]));
    // The long task's attribution, read through the browser's own getters, not the page's traps.
    const longTask = trace.nativeOps.find((op) => op.kind === "longTask");
    expect(JSON.parse(longTask?.detail ?? "{}")).toMatchObject({ container: "window", duration: expect.any(Number) as unknown });
    // The group of two fetches names them, written without the page's Array.prototype.toJSON.
    const fetchIds = trace.nativeOps.filter((op) => op.kind === "fetch").map((op) => op.id);
    const groups = trace.nativeOps.filter((op) => op.kind === "Promise.all" && op.detail !== null).map((op) => JSON.parse(op.detail!) as { members?: unknown });
    expect(groups.map((detail) => detail.members)).toContainEqual(fetchIds.slice(-2));
    await page.close();
  });
});

/**
 * Every property name the built page script spells out (`.name`), and `toJSON`, which
 * `JSON.stringify` looks up: any of them missing from an object of ours would be read from, or
 * written through, the page's Object.prototype.
 */
function pageScriptNames(): string[] {
  const script = readFileSync(join(EXTENSION_DIR, "src/content/main-world.js"), "utf8");
  const names = new Set<string>(["toJSON"]);
  for (const match of script.matchAll(/\.([A-Za-z_$][\w$]*)/g)) names.add(match[1]!);
  return [...names];
}

/**
 * A page that watches those names on Object.prototype with accessors that keep its behaviour
 * (a read finds nothing, a write makes an own property, as without them) and write down each
 * access made by aioscope's script — the frame under the accessor is in the extension. `then`
 * is left out: resolving a promise with an object reads it, and the page's own values reach
 * the browser's resolve functions through our reactions.
 */
function watchPage(names: readonly string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>watched</title><script>
(() => {
  const define = Object.defineProperty;
  window.__ours = "";
  window.__watched = 0;
  let noting = false;
  const note = (access) => {
    if (noting) return;
    noting = true;
    // Error, note, the accessor, the code that made the access.
    const frame = new Error().stack.split("\\n")[3] ?? "";
    if (frame.includes("chrome-extension://")) window.__ours += access + " " + frame.trim() + "\\n";
    noting = false;
  };
  for (const name of ${JSON.stringify(names)}) {
    if (name in Object.prototype || name === "then") continue;
    // Descriptors without a prototype: ToPropertyDescriptor looks up get, set, value… through it.
    define(Object.prototype, name, {
      __proto__: null,
      get() { note("read " + name); return undefined; },
      set(value) { note("write " + name); define(this, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true }); },
      configurable: true,
    });
    window.__watched++;
  }
})();
${WORK}</script></head><body>watched</body></html>`;
}

/** Runs the page's work and returns what it wrote down, with aioscope's accesses through Object.prototype. */
async function runWatchedWork(page: Page): Promise<{ result: unknown; ours: unknown }> {
  const cdp = await page.createCDPSession();
  const result = await runWork(cdp);
  const ours = await pageGlobal(cdp, "__ours");
  await cdp.detach();
  return { result, ours };
}

describe("a page that watches, on Object.prototype, every name aioscope's page script uses", () => {
  let server: FixtureServer;
  let browser: Browser;
  let expected: Awaited<ReturnType<typeof runWatchedWork>>;

  beforeAll(async () => {
    server = await serveFixturePage(watchPage(pageScriptNames()));
    expected = await withoutExtension(server.url, async (page) => {
      expect(await page.evaluate(() => (window as unknown as { __watched: number }).__watched)).toBeGreaterThan(300);
      return runWatchedWork(page);
    });
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("does its work without the extension", () => {
    expect(String(expected.result)).toContain("timeout=xy interval=3");
  });

  test("is never read or written through by aioscope, installed or recording, and works the same", async () => {
    const installed = await browser.newPage();
    await installed.goto(server.url);
    expect(await runWatchedWork(installed)).toEqual(expected);
    await installed.close();
    const { page, panel } = await openInspectedPage(browser, server.url);
    await startRecording(panel);
    expect(await runWatchedWork(page)).toEqual(expected);
    // The work went through the wrappers and observers: its groups, long task and worker messages are recorded.
    await waitForTrace(panel, (t) => t.nativeOps.filter((op) => op.kind === "Promise.all" && op.end !== null).length >= 2
      && t.nativeOps.some((op) => op.kind === "longTask") && t.nativeOps.some((op) => op.kind === "workerMessage"));
    await page.close();
  });
});

/**
 * A page that owns stack formatting: it installs its own `Error.prepareStackTrace` (as
 * source-map libraries do), replaces the global `Error` with a counting wrapper and
 * `Error.prototype.toString` with a trap, and runs runtime tasks while the panel records with
 * creation sites on. aioscope takes each task's creation site with the `Error` it took at
 * document_start: nothing of the page's runs, its formatter never sees aioscope's stacks and
 * is still in place afterwards, and the sites point at the page's own code.
 */
const STACK_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>stack owner</title><script>
(() => {
  window.__hits = 0;
  window.__stackFormats = 0;
  const PageError = Error;
  PageError.prepareStackTrace = (error, sites) => { window.__stackFormats++; return "formatted by the page"; };
  window.Error = function Error(message) { window.__hits++; return new PageError(message); };
  window.Error.prototype = PageError.prototype;
  Object.defineProperty(PageError.prototype, "toString", { value: function () { window.__hits++; throw new PageError("poisoned Error.prototype.toString"); }, writable: true, configurable: true });
})();
window.go = () => {
  const { run, createTask, gather, sleep } = globalThis.aioscope;
  return run(function* () {
    yield* gather([createTask(function* () { yield* sleep(1); }, { name: "site-owner-child" })]);
  }, { name: "site-owner-main" }).then(() => "done");
};
</script></head><body>stack owner</body></html>`;

describe("a page that owns stack formatting and poisons the CallSite", () => {
  let server: FixtureServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await serveFixturePage(STACK_PAGE);
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("gets its tasks' creation sites taken without any of its traps or its formatter running", async () => {
    const { page, panel } = await openInspectedPage(browser, server.url);
    await startRecording(panel);
    const cdp = await page.createCDPSession();
    const ran = await cdp.send("Runtime.evaluate", { expression: "go()", awaitPromise: true, returnByValue: true });
    expect(ran.result.value).toBe("done");
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "site-owner-main" && task.end !== null));
    const child = trace.tasks.find((task) => task.name === "site-owner-child")!;
    // The site is the page's own line that created the task.
    expect(child.site?.file).toBe(server.url);
    expect(child.site?.line).toBeGreaterThan(1);
    expect(await pageGlobal(cdp, "__hits")).toBe(0);
    expect(await pageGlobal(cdp, "__stackFormats")).toBe(0);
    // The page's formatter is still the one it installed.
    const formatted = await cdp.send("Runtime.evaluate", { expression: "new (Error.prototype.constructor)('x').stack", returnByValue: true });
    expect(formatted.result.value).toBe("formatted by the page");
    await cdp.detach();
    await page.close();
  });
});
