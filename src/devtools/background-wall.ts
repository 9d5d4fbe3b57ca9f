/**
 * The panel's side of its port to the background service worker, as a Wall. The browser may
 * stop the service worker at any time, which disconnects the port: this reconnects at once
 * and calls `onReconnect`, so the store re-attaches with its recording state.
 */
import browser, { type Runtime } from "webextension-polyfill";
import { PANEL_PORT, type BackgroundToPanelMessage, type PanelToBackgroundMessage, type Wall } from "../protocol/messages.ts";

const RECONNECT_DELAYS_MS = [0, 50, 200, 1000];

export function connectToBackground(onReconnect: () => void): Wall<BackgroundToPanelMessage, PanelToBackgroundMessage> {
  const listeners = new Set<(message: BackgroundToPanelMessage) => void>();
  const outbox: PanelToBackgroundMessage[] = [];
  let port: Runtime.Port | null = null;
  let attempt = 0;

  const connect = (): void => {
    const next = browser.runtime.connect({ name: PANEL_PORT });
    port = next;
    next.onMessage.addListener((message) => {
      attempt = 0;
      // Only the background's router talks on this port, and it sends nothing else.
      for (const listener of listeners) listener(message as BackgroundToPanelMessage);
    });
    next.onDisconnect.addListener(() => {
      port = null;
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)]!;
      setTimeout(() => {
        connect();
        onReconnect(); // the attach goes first: a fresh service worker knows nothing yet
        flush();
      }, delay);
    });
  };
  const flush = (): void => {
    for (const message of outbox.splice(0)) port?.postMessage(message);
  };
  connect();

  return {
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    send(message) {
      if (port === null) {
        // Between a disconnect and the reconnect; an attach follows, so only the latest matters.
        outbox.push(message);
        return;
      }
      try {
        port.postMessage(message);
      } catch {
        outbox.push(message);
      }
    },
  };
}
