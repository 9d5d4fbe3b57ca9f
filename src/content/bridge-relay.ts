/**
 * The bridge's logic, free of `chrome.*` and of globals so tests run the real thing: the
 * runtime port, the page's window and document, and the timers are handed in (`bridge.ts`
 * wires the real ones; test/unit/extension/pipeline.test.ts and the panel's inline shell,
 * src/devtools/shell, in-memory ports and an event target of their own).
 *
 * - Page → extension: a page event is checked (`checkPageEvent`: shape and bytes) and
 *   forwarded; a batch is kept until the panel acknowledges it, and the unacknowledged ones are
 *   sent again after a reconnect or when a panel (re)attaches.
 * - Extension → page: commands go to the page agent over the private channel only; of the
 *   requests DevTools' network log saw, only what the page's Resource Timing would tell it
 *   (network-timings.ts).
 * - Forgeries: anything that looks like our traffic but came another way (a window message
 *   with our tags, a second channel offer) is ignored and counted; the count goes to the panel.
 */
import { BRIDGE_TAG, PAGE_TAG, PROTOCOL_VERSION, type BackgroundToBridgeMessage, type BridgeToBackground, type BridgeToPageMessage, type PageBatch, type Wall } from "../protocol/messages.ts";
import { checkPageEvent } from "../protocol/validate.ts";
import { timingsForFrame } from "./network-timings.ts";
import { bridgeWall } from "./channel/bridge-port.ts";
import { acceptChannel } from "./channel/handshake.ts";

/** Unacknowledged batches kept for resending, at most (bytes of their columns and strings). */
export const MAX_RETAINED_BYTES = 128 * 1024 * 1024;
const RECONNECT_DELAYS_MS = [0, 50, 200, 1000];
/** Forgery counts go to the panel at most this often: a page posting in a loop costs one message. */
export const FORGED_REPORT_INTERVAL_MS = 250;

/** The part of `chrome.runtime.Port` the bridge uses. */
export interface BridgeRuntimePort {
  postMessage(message: unknown): void;
  readonly onMessage: { addListener(listener: (message: unknown) => void): void };
  readonly onDisconnect: { addListener(listener: () => void): void };
}

export interface BridgeHost {
  /** Opens a port to the background; throws when the extension is gone (reloaded, removed). */
  connect(): BridgeRuntimePort;
  setTimer(callback: () => void, ms: number): void;
  /**
   * Where the page agent offers the private channel (the document; channel/handshake.ts).
   * Without it, the channel is handed over with `attachPage`.
   */
  readonly channelTarget?: EventTarget;
  /**
   * The page's window. Page and bridge never talk through window messages: one there with
   * our tags is a page pretending to be the agent or the bridge. It reaches nobody; it is
   * counted so the panel can say so.
   */
  readonly window?: EventTarget;
  /**
   * The frame's origin and its clock's start (epoch ms, `performance.timeOrigin`): what the
   * network log's entries are filtered by and put on the page's clock with
   * (network-timings.ts). Without it, the page is sent none.
   */
  readonly frame?: { readonly origin: string; readonly timeOrigin: number };
}

/** Bytes a batch holds: its columns (whole buffers, checkPageEvent makes sure) and its strings (UTF-16). */
function batchBytes(batch: PageBatch["batch"]): number {
  let chars = 0;
  for (const s of batch.strings) chars += s.length;
  return batch.time.byteLength + batch.kind.byteLength + batch.ops.byteLength + 2 * chars;
}

export class Bridge {
  private port: BridgeRuntimePort | null = null;
  private reconnectAttempt = 0;
  private readonly retained: PageBatch[] = [];
  private retainedBytes = 0;
  private page: Wall<unknown, BridgeToPageMessage> | null = null;
  private forged = 0;
  private forgedReported = 0;
  private forgedReportPending = false;

  constructor(private readonly host: BridgeHost) {
    this.connect();
    if (host.channelTarget !== undefined) {
      acceptChannel(host.channelTarget, (port) => this.attachPage(bridgeWall(port)), () => this.countForged());
    }
    host.window?.addEventListener("message", (event) => {
      // Read in the bridge's own world: the page cannot change what these reads do here.
      const data: unknown = (event as MessageEvent).data;
      if (typeof data !== "object" || data === null) return;
      const tag = (data as { tag?: unknown }).tag;
      if (tag === PAGE_TAG || tag === BRIDGE_TAG) this.countForged();
    });
  }

