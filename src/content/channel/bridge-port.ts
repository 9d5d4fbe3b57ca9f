/**
 * The bridge's end of the private channel (see handshake.ts) as a `Wall`. The bridge runs in
 * the ISOLATED world, whose built-ins the page cannot reach, so it calls the port directly.
 */
import type { BridgeToPageMessage, Wall } from "../../protocol/messages.ts";

export function bridgeWall(port: MessagePort): Wall<unknown, BridgeToPageMessage> {
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
