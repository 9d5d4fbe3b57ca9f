/**
 * What to open: a page the person names, or the bundled demo served on 127.0.0.1 with one of
 * its scenarios. Shared by `record` and `open`.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { CDPSession, Page } from "puppeteer-core";
import { startDemoServer, type DemoServer } from "../../demo/server.ts";
import { CliError, EXIT, firstLine } from "./errors.ts";
import { packageFiles } from "./package-files.ts";

/** The scenario `aioscope record` runs on the demo when none is named. */
export const DEFAULT_SCENARIO = "all";

export interface Target {
  /** The page to open first. */
  readonly url: string;
  /** For the demo: the scenario, which the CLI starts by navigating to `scenarioUrl`. */
  readonly demo: { readonly server: DemoServer; readonly scenario: string; readonly scenarioUrl: string } | null;
  close(): Promise<void>;
}

/**
 * "example.com" and "localhost:8080/x" get http://; an existing file becomes a file: URL;
 * anything else must be a URL already.
 */
export function normaliseUrl(input: string): string {
  const text = input.trim();
  if (/^[a-z][a-z\d+.-]*:/i.test(text) && !/^[^/:]+:\d+(?:[/?#]|$)/.test(text)) {
    try {
      return new URL(text).href;
    } catch {
      throw new CliError(`${JSON.stringify(input)} is not a URL`, EXIT.usage);
    }
  }
  if (existsSync(text)) return pathToFileURL(resolve(text)).href;
  try {
    return new URL(`http://${text}`).href;
  } catch {
    throw new CliError(`${JSON.stringify(input)} is not a URL`, EXIT.usage);
  }
}

export async function resolveTarget(url: string | null, scenario: string | null): Promise<Target> {
  if (url !== null) {
    const parsed = new URL(normaliseUrl(url));
    if (scenario !== null) parsed.searchParams.set("scenario", scenario);
    return { url: parsed.href, demo: null, close: async () => {} };
  }
  let server: DemoServer;
  try {
    server = await startDemoServer({ port: 0, build: packageFiles().isCheckout });
  } catch (error) {
    throw new CliError(`could not start the bundled demo: ${firstLine(error)}`, EXIT.environment);
  }
  const name = scenario ?? DEFAULT_SCENARIO;
  return {
    url: server.url,
    demo: { server, scenario: name, scenarioUrl: `${server.url}?scenario=${encodeURIComponent(name)}` },
    close: () => server.close(),
  };
}

/** Net errors as a person would say them. */
const NET_ERRORS: Record<string, string> = {
  ERR_CONNECTION_REFUSED: "connection refused (is the server running?)",
  ERR_NAME_NOT_RESOLVED: "the host name does not resolve",
  ERR_NAME_RESOLUTION_FAILED: "the host name does not resolve",
  ERR_ADDRESS_UNREACHABLE: "the address is unreachable",
  ERR_INTERNET_DISCONNECTED: "no network",
  ERR_CONNECTION_TIMED_OUT: "the connection timed out",
  ERR_TIMED_OUT: "the connection timed out",
  ERR_CONNECTION_RESET: "the connection was reset",
  ERR_CERT_AUTHORITY_INVALID: "its TLS certificate is not trusted",
  ERR_FILE_NOT_FOUND: "no such file",
  ERR_ABORTED: "the navigation was aborted (a download, or a page that replaced itself)",
  ERR_INVALID_URL: "the URL is not valid",
  ERR_UNSAFE_PORT: "Chromium refuses that port",
};

/** How long a page may take to load before it counts as unreachable. */
export const PAGE_LOAD_TIMEOUT_MS = 60_000;

/**
 * Opens `url` in `page` and waits for its load event. A page that cannot be opened is a
 * CliError (exit status 4); an HTTP error status is only a note, since it is still a page
 * whose code may be worth recording.
 */
export async function openPage(page: Page, url: string, note: (line: string) => void): Promise<void> {
  try {
    await page.goto(url, { waitUntil: "load", timeout: PAGE_LOAD_TIMEOUT_MS });
  } catch (error) {
    const message = firstLine(error);
    const code = /net::(ERR_[A-Z_]+)/.exec(message)?.[1];
    if (code !== undefined) throw new CliError(`cannot open ${url}: ${NET_ERRORS[code] ?? code} (net::${code})`, EXIT.unreachable);
    if (/timeout/i.test(message)) throw new CliError(`cannot open ${url}: it did not finish loading within ${PAGE_LOAD_TIMEOUT_MS / 1000} s`, EXIT.unreachable);
    throw new CliError(`cannot open ${url}: ${message}`, EXIT.unreachable);
  }
  const status = await documentStatus(page);
  if (status !== null && status >= 400) note(`note: ${url} answered HTTP ${status}; recording it anyway`);
}

/**
 * The HTTP status the page's document came with (its navigation entry's `responseStatus`),
 * read in a world of our own, where nothing the page's scripts replaced is seen; null when
 * there is none (a file: URL) or it cannot be read. The browser runs without puppeteer's
 * network watching (browser.ts), so `goto` has no response to ask.
 */
async function documentStatus(page: Page): Promise<number | null> {
  let cdp: CDPSession | undefined;
  try {
    cdp = await page.createCDPSession();
    const { frameTree } = await cdp.send("Page.getFrameTree");
    const { executionContextId } = await cdp.send("Page.createIsolatedWorld", { frameId: frameTree.frame.id, worldName: "aioscope-cli" });
    const { result } = await cdp.send("Runtime.evaluate", {
      expression: `performance.getEntriesByType("navigation")[0]?.responseStatus`,
      contextId: executionContextId,
      returnByValue: true,
    });
    const status: unknown = result.value;
    return typeof status === "number" && Number.isInteger(status) && status >= 100 && status <= 599 ? status : null;
  } catch {
    return null; // a page that closed or navigated away meanwhile: no status to tell
  } finally {
    await cdp?.detach().catch(() => {});
  }
}

/** The demo's scenario names, as its page lists them. */
export async function demoScenarios(page: Page): Promise<readonly string[]> {
  const handle = await page.waitForFunction(
    () => (window as unknown as { __aioscopeDemo?: { scenarios: string[] } }).__aioscopeDemo?.scenarios,
    { polling: 50, timeout: PAGE_LOAD_TIMEOUT_MS },
  );
  try {
    return (await handle.jsonValue()) as string[];
  } finally {
    await handle.dispose();
  }
}

export async function checkScenario(page: Page, scenario: string): Promise<void> {
  const known = await demoScenarios(page);
  if (scenario !== "all" && !known.includes(scenario)) {
    throw new CliError(`the demo has no scenario ${JSON.stringify(scenario)}: use one of ${[...known, "all"].join(", ")}`, EXIT.usage);
  }
}
