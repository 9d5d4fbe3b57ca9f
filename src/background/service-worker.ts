/**
 * The background script (a service worker in Chrome, an event page in Firefox): the relay between the bridges in each tab and that tab's
 * Async panel (see router.ts). The browser may stop it at any time; both ends reconnect and
 * the router starts afresh.
 */
import browser from "webextension-polyfill";
import { Router } from "./router.ts";

/** Where crxjs puts the panel page (vite.config.ts names it as an input). */
const PANEL_PAGE_PATH = "src/devtools/panel.html";

const router = new Router({
  setTimer: (callback, ms) => void setTimeout(callback, ms),
  panelUrl: browser.runtime.getURL(PANEL_PAGE_PATH),
});
browser.runtime.onConnect.addListener((port) => router.connect(port));
