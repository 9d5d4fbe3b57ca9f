/**
 * The ISOLATED-world content script: the only path between a page and the extension. It
 * wires the real parts to the `Bridge` (bridge-relay.ts): the runtime port to the background,
 * the document where the page agent offers the private channel (channel/handshake.ts), the
 * window where messages pretending to be ours are counted, the frame's origin and clock, and
 * the timers.
 *
 * It must run before the MAIN-world script (the manifest lists it first) so that its
 * listener is in place when the agent offers the channel.
 */
import browser from "webextension-polyfill";
import { BRIDGE_PORT } from "../protocol/messages.ts";
import { Bridge } from "./bridge-relay.ts";

new Bridge({
  connect: () => browser.runtime.connect({ name: BRIDGE_PORT }),
  setTimer: (callback, ms) => void setTimeout(callback, ms),
  channelTarget: document,
  window,
  frame: { origin: location.origin, timeOrigin: performance.timeOrigin },
});
