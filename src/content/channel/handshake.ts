/**
 * The private channel between the page agent (MAIN world) and the bridge (ISOLATED world): a
 * `MessageChannel` whose two ports only those two scripts ever hold, so a page script can
 * neither read their messages nor speak on it.
 *
 * How the bridge gets its port without the page seeing it: both content scripts run
 * synchronously at `document_start`, before any page script, in the order the manifest lists
 * them (checked in Chromium 150–156) — the bridge first. The bridge adds a listener for
 * CHANNEL_EVENT on the document; the MAIN-world script then creates the channel and dispatches
 * a `MessageEvent` carrying one port on the document. `dispatchEvent` is synchronous and DOM
 * events reach the listeners of every world, so the bridge holds its port before the agent's
 * script returns, and no page script existed to listen. The bridge cancels the event to say
 * "taken"; the agent hands out a port exactly once, and the bridge accepts exactly once, so a
 * page that dispatches the same event later reaches nobody.
 *
 * Both scripts are self-contained IIFEs (vite.config.ts) for this reason: crxjs would
 * otherwise load the bridge with an asynchronous import(), after page scripts started.
 */

/** The event type of the one-time hand-over of the bridge's port. */
export const CHANNEL_EVENT = "aioscope:channel";

/**
 * MAIN world, at document_start: creates the channel and hands one port to the bridge.
 * Returns the agent's port, or null when no bridge took the other one (then the agent runs
 * without an extension to talk to, and the port is never offered again).
 */
export function offerChannel(target: EventTarget): MessagePort | null {
  const channel = new MessageChannel();
  const event = new MessageEvent(CHANNEL_EVENT, { ports: [channel.port2], cancelable: true });
  const notTaken = target.dispatchEvent(event);
  if (notTaken) {
    channel.port1.close();
    return null;
  }
  return channel.port1;
}

/**
 * ISOLATED world, at document_start, before the MAIN-world script runs: takes the first port
 * offered and ignores every later offer (`onForged` counts those: only a page script can make them).
 */
export function acceptChannel(target: EventTarget, onPort: (port: MessagePort) => void, onForged: () => void): void {
  let taken = false;
  target.addEventListener(CHANNEL_EVENT, (event) => {
    if (taken || !(event instanceof MessageEvent) || event.ports.length !== 1) {
      onForged();
      return;
    }
    taken = true;
    event.preventDefault();
    event.stopImmediatePropagation();
    onPort(event.ports[0]!);
  });
}
