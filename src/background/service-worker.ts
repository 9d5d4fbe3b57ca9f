/**
 * The background script (a service worker in Chrome, an event page in Firefox): the relay between the bridges in each tab and that tab's
 * Async panel (see router.ts). The browser may stop it at any time; both ends reconnect and
 * the router starts afresh.
 */
import browser from "webextension-polyfill";
import { Router } from "./router.ts";

/** Where crxjs puts the panel page (vite.config.ts names it as an input). */
const PANEL_PAGE_PATH = "src/devtools/panel.html";

/** Session storage (kept while the browser runs, across worker restarts): the tabs with the flight recorder on. */
const FLIGHT_RECORDER_TABS = "flightRecorderTabs";

const router = new Router({
  setTimer: (callback, ms) => void setTimeout(callback, ms),
  panelUrl: browser.runtime.getURL(PANEL_PAGE_PATH),
  flightRecorderTabs: (tabIds) => void browser.storage.session.set({ [FLIGHT_RECORDER_TABS]: tabIds }).catch(() => {}),
});
// A worker the browser stopped (about 30 s without messages, as while the panel is closed)
// forgot the option: the next document of such a tab must still keep its last 30 s.
void browser.storage.session.get(FLIGHT_RECORDER_TABS).then((stored) => {
  const tabIds: unknown = stored[FLIGHT_RECORDER_TABS];
  if (Array.isArray(tabIds)) router.restoreFlightRecorder(tabIds.filter((id): id is number => typeof id === "number"));
}, () => {});
browser.runtime.onConnect.addListener((port) => router.connect(port));
// The flight recorder's option lives as long as its tab.
browser.tabs.onRemoved.addListener((tabId) => router.forgetTab(tabId));
