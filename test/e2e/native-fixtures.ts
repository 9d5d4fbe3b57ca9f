/**
 * What the native-instrumentation tests share: a local server with pages and a slow endpoint,
 * Chromium with a private copy of the built extension, and Chrome's own view of the same work
 * (Network events and a trace through the DevTools Protocol) on the page's clock.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import type { Browser, CDPSession, Page } from "puppeteer-core";
import type { NativeOpRecord, Trace } from "../../src/trace/model.ts";
import { CHROMIUM_FLAGS, chromiumPath, EXTENSION_DIR } from "./helpers.ts";

export interface NativeServer {
  /** http://127.0.0.1:port/ */
  readonly origin: string;
  /** Requests to /data the server has received so far, by id. */
  readonly received: Set<string>;
  close(): Promise<void>;
}

/**
 * Serves `pages` (path → HTML), and `/data?id=…&ms=…&bytes=…`: `bytes` bytes of text after
 * `ms` milliseconds, with a Content-Length. A request the client drops is forgotten at once.
 */
export async function startNativeServer(pages: Readonly<Record<string, string>>): Promise<NativeServer> {
  const received = new Set<string>();
  const server = createServer((request, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/data") {
      received.add(url.searchParams.get("id") ?? "");
      const bytes = Math.max(0, Math.min(1 << 20, Number(url.searchParams.get("bytes") ?? 16)));
      const timer = setTimeout(() => {
        response.writeHead(200, { "content-type": "text/plain", "content-length": String(bytes), "cache-control": "no-store" });
        response.end("x".repeat(bytes));
      }, Math.max(0, Math.min(10_000, Number(url.searchParams.get("ms") ?? 0))));
      request.on("close", () => clearTimeout(timer));
      return;
    }
    const html = pages[url.pathname];
    if (html === undefined) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found");
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Pages as a person's are with DevTools closed. By default puppeteer turns on the DevTools
 * Protocol's Network and Audits domains in every page it drives, and the Network agent alone
 * makes each request cost the page's main thread more (500 fetches in a plain page: 301 ms of
 * CPU without it, 446 ms with it) — a cost no page pays unless DevTools is open, which would
 * understate what our instrumentation adds to one. The tests watch the network through CDP
 * sessions of their own (watchChrome), and DevTools, when they open it, turns its own on.
 */
const AS_WITHOUT_DEVTOOLS = { networkEnabled: false, issuesEnabled: false } as const;

/**
 * Chromium with a copy of dist/extension (or of the build in `from`) taken now, so a rebuild
 * by someone else while the tests run (the build empties the folder) cannot pull files from
 * under the panel.
 */
export async function launchWithExtensionCopy(from = EXTENSION_DIR): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(join(from, "manifest.json"))) {
    throw new Error(`No built extension in ${from}: run \`npm run build:extension\` first.`);
  }
  const copy = mkdtempSync(join(tmpdir(), "aioscope-native-ext-"));
  cpSync(from, copy, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(), headless: true, pipe: true, enableExtensions: [copy], args: CHROMIUM_FLAGS, ...AS_WITHOUT_DEVTOOLS,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(copy, { recursive: true, force: true });
    },
  };
}

/** Launches Chromium without any extension, with the same flags. */
export function launchWithoutExtension(): Promise<Browser> {
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, pipe: true, args: CHROMIUM_FLAGS, ...AS_WITHOUT_DEVTOOLS });
}

/** What `run` gets from `url` in a Chromium without the extension: the reference a test compares with. */
export async function withoutExtension<T>(url: string, run: (page: Page) => Promise<T>): Promise<T> {
  const plain = await launchWithoutExtension();
  try {
    const page = await plain.newPage();
    await page.goto(url);
    return await run(page);
  } finally {
    await plain.close();
  }
}

// ── Chrome's own view, on the page's clock ──────────────────────────────────────────────────

export interface NetworkRequest {
  readonly url: string;
  /** Page milliseconds (performance.now()) of requestWillBeSent, responseReceived, loadingFinished, loadingFailed. */
  sent: number | null;
  response: number | null;
  finished: number | null;
  failed: number | null;
  canceled: boolean;
}

