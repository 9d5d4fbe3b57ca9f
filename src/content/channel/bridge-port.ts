/**
 * The bridge's end of the private channel (see handshake.ts) as a `Wall`. The bridge runs in
 * the ISOLATED world, whose built-ins the page cannot reach, so it calls the port directly.
 */
import type { BridgeToPageMessage, Wall } from "../../protocol/messages.ts";

const getPrototypeOf = Object.getPrototypeOf;
const ownObjectPrototype = Object.prototype;

/**
 * A message from the agent as an object of the bridge's own realm. Chrome delivers it so;
 * Firefox delivers the page realm's objects (the port belongs to the page), whose prototypes
 * are not the bridge's — the message checks would refuse every one — so those are cloned here,
 * by the bridge's own `structuredClone`, which builds its copy in the bridge's realm.
 */
function inOwnRealm(data: unknown): unknown {
  if (typeof data !== "object" || data === null || getPrototypeOf(data) === ownObjectPrototype) return data;
  try {
    return structuredClone(data);
  } catch {
    return undefined; // not cloneable: dropped by the checks like any malformed message
  }
}

export function bridgeWall(port: MessagePort): Wall<unknown, BridgeToPageMessage> {
  return {
    listen(listener) {
      const onMessage = (event: MessageEvent): void => listener(inOwnRealm(event.data));
      port.addEventListener("message", onMessage);
      port.start();
      return () => port.removeEventListener("message", onMessage);
    },
    send: (message) => port.postMessage(message),
  };
}