  /** The agent's end of the private channel arrived; a second offer is a forgery. */
  attachPage(wall: Wall<unknown, BridgeToPageMessage>): void {
    if (this.page !== null) {
      this.countForged();
      return;
    }
    this.page = wall;
    wall.listen((raw) => this.fromPage(raw));
    if (this.port !== null) wall.send({ kind: "ready", data: { protocol: PROTOCOL_VERSION } });
  }

  /** Something that pretends to be our traffic came from the page: ignored, and counted. */
  countForged(): void {
    this.forged++;
    if (this.forgedReportPending) return;
    this.forgedReportPending = true;
    this.host.setTimer(() => {
      this.forgedReportPending = false;
      this.reportForged();
    }, FORGED_REPORT_INTERVAL_MS);
  }

  /** Forgeries counted so far (tests). */
  get forgedCount(): number {
    return this.forged;
  }

  /** Bytes of the batches kept until acknowledged (tests). */
  get retainedByteCount(): number {
    return this.retainedBytes;
  }

  private reportForged(): void {
    if (this.forged === this.forgedReported || this.port === null) return;
    this.forgedReported = this.forged;
    this.send({ kind: "forged", data: { count: this.forged } });
  }

  private fromPage(raw: unknown): void {
    const checked = checkPageEvent(raw);
    if (!checked.ok) return; // malformed or oversized: dropped here, never forwarded
    const event = checked.value;
    if (event.kind === "batch") this.retain(event.data);
    this.send(event);
  }

  private send(message: BridgeToBackground): void {
    try {
      this.port?.postMessage(message);
    } catch {
      // The port died between its disconnect event and now; the reconnect resends.
    }
  }

  private retain(batch: PageBatch): void {
    this.retained.push(batch);
    this.retainedBytes += batchBytes(batch.batch);
    while (this.retainedBytes > MAX_RETAINED_BYTES && this.retained.length > 1) {
      // Only while the background is unreachable for long: the oldest go first, and the
      // panel sees the gap in sequence numbers.
      this.retainedBytes -= batchBytes(this.retained.shift()!.batch);
    }
  }

  private acknowledge(session: string, stream: number, seq: number): void {
    let k = 0;
    while (k < this.retained.length) {
      const item = this.retained[k]!;
      // Batches of older sessions are of no use to anyone any more.
      if (item.session !== session || (item.stream === stream && item.batch.seq <= seq)) {
        this.retainedBytes -= batchBytes(item.batch);
        this.retained.splice(k, 1);
      } else {
        k++;
      }
    }
  }

  private fromBackground(raw: unknown): void {
    this.reconnectAttempt = 0;
    // The background is the extension's own; the page agent checks every command again.
    if (typeof raw !== "object" || raw === null) return;
    const message = raw as BackgroundToBridgeMessage;
    switch (message.kind) {
      case "ack":
        this.acknowledge(message.data.session, message.data.stream, message.data.seq);
        return;
      case "resend":
        for (const batch of this.retained) this.send({ kind: "batch", data: batch });
        return;
      case "networkEntries": {
        const frame = this.host.frame;
        const timings = frame === undefined ? null : timingsForFrame(message.data.entries, frame.origin, frame.timeOrigin);
        if (timings !== null) this.page?.send({ kind: "networkTimings", data: { session: message.data.session, timings } });
        return;
      }
      default:
        this.page?.send(message);
    }
  }

  private connect(): void {
    let port: BridgeRuntimePort;
    try {
      port = this.host.connect();
    } catch {
      // The extension was reloaded or removed: this bridge is orphaned and stops.
      this.port = null;
      return;
    }
    this.port = port;
    port.onMessage.addListener((message) => this.fromBackground(message));
    port.onDisconnect.addListener(() => {
      if (this.port !== port) return;
      this.port = null;
      const delay = RECONNECT_DELAYS_MS[Math.min(this.reconnectAttempt++, RECONNECT_DELAYS_MS.length - 1)]!;
      this.host.setTimer(() => this.connect(), delay);
    });
    // A fresh hello from the page, not a stored one: it says whether the page records now.
    this.page?.send({ kind: "ready", data: { protocol: PROTOCOL_VERSION } });
    for (const batch of this.retained) this.send({ kind: "batch", data: batch });
    if (this.forged > 0) {
      this.forgedReported = 0;
      this.reportForged();
    }
  }
}
