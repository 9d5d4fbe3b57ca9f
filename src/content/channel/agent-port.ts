/**
 * The page agent's end of the private channel (see handshake.ts) as a `Wall`. It runs in the
 * MAIN world, so every method it calls on the port was taken at document_start: a page that
 * later replaces `MessagePort.prototype.postMessage` or the `MessageEvent` `data` getter
 * neither sees the agent's messages nor changes them.
 */
import type { BridgeToPageMessage, PageEvent, Wall } from "../../protocol/messages.ts";
import { checkBridgeMessage } from "../../protocol/validate.ts";

const apply = Reflect.apply;
const portPostMessage = MessagePort.prototype.postMessage;
const portStart = MessagePort.prototype.start;
const addListener = EventTarget.prototype.addEventListener;
const removeListener = EventTarget.prototype.removeEventListener;
const messageData = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data")!.get!;

/** What the agent sends when it has no bridge: nothing reaches anyone, nothing breaks. */
export const unconnectedWall: Wall<BridgeToPageMessage, PageEvent> = {
  listen: () => () => {},
  send: () => {},
};

export function agentWall(port: MessagePort): Wall<BridgeToPageMessage, PageEvent> {
  return {
    listen(listener) {
      const onMessage = (event: MessageEvent): void => {
        // Only the bridge holds the other end; checked anyway, as everything crossing a boundary is.
        const checked = checkBridgeMessage(apply(messageData, event, []));
        if (checked.ok) listener(checked.value);
      };
      apply(addListener, port, ["message", onMessage]);
      apply(portStart, port, []);
      return () => apply(removeListener, port, ["message", onMessage]);
    },
    send(message) {
      // Batches move their buffers to the bridge instead of copying them.
      const transfer = message.kind === "batch"
        ? [message.data.batch.time.buffer, message.data.batch.kind.buffer, message.data.batch.ops.buffer]
        : [];
      apply(portPostMessage, port, [message, transfer]);
    },
  };
}
