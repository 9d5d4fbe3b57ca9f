/**
 * The inline panel shell (src/devtools/shell) for the fast panel tests and the panel
 * benchmark: built once with Vite in production mode — the same bundling as the extension —
 * served from 127.0.0.1, and opened in headless Chromium without the extension or DevTools.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";
import { build } from "vite";
import { CHROMIUM_FLAGS, POLL, chromiumPath } from "./helpers.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
export const SHELL_DIST = join(REPO_ROOT, "dist/shell");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
};

/** Builds the shell into dist/shell (a few seconds). */
export async function buildShell(): Promise<void> {
  await build({
    configFile: false,
    logLevel: "warn",
    root: join(REPO_ROOT, "src/devtools/shell"),
    plugins: [preact()],
    build: { outDir: SHELL_DIST, emptyOutDir: true, modulePreload: { polyfill: false } },
  });
}

export interface ShellServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves dist/shell on 127.0.0.1 and a free port. */
export async function serveShell(): Promise<ShellServer> {
  if (!existsSync(join(SHELL_DIST, "index.html"))) throw new Error("dist/shell is not built: call buildShell() first");
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const file = normalize(join(SHELL_DIST, path === "/" ? "index.html" : path));
    if (!file.startsWith(SHELL_DIST + sep) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

export async function launchShellBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, pipe: true, args: [...CHROMIUM_FLAGS, ...extraArgs] });
}

/** Opens the shell (`query` such as "?theme=dark") and waits for the panel to render. */
export async function openShell(browser: Browser, server: ShellServer, query = "", viewport = { width: 1100, height: 720 }): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  await page.goto(`${server.url}${query}`);
  await page.waitForSelector('[data-testid="panel-root"]');
  await page.waitForFunction(() => window.__aioscopePanel !== undefined, POLL);
  return page;
}
