/**
 * The background service worker: the relay between the bridges in each tab and that tab's
 * Async panel (see router.ts). The browser may stop it at any time; both ends reconnect and
 * the router starts afresh.
 */
import { Router } from "./router.ts";

const router = new Router();
chrome.runtime.onConnect.addListener((port) => router.connect(port));
