/**
 * Offers the private channel the moment the MAIN-world bundle starts (main-world.ts imports
 * this second, before the runtime or anything else that could fail first): the bridge's
 * listener is waiting, no page script runs yet, so only the bridge can take the port.
 */
import { offerChannel } from "./handshake.ts";

export const pageChannel: MessagePort | null = offerChannel(document);
