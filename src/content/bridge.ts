/**
 * The ISOLATED-world content script: the only path between a page and the extension.
 *
 * It accepts only well-formed, size-bounded messages posted by its own window, forwards them
 * to the background over a runtime port, and relays commands back to the page. Tab and frame
 * identity are added by the background from the port's sender; nothing the page says about
 * itself is trusted.
 *
 * Nothing is lost when the background service worker is stopped: batches stay here until the
 * panel acknowledges them, and after a reconnect the unacknowledged ones are sent again (the
 * panel drops any it already has, by sequence number).
 */
import { BRIDGE_PORT, BRIDGE_TAG, PAGE_TAG, type BackgroundToBridgeMessage, type BridgeToPageMessage, type PageBatch, type PageEvent } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/messages.ts";
import { checkPageEvent, openEnvelope } from "../protocol/validate.ts";

/** Unacknowledged batches kept for resending, at most (bytes of their columns). */
const MAX_RETAINED_BYTES = 128 * 1024 * 1024;
const RECONNECT_DELAYS_MS = [0, 50, 200, 1000];

let port: chrome.runtime.Port | null = null;
let reconnectAttempt = 0;
const retained: PageBatch[] = [];
let retainedBytes = 0;

function toPage(message: BridgeToPageMessage): void {
  window.postMessage({ tag: BRIDGE_TAG, message }, "*");
}

function send(event: PageEvent): void {
  try {
    port?.postMessage(event);
  } catch {
    // The port died between its disconnect event and now; the reconnect resends.
  }
}

function batchBytes(batch: PageBatch["batch"]): number {
  return batch.time.byteLength + batch.kind.byteLength + batch.ops.byteLength;
}

function retain(batch: PageBatch): void {
  retained.push(batch);
  retainedBytes += batchBytes(batch.batch);
  while (retainedBytes > MAX_RETAINED_BYTES && retained.length > 1) {
    // Only while the background is unreachable for long: the oldest go first, and the
    // panel sees the gap in sequence numbers.
    retainedBytes -= batchBytes(retained.shift()!.batch);
  }
}

function acknowledge(session: string, stream: number, seq: number): void {
  let k = 0;
  while (k < retained.length) {
    const item = retained[k]!;
    // Batches of older sessions are of no use to anyone any more.
    if (item.session !== session || (item.stream === stream && item.batch.seq <= seq)) {
      retainedBytes -= batchBytes(item.batch);
      retained.splice(k, 1);
    } else {
      k++;
    }
  }
}

function onBackgroundMessage(message: BackgroundToBridgeMessage): void {
  reconnectAttempt = 0;
  if (message.kind === "ack") {
    acknowledge(message.data.session, message.data.stream, message.data.seq);
    return;
  }
  if (message.kind === "resend") {
    for (const batch of retained) send({ kind: "batch", data: batch });
    return;
  }
  toPage(message);
}

function connect(): void {
  try {
    port = chrome.runtime.connect({ name: BRIDGE_PORT });
  } catch {
    // The extension was reloaded or removed: this bridge is orphaned and stops.
    port = null;
    return;
  }
  port.onMessage.addListener(onBackgroundMessage);
  port.onDisconnect.addListener(() => {
    port = null;
    const delay = RECONNECT_DELAYS_MS[Math.min(reconnectAttempt++, RECONNECT_DELAYS_MS.length - 1)]!;
    setTimeout(connect, delay);
  });
  // A fresh hello from the page, not a stored one: it says whether the page records now.
  toPage({ kind: "ready", data: { protocol: PROTOCOL_VERSION } });
  for (const batch of retained) send({ kind: "batch", data: batch });
}

window.addEventListener("message", (event: MessageEvent) => {
  if (event.source !== window) return;
  const message = openEnvelope(event.data, PAGE_TAG);
  if (message === null) return;
  const checked = checkPageEvent(message);
  if (!checked.ok) return; // malformed or oversized: dropped here, never forwarded
  const pageEvent = checked.value;
  if (pageEvent.kind === "batch") retain(pageEvent.data);
  send(pageEvent);
});

connect();