export interface TraceEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  /** `data` for devtools.timeline events; `src_file`, `src_func`… for a RunTask of the toplevel category. */
  readonly args: { data?: Record<string, unknown> & { stackTrace?: { url: string }[] } } & Record<string, unknown>;
}

/** What Chrome saw, with its times converted to the page's performance.now() milliseconds. */
export interface ChromeView {
  readonly requests: NetworkRequest[];
  readonly events: TraceEvent[];
  /** A trace event's ts (µs) as page milliseconds. */
  pageTime(ts: number): number;
}

const CALIBRATION_MARK = "aioscope-native-calibration";

/**
 * Records Network events (a CDP session of the page's own) and a Chrome trace with timer
 * events and their stacks and every task with where it was posted from, from now until `stop()`. Chrome's timestamps (base::TimeTicks) are
 * put on the page's clock through a performance.mark, which the trace carries with both.
 */
export async function watchChrome(page: Page): Promise<{ stop(): Promise<ChromeView> }> {
  const cdp: CDPSession = await page.createCDPSession();
  const raw: { id: string; url?: string; kind: "sent" | "response" | "finished" | "failed"; timestamp: number; canceled?: boolean }[] = [];
  cdp.on("Network.requestWillBeSent", (e) => raw.push({ id: e.requestId, url: e.request.url, kind: "sent", timestamp: e.timestamp }));
  cdp.on("Network.responseReceived", (e) => raw.push({ id: e.requestId, kind: "response", timestamp: e.timestamp }));
  cdp.on("Network.loadingFinished", (e) => raw.push({ id: e.requestId, kind: "finished", timestamp: e.timestamp }));
  cdp.on("Network.loadingFailed", (e) => raw.push({ id: e.requestId, kind: "failed", timestamp: e.timestamp, canceled: e.canceled === true }));
  await cdp.send("Network.enable");
  await page.tracing.start({
    categories: ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "disabled-by-default-devtools.timeline.stack", "blink.user_timing"],
  });
  const markTime = await page.evaluate((name: string) => performance.mark(name).startTime, CALIBRATION_MARK);
  return {
    async stop(): Promise<ChromeView> {
      const buffer = await page.tracing.stop();
      await cdp.detach();
      const events = (JSON.parse(Buffer.from(buffer ?? new Uint8Array()).toString("utf8")) as { traceEvents: TraceEvent[] }).traceEvents;
      const mark = events.find((e) => e.name === CALIBRATION_MARK);
      if (mark === undefined) throw new Error("The Chrome trace has no calibration mark.");
      const offsetMs = mark.ts / 1000 - markTime;
      const requests = new Map<string, NetworkRequest>();
      for (const r of raw) {
        const ms = r.timestamp * 1000 - offsetMs;
        let request = requests.get(r.id);
        if (r.kind === "sent") {
          // A redirect sends again under the same id: the first one counts.
          if (request === undefined) requests.set(r.id, (request = { url: r.url ?? "", sent: ms, response: null, finished: null, failed: null, canceled: false }));
        } else if (request !== undefined) {
          if (r.kind === "response") request.response = ms;
          else if (r.kind === "finished") request.finished = ms;
          else {
            request.failed = ms;
            request.canceled = r.canceled === true;
          }
        }
      }
      return { requests: [...requests.values()], events, pageTime: (ts) => ts / 1000 - offsetMs };
    },
  };
}

/** The trace's times as page performance.now() milliseconds (the page's timeOrigin is read from it). */
export async function traceToPageTime(page: Page, trace: Trace): Promise<(ms: number) => number> {
  const pageOrigin = await page.evaluate(() => performance.timeOrigin);
  const delta = trace.metadata.timeOrigin - pageOrigin;
  return (ms) => ms + delta;
}

/** The parsed detail of a native operation (a JSON object, or {} without one). */
export function detailOf(op: NativeOpRecord): Record<string, unknown> {
  return op.detail === null ? {} : (JSON.parse(op.detail) as Record<string, unknown>);
}
