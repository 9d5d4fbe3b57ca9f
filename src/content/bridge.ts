/**
 * The ISOLATED-world content script: the only path between a page and the extension. It
 * wires the real parts to the `Bridge` (bridge-relay.ts): the runtime port to the background,
 * the private channel to the page agent (channel/handshake.ts), and a listener that counts
 * window messages pretending to be ours.
 *
 * It must run before the MAIN-world script (the manifest lists it first) so that its
 * listener is in place when the agent offers the channel.
 */
import { BRIDGE_PORT, BRIDGE_TAG, PAGE_TAG, type BridgeToPageMessage, type Wall } from "../protocol/messages.ts";
import { Bridge } from "./bridge-relay.ts";
import { acceptChannel } from "./channel/handshake.ts";

const bridge = new Bridge({
  connect: () => chrome.runtime.connect({ name: BRIDGE_PORT }),
  setTimer: (callback, ms) => void setTimeout(callback, ms),
});

function portWall(port: MessagePort): Wall<unknown, BridgeToPageMessage> {
  return {
    listen(listener) {
      const onMessage = (event: MessageEvent): void => listener(event.data);
      port.addEventListener("message", onMessage);
      port.start();
      return () => port.removeEventListener("message", onMessage);
    },
    send: (message) => port.postMessage(message),
  };
}

acceptChannel(document, (port) => bridge.attachPage(portWall(port)), () => bridge.countForged());

// Page and bridge never talk through window messages: one with our tags is a page pretending
// to be the agent or the bridge. It reaches nobody; it is counted so the panel can say so.
window.addEventListener("message", (event: MessageEvent) => {
  const data: unknown = event.data;
  if (typeof data !== "object" || data === null) return;
  const tag = (data as { tag?: unknown }).tag;
  if (tag === PAGE_TAG || tag === BRIDGE_TAG) bridge.countForged();
});
