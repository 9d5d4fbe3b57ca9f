/**
 * The background service worker: the relay between the bridges in each tab and that tab's
 * Async panel (see router.ts). The browser may stop it at any time; both ends reconnect and
 * the router starts afresh.
 */
import { Router } from "./router.ts";

/** Where crxjs puts the panel page (vite.config.ts names it as an input). */
const PANEL_PAGE_PATH = "src/devtools/panel.html";

const router = new Router({
  setTimer: (callback, ms) => void setTimeout(callback, ms),
  panelUrl: chrome.runtime.getURL(PANEL_PAGE_PATH),
});
chrome.runtime.onConnect.addListener((port) => router.connect(port));
// The flight recorder's option lives as long as its tab.
chrome.tabs.onRemoved.addListener((tabId) => router.forgetTab(tabId));
