/**
 * The demo's server: the built page (dist/demo) and the fake "remote" endpoints its
 * scenarios call, which answer after a delay. It binds 127.0.0.1 only; nothing leaves the
 * machine.
 *
 *   GET /api/item/:id?delay=ms&fail=1  → { id, name, delayMs } after `delay` ms (default 100);
 *                                        with fail=1, HTTP 500 { error } instead
 *   GET /api/page/:n?delay=ms          → { n, title, links, delayMs, serverInFlight }, for the
 *                                        crawler; the default delay differs per page (60–150 ms)
 *   WebSocket /ws/echo                 → every message back as it came (websocket-echo.ts)
 *
 * Run it with `npm run demo [-- --port 8080]` (or PORT=8080); port 0, the default, takes any
 * free port. It builds the page first when dist/demo is missing or older than its sources.
 * Tests and the CLI use `startDemoServer`.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serveWebSocketEcho } from "./websocket-echo.ts";

const DEMO_DIR = fileURLToPath(new URL(".", import.meta.url));
const REPO_ROOT = resolve(DEMO_DIR, "..");
/** Where `npm run build:demo` (demo/vite.config.ts) writes the page. */
export const DEMO_DIST = join(REPO_ROOT, "dist/demo");
/** What the pages are built from: their own sources, the runtime copy and the build transform they use. */
const PAGE_SOURCES = [
  join(DEMO_DIR, "index.html"), join(DEMO_DIR, "async.html"), join(DEMO_DIR, "src"), join(DEMO_DIR, "vite.config.ts"),
  join(REPO_ROOT, "src/runtime"), join(REPO_ROOT, "src/transform"),
];

const DEFAULT_ITEM_DELAY_MS = 100;
/** Delays are capped so a typo cannot hold a connection open for long. */
const MAX_DELAY_MS = 10_000;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export interface DemoServerOptions {
  /** The port to bind on 127.0.0.1; 0 (the default) takes any free port. */
  port?: number;
  /** Build the page first if dist/demo is missing or stale (default true). */
  build?: boolean;
}

export interface DemoServer {
  /** The page's address, e.g. http://127.0.0.1:41234/ — append `?scenario=NAME` to run one. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the demo server and resolves once it is listening.
 *
 * @example
 * const demo = await startDemoServer({ port: 0 });
 * await page.goto(`${demo.url}?scenario=gather`);
 * await demo.close();
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  if (options.build !== false) await ensureDemoBuilt();
  const pending = new Set<NodeJS.Timeout>();
  let pagesInFlight = 0;

  /** Answers with `body` after `delayMs`, unless the client goes away first. */
  function answerLater(request: IncomingMessage, response: ServerResponse, delayMs: number, answer: () => [number, unknown], onEnd?: () => void): void {
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      pending.delete(timer);
      clearTimeout(timer);
      onEnd?.();
    };
    const timer = setTimeout(() => {
      end();
      const [status, body] = answer();
      sendJson(response, status, body);
    }, delayMs);
    pending.add(timer);
    // An aborted fetch closes the connection: stop waiting for it.
    response.on("close", end);
    request.on("error", end);
  }

  function handleApi(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const item = /^\/api\/item\/(\d{1,9})$/.exec(url.pathname);
    if (item) {
      const id = Number(item[1]);
      const delayMs = delayFrom(url, DEFAULT_ITEM_DELAY_MS);
      const fail = url.searchParams.get("fail") === "1";
      answerLater(request, response, delayMs, () => fail
        ? [500, { error: `item ${id} failed (the demo server was asked to fail it)` }]
        : [200, { id, name: `item ${id}`, delayMs }]);
      return;
    }
    const page = /^\/api\/page\/(\d{1,6})$/.exec(url.pathname);
    if (page) {
      const n = Number(page[1]);
      const delayMs = delayFrom(url, pageDelay(n));
      const serverInFlight = ++pagesInFlight;
      answerLater(request, response, delayMs,
        () => [200, { n, title: `Page ${n}`, links: [n + 1, n * 2, n * 3], delayMs, serverInFlight }],
        () => pagesInFlight--);
      return;
    }
    sendJson(response, 404, { error: `no such endpoint: ${url.pathname}` });
  }

  async function handleStatic(response: ServerResponse, url: URL): Promise<void> {
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      sendJson(response, 400, { error: "bad path" });
      return;
    }
    const file = normalize(join(DEMO_DIST, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(DEMO_DIST + sep)) {
      sendJson(response, 403, { error: "outside the demo" });
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      response.end(body);
    } catch {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end(`Not found: ${path}\n`);
    }
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method !== "GET" && request.method !== "HEAD") {
      sendJson(response, 405, { error: "GET only" });
    } else if (url.pathname.startsWith("/api/")) {
      handleApi(request, response, url);
    } else {
      void handleStatic(response, url);
    }
  });

  const closeWebSockets = serveWebSocketEcho(server);

  await new Promise<void>((resolveListening, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolveListening();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolveClosed, reject) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        closeWebSockets();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolveClosed()));
      }),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.writableEnded || response.destroyed) return;
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}

function delayFrom(url: URL, fallback: number): number {
  const raw = url.searchParams.get("delay");
  const value = raw === null ? fallback : Number(raw);
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), MAX_DELAY_MS) : fallback;
}

/** Each page of the fake site answers at its own pace, 60 to 150 ms. */
function pageDelay(n: number): number {
  return 60 + ((n * 37) % 7) * 15;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when dist/demo is missing, or older than the page's sources or the runtime. */
export function isDemoBuildStale(): boolean {
  const built = join(DEMO_DIST, "index.html");
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return PAGE_SOURCES.some((source) => newestMtime(source) > builtAt);
}

let building: Promise<void> | null = null;

/** Builds the page with Vite (as `npm run build:demo` does) when it is missing or stale. */
export function ensureDemoBuilt(): Promise<void> {
  if (!isDemoBuildStale()) return Promise.resolve();
  building ??= (async () => {
    const { build } = await import("vite");
    await build({ configFile: join(DEMO_DIR, "vite.config.ts"), logLevel: "warn" });
  })().finally(() => {
    building = null;
  });
  return building;
}

function portFromCommandLine(argv: readonly string[]): number {
  const index = argv.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
  const raw = index < 0 ? process.env.PORT : argv[index]!.includes("=") ? argv[index]!.slice("--port=".length) : argv[index + 1];
  if (raw === undefined || raw === "") return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid port: ${raw}`);
  return port;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const demo = await startDemoServer({ port: portFromCommandLine(process.argv.slice(2)) });
  process.stdout.write(`aioscope demo: ${demo.url}\n`);
  process.stdout.write(`run one scenario: ${demo.url}?scenario=sequential-vs-concurrent (or all)\n`);
  const stop = (): void => {
    void demo.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
