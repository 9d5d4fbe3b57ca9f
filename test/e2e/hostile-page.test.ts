/**
 * A page that tries to steer the profiler: it forges every message it can think of — window
 * envelopes with the tags page agent and bridge once used (start, stop, ready, hello, batches,
 * acks, resends), its own offer of the private channel, and a listener hoping to catch ours —
 * while the real panel records it. Nothing forged takes effect, the page's later work is
 * recorded, the panel counts the forgeries, and the page sees exactly the window messages it
 * would see without the extension. Batches whose columns are views on 64 MB buffers and
 * trap-shaped objects (toString traps, extra properties, getters) go the same way.
 */
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeBrowsers, launchBrowserWithExtension, openInspectedPage, POLL, serveFixturePage, startRecording, waitForTrace, type FixtureServer } from "./helpers.ts";
import { launchWithoutExtension } from "./native-fixtures.ts";
import { Recorder } from "../../src/trace/recorder.ts";

/**
 * `forgeAll(session, batch)` posts every forgery; `jobs(prefix)` runs three short runtime tasks.
 * From its first script on, the page listens for the channel hand-over event and for window
 * messages, and counts what it sees.
 */
const FORGING_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>forger</title><script>
window.__caughtPorts = 0;
window.__windowMessages = 0;
for (const target of [window, document, document.documentElement]) {
  target.addEventListener("aioscope:channel", (event) => { if (!window.__forging) window.__caughtPorts += (event.ports || []).length; }, true);
}
window.addEventListener("message", () => { window.__windowMessages++; }, true);
window.forgeAll = (session, batch) => {
  const tags = ["aioscope:page", "aioscope:bridge"];
  const commands = [
    { kind: "stop", data: { session } },
    { kind: "stop", data: { session: "" } },
    { kind: "start", data: { session: "forged-session", options: { creationSites: false, native: false }, keepStartup: false } },
    { kind: "ready", data: { protocol: 1 } },
    { kind: "hello", data: { protocol: 1, url: "https://forged.example/", title: "forged", userAgent: "forged", timeOrigin: 1, runtimes: [], isTopFrame: true, session: null } },
    { kind: "ack", data: { session, stream: 0, seq: 1e6 } },
    { kind: "resend", data: {} },
  ];
  for (let stream = 0; stream < 3; stream++) {
    for (let seq = 0; seq < 20; seq++) commands.push({ kind: "batch", data: { session, stream, batch: { ...batch, seq } } });
  }
  let posted = 0;
  for (const tag of tags) for (const message of commands) { window.postMessage({ tag, message }, "*"); posted++; }
  // Its own offer of the private channel, then the same commands on that channel.
  const channel = new MessageChannel();
  window.__forging = true;
  document.dispatchEvent(new MessageEvent("aioscope:channel", { ports: [channel.port2], cancelable: true }));
  window.__forging = false;
  for (const message of commands) channel.port1.postMessage(message);
  return posted;
};
// Oversized columns and trap-shaped data, by every way a page has: window envelopes (the
// buffers transferred, not copied), the same on a channel of its own offered as ours, and a
// "runtime copy" of its own registered through the page hook with a trap for a version.
window.__versionReads = 0;
window.floodOversized = (session, batch) => {
  const MB64 = 64 * 1024 * 1024;
  const messages = [];
  for (let k = 0; k < 8; k++) {
    const time = new Float64Array(new ArrayBuffer(MB64), 0, batch.count);
    messages.push([{ kind: "batch", data: { session, stream: 0, batch: { ...batch, seq: k, time } } }, [time.buffer]]);
  }
  const hello = { protocol: 1, url: "https://trap.example/", title: "t", userAgent: "u", timeOrigin: 1, runtimes: [], bundledRuntimes: 0, notRecorded: [], isTopFrame: true, session: null };
  const traps = [
    { kind: "hello", data: { ...hello, protocol: { toString: 1, valueOf: 1 } } },
    { kind: "hello", data: { ...hello, extra: "property" } },
    { kind: { toString: 1 }, data: {} },
    { kind: "batch", data: { session, stream: 0, batch: { ...batch, seq: 100, extra: new Uint8Array(MB64) } } },
  ];
  // A getter runs here, in the page, when the message is cloned: what crosses is its value.
  const withGetter = { kind: "stop", data: {} };
  Object.defineProperty(withGetter.data, "session", { get() { return session; }, enumerable: true });
  traps.push(withGetter);
  for (const message of traps) messages.push([message, []]);
  let posted = 0;
  for (const [message, transfer] of messages) { window.postMessage({ tag: "aioscope:page", message }, "*", transfer); posted++; }
  const channel = new MessageChannel();
  window.__forging = true;
  document.dispatchEvent(new MessageEvent("aioscope:channel", { ports: [channel.port2], cancelable: true }));
  window.__forging = false;
  for (let k = 0; k < 8; k++) {
    const time = new Float64Array(new ArrayBuffer(MB64), 0, batch.count);
    channel.port1.postMessage({ kind: "batch", data: { session, stream: 0, batch: { ...batch, seq: k, time } } }, [time.buffer]);
  }
  for (const message of traps) channel.port1.postMessage(message);
  const version = { toString() { window.__versionReads++; throw new Error("trap: version read"); } };
  globalThis.__AIOSCOPE_HOOK__.registerRuntime({ version, addInstrument() {}, removeInstrument() {} });
  return posted;
};
window.jobs = (prefix) => {
  const { run, sleep, createTask, gather } = globalThis.aioscope;
  return run(function* () {
    yield* gather([0, 1, 2].map((i) => createTask(function* () { yield* sleep(2); }, { name: prefix + "-" + i })));
  }, { name: prefix + "-main" });
};
</script></head><body>forger</body></html>`;

/** A well-formed batch holding one native operation named "forged-op", as plain data. */
function forgedBatch(): Record<string, unknown> {
  const recorder = new Recorder({ clock: () => 1 });
  recorder.nativeEnd(recorder.nativeStart("setTimeout", "forged-op"));
  const batch = recorder.takeBatch();
  return { ...batch, time: [...batch.time], kind: [...batch.kind], ops: [...batch.ops] };
}

/** Turns the plain arrays of `forgedBatch` back into typed arrays, in the page. */
async function forge(page: Page, session: string): Promise<number> {
  return page.evaluate((session, plain) => {
    const batch = { ...plain, time: new Float64Array(plain.time as number[]), kind: new Uint8Array(plain.kind as number[]), ops: new Int32Array(plain.ops as number[]) };
    return (window as unknown as { forgeAll(s: string, b: unknown): number }).forgeAll(session, batch);
  }, session, forgedBatch());
}

describe("a page forging the extension's messages", () => {
  let browser: Browser;
  let server: FixtureServer;

  beforeAll(async () => {
    server = await serveFixturePage(FORGING_PAGE);
    browser = await launchBrowserWithExtension();
  });

  afterAll(async () => {
    await Promise.all([closeBrowsers(), server?.close()]);
  });

  test("keeps its later work recorded, and no forged command or batch takes effect", async () => {
    const { page, panel } = await openInspectedPage(browser, server.url);
    await startRecording(panel);
    await page.evaluate(() => (window as unknown as { jobs(p: string): Promise<void> }).jobs("before"));
    await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "before-main" && task.outcome === "done"));
    const session = await panel.evaluate(() => window.__aioscopePanel!.snapshot().session!);

    const posted = await forge(page, session);
    // The forged stop would have ended the page's recording: its later work must still arrive.
    await page.evaluate(() => (window as unknown as { jobs(p: string): Promise<void> }).jobs("after"));
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "after-main" && task.outcome === "done"));
    await panel.waitForFunction((posted) => window.__aioscopePanel!.snapshot().forged >= posted + 1, POLL, posted);

    const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
    expect(snapshot.phase).toBe("recording");
    expect(snapshot.session).toBe(session);
    // Every window envelope and the second channel offer, each counted once.
    expect(snapshot.forged).toBe(posted + 1);
    const shown = await panel.waitForFunction(() => document.querySelector("[data-testid=forged-count]")?.textContent, POLL);
    expect(await shown.jsonValue()).toContain(`${posted + 1} forged`);
    expect(trace.nativeOps.some((op) => op.label === "forged-op")).toBe(false);
    expect(trace.metadata.url ?? "").not.toContain("forged");
    expect(snapshot.frames.map((f) => f.hello?.url)).not.toContain("https://forged.example/");
    expect(trace.tasks.map((t) => t.name).filter((n) => /^(before|after)-/.test(n)).sort()).toEqual(
      ["after-0", "after-1", "after-2", "after-main", "before-0", "before-1", "before-2", "before-main"],
    );
    // The page never held our port.
    expect(await page.evaluate(() => (window as unknown as { __caughtPorts: number }).__caughtPorts)).toBe(0);
    await page.close();
  });

  test("oversized buffers and trap objects are refused and counted, and the page and its recording carry on", async () => {
    const { page, panel } = await openInspectedPage(browser, server.url);
    await startRecording(panel);
    await page.evaluate(() => (window as unknown as { jobs(p: string): Promise<void> }).jobs("before"));
    await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "before-main" && task.outcome === "done"));
    const session = await panel.evaluate(() => window.__aioscopePanel!.snapshot().session!);

    const posted = await page.evaluate((session, plain) => {
      const batch = { ...plain, time: new Float64Array(plain.time as number[]), kind: new Uint8Array(plain.kind as number[]), ops: new Int32Array(plain.ops as number[]) };
      return (window as unknown as { floodOversized(s: string, b: unknown): number }).floodOversized(session, batch);
    }, session, forgedBatch());
    expect(posted).toBe(13);
    await page.evaluate(() => (window as unknown as { jobs(p: string): Promise<void> }).jobs("after"));
    const trace = await waitForTrace(panel, (t) => t.tasks.some((task) => task.name === "after-main" && task.outcome === "done"));
    // Every envelope and the channel offer counted; nothing of theirs in the session.
    await panel.waitForFunction((posted) => window.__aioscopePanel!.snapshot().forged >= posted + 1, POLL, posted);
    const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
    expect(snapshot.forged).toBe(posted + 1);
    expect(snapshot.phase).toBe("recording");
    expect(snapshot.session).toBe(session);
    // The only problem the panel names is the forgery itself: no refused or lost batch.
    expect(snapshot.problems).toEqual(["frame 0: the page posted messages pretending to be aioscope's; they were ignored"]);
    expect(trace.nativeOps.some((op) => op.label === "forged-op")).toBe(false);
    expect(snapshot.frames.map((f) => f.hello?.url)).not.toContain("https://trap.example/");
    expect(trace.tasks.map((t) => t.name).filter((n) => /^after-/.test(n)).sort()).toEqual(["after-0", "after-1", "after-2", "after-main"]);
    // The page's own "runtime copy" is listed with its version refused (never read through
    // its toString), and marks the page's source as having a page-bundled runtime.
    expect(await page.evaluate(() => (window as unknown as { __versionReads: number }).__versionReads)).toBe(0);
    const frame = await panel.waitForFunction(() => {
      const hello = window.__aioscopePanel!.snapshot().frames.find((f) => f.hello?.isTopFrame)?.hello;
      return hello !== undefined && hello !== null && hello.bundledRuntimes === 1 ? hello : null;
    }, POLL);
    expect(await frame.jsonValue()).toMatchObject({ runtimes: ["1.0.0", "?"], bundledRuntimes: 1 });
    await page.close();
  });

  test("sees only its own window messages, as without the extension", async () => {
    const seen = async (target: Browser): Promise<{ posted: number; windowMessages: number; caughtPorts: number }> => {
      const page = await target.newPage();
      await page.goto(server.url);
      const posted = await forge(page, "any");
      // The page's own last message marks the end of everything it posted.
      await page.evaluate(() => new Promise<void>((resolve) => {
        window.addEventListener("message", (e) => { if (e.data === "end") resolve(); });
        window.postMessage("end", "*");
      }));
      const counts = await page.evaluate(() => {
        const w = window as unknown as { __windowMessages: number; __caughtPorts: number };
        return { windowMessages: w.__windowMessages, caughtPorts: w.__caughtPorts };
      });
      await page.close();
      return { posted, ...counts };
    };
    const plain = await launchWithoutExtension();
    try {
      const without = await seen(plain);
      const withExtension = await seen(browser);
      expect(withExtension).toEqual(without);
      expect(without.windowMessages).toBe(without.posted + 1);
    } finally {
      await plain.close();
    }
  });
});
