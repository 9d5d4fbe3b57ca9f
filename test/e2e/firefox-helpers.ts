/**
 * Drives the Firefox build (dist/firefox) in headless Firefox ESR through puppeteer-core's
 * WebDriver BiDi: Firefox with the extension installed as a temporary add-on, and the real
 * panel page opened as a tab of its own (`panel.html?tab=<id>`), because headless Firefox
 * cannot show DevTools panels and WebDriver BiDi cannot reach into the DevTools toolbox.
 * Every wait here waits for a condition, never for a fixed time.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";
import { FIREFOX_ADDON_ID } from "../../scripts/firefox-manifest.ts";
import { PANEL_PAGE, POLL } from "../../src/cli/browser.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The unpacked extension that `npm run build:firefox` writes. */
export const FIREFOX_EXTENSION_DIR = join(REPO_ROOT, "dist/firefox");

/**
 * Firefox gives each add-on a random moz-extension:// host per profile; this pins ours (the
 * `extensions.webextensions.uuids` preference) so the tests know the panel page's address.
 */
const EXTENSION_UUID = "6a1f0c52-aa05-4c3e-9d1e-a105c0be0016";
export const FIREFOX_EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`;

/** Generous: two cores may be shared with several other browsers. */
const STEP_TIMEOUT_MS = 60_000;

/** Where Firefox is: `FIREFOX_PATH` if set, else Debian's `/usr/bin/firefox-esr`. */
export function firefoxPath(): string {
  const path = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";
  if (!existsSync(path)) {
    throw new Error(`No Firefox at ${path}: install it (apt-get install -y firefox-esr) or set FIREFOX_PATH.`);
  }
  return path;
}

/** Launches headless Firefox with dist/firefox installed as a temporary add-on. */
export async function launchFirefoxWithExtension(): Promise<Browser> {
  if (!existsSync(join(FIREFOX_EXTENSION_DIR, "manifest.json"))) {
    throw new Error(`No Firefox build in ${FIREFOX_EXTENSION_DIR}: run \`npm run build:firefox\` first.`);
  }
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: firefoxPath(),
    headless: true,
    // Firefox 153 lets WebDriver navigate only to web addresses unless this is given; the
    // panel page is a moz-extension:// one.
    args: ["--remote-allow-system-access"],
    extraPrefsFirefox: { "extensions.webextensions.uuids": JSON.stringify({ [FIREFOX_ADDON_ID]: EXTENSION_UUID }) },
  });
  try {
    const installed = await browser.installExtension(FIREFOX_EXTENSION_DIR);
    if (installed !== FIREFOX_ADDON_ID) throw new Error(`Firefox installed the add-on as "${installed}", not "${FIREFOX_ADDON_ID}".`);
  } catch (error) {
    await browser.close();
    throw error;
  }
  return browser;
}

/** The part of Firefox's `browser.tabs` the tests read, in an extension page. */
interface ExtensionPageGlobals {
  browser?: { tabs: { query(filter: object): Promise<{ id?: number; url?: string }[]> } };
}

/**
 * Evaluates `probe` in `page` until it returns true. A page in the middle of a navigation has
 * no realm to evaluate in; that is retried like a false answer.
 */
async function waitUntil(page: Page, probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    if (await page.evaluate(probe).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${STEP_TIMEOUT_MS} ms waiting for ${what} (at ${await page.evaluate(() => location.href).catch(() => "?")}).`);
    await new Promise((resolveLater) => setTimeout(resolveLater, POLL.polling));
  }
}

/**
 * Starts a navigation of `page` to an extension address. Firefox never reports the load of
 * a moz-extension:// page to WebDriver, so puppeteer's goto would only time out: the caller
 * waits for a condition in the page instead.
 */
function startNavigation(page: Page, url: string): void {
  void page.goto(url, { timeout: 0 }).catch(() => undefined);
}

/**
 * Opens the Async panel page in a new tab, inspecting the tab that shows `inspectedUrl`, and
 * resolves once the panel has attached and offers its automation API.
 */
export async function openFirefoxPanel(browser: Browser, inspectedUrl: string): Promise<Page> {
  const panel = await browser.newPage();
  const panelAddress = `${FIREFOX_EXTENSION_ORIGIN}/${PANEL_PAGE}`;
  // First without ?tab=: the page then only says it needs one, but it is an extension page,
  // which may ask `tabs.query` for the inspected tab's id.
  startNavigation(panel, panelAddress);
  await waitUntil(panel, () => location.protocol === "moz-extension:" && (globalThis as ExtensionPageGlobals).browser !== undefined, "the panel page");
  const tabId = await panel.evaluate(async (url) => {
    const tabs = await (globalThis as ExtensionPageGlobals).browser!.tabs.query({});
    return tabs.find((tab) => tab.url === url)?.id ?? null;
  }, inspectedUrl);
  if (tabId === null) throw new Error(`No tab shows ${inspectedUrl}: open it before its panel.`);
  startNavigation(panel, `${panelAddress}?tab=${tabId}`);
  await waitUntil(panel, () => location.search.startsWith("?tab=") && window.__aioscopePanel !== undefined, "the panel's automation API");
  return panel;
}
