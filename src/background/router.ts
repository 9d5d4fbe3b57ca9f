/**
 * Routes between the bridges of a tab and that tab's panel, and nothing else: two tabs never
 * mix, and a page's messages only ever reach the panel of its own tab, tagged with the frame
 * identity the browser gives (`port.sender`), never one the page claims.
 *
 * The router holds no state that matters across a service-worker restart: panels re-attach
 * with their recording state and bridges reconnect, so a fresh router rebuilds everything.
 */
import {
  BRIDGE_PORT, FLIGHT_WINDOW_MS, PANEL_PORT, PROTOCOL_VERSION,
  type BackgroundToBridgeMessage, type BackgroundToPanelMessage, type FrameRef, type PanelToBackgroundMessage,
  type RecordingState,
} from "../protocol/messages.ts";
import { MAX_NETWORK_TIMINGS, checkForgedReport, checkPageEvent } from "../protocol/validate.ts";

/** The part of chrome.runtime.Port the router uses (tests pass in-memory ports). */
export interface RouterPort {
  readonly name: string;
  readonly sender?: {
    readonly tab?: { readonly id?: number };
    readonly frameId?: number;
    readonly documentId?: string;
    /** The page that opened the port: for a panel, the extension's own panel page. */
    readonly url?: string;
  };
  postMessage(message: unknown): void;
  readonly onMessage: { addListener(listener: (message: unknown) => void): void };
  readonly onDisconnect: { addListener(listener: () => void): void };
  disconnect(): void;
}

interface BridgeEntry {
  readonly frame: FrameRef;
  readonly port: RouterPort;
}

interface TabEntry {
  panel: RouterPort | null;
  recording: RecordingState | null;
  /** "Show in Performance panel": the tab's pages emit Performance-panel tracks. */
  performanceTracks: boolean;
  /** The flight recorder is on in the tab's pages: kept while the tab lives, panel or not. */
  flightRecorder: boolean;
  readonly bridges: Map<string, BridgeEntry>;
}

const frameKey = (frameId: number, documentId: string): string => `${frameId}/${documentId}`;

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const flightRecorderCommand = (enabled: boolean): BackgroundToBridgeMessage => ({ kind: "flightRecorder", data: { enabled, windowMs: FLIGHT_WINDOW_MS } });

/**
 * After a service-worker restart, a page may say it is recording before its panel has
 * re-attached; a panel's port also disconnects when the worker is being stopped. Pages are
 * told to stop only if no panel claims the recording within this time.
 */
export const PANEL_GRACE_MS = 5000;

export interface RouterHost {
  setTimer(callback: () => void, ms: number): void;
  /**
   * The address of the extension's panel page (chrome.runtime.getURL). A panel port is
   * accepted only from it, and never from a content script (which has a tab): a port's name
   * proves nothing, since any of the extension's contexts can pick any name.
   */
  readonly panelUrl: string;
  /**
   * The tabs whose flight recorder is on, after each change: the service worker keeps them in
   * session storage, so a restarted worker still knows them (see `restoreFlightRecorder`).
   */
  flightRecorderTabs?(tabIds: number[]): void;
}

export class Router {
  private readonly tabs = new Map<number, TabEntry>();

  constructor(private readonly host: RouterHost) {}

  connect(port: RouterPort): void {
    if (port.name === BRIDGE_PORT) this.connectBridge(port);
    else if (port.name === PANEL_PORT && this.isPanelSender(port.sender)) this.connectPanel(port);
    else port.disconnect();
  }

  private isPanelSender(sender: RouterPort["sender"]): boolean {
    // Only the extension's own panel page has its address: content scripts never run in
    // extension pages, and web pages cannot connect to the extension. (`sender.tab` says
    // nothing here: a DevTools window undocked in headless Chromium is a tab of its own.)
    if (sender === undefined || typeof sender.url !== "string") return false;
    // The panel's address, perhaps with a query or fragment; nothing else of the extension's.
    const url = sender.url;
    return url === this.host.panelUrl || url.startsWith(`${this.host.panelUrl}?`) || url.startsWith(`${this.host.panelUrl}#`);
  }

  private tab(tabId: number): TabEntry {
    let entry = this.tabs.get(tabId);
    if (entry === undefined) {
      entry = { panel: null, recording: null, performanceTracks: false, flightRecorder: false, bridges: new Map() };
      this.tabs.set(tabId, entry);
    }
    return entry;
  }

  private forgetIfEmpty(tabId: number): void {
    const entry = this.tabs.get(tabId);
    if (entry !== undefined && entry.panel === null && entry.bridges.size === 0 && !entry.flightRecorder) this.tabs.delete(tabId);
  }

  /** The tab was closed: its options go with it (the flight recorder's outlives its pages otherwise). */
  forgetTab(tabId: number): void {
    const had = this.tabs.get(tabId)?.flightRecorder === true;
    this.tabs.delete(tabId);
    if (had) this.flightRecorderChanged();
  }

  /**
   * A restarted worker: the tabs whose flight recorder was on before. Their documents are told
   * again (a document that said hello meanwhile was told nobody records, and starts a ring now).
   */
  restoreFlightRecorder(tabIds: readonly number[]): void {
    for (const tabId of tabIds) {
      if (!Number.isSafeInteger(tabId) || tabId < 0) continue;
      const entry = this.tab(tabId);
      if (entry.flightRecorder) continue;
      entry.flightRecorder = true;
      this.broadcast(entry, flightRecorderCommand(true));
    }
  }

  private flightRecorderChanged(): void {
    const on: number[] = [];
    for (const [tabId, entry] of this.tabs) if (entry.flightRecorder) on.push(tabId);
    this.host.flightRecorderTabs?.(on);
  }

  private connectBridge(port: RouterPort): void {
    const sender = port.sender;
    const tabId = sender?.tab?.id;
    // Only content scripts in a tab can be bridges; the identity comes from the browser.
    if (typeof tabId !== "number" || tabId < 0 || typeof sender?.frameId !== "number") {
      port.disconnect();
      return;
    }
    const frame: FrameRef = { tabId, frameId: sender.frameId, documentId: sender.documentId ?? `frame-${sender.frameId}` };
    const key = frameKey(frame.frameId, frame.documentId);
    this.tab(tabId).bridges.set(key, { frame, port });
    port.onMessage.addListener((message) => this.fromBridge(frame, port, message));
    port.onDisconnect.addListener(() => {
      const entry = this.tabs.get(tabId);
      if (entry?.bridges.get(key)?.port === port) {
        entry.bridges.delete(key);
        this.toPanel(entry, { kind: "frameGone", data: { frame } });
      }
      this.forgetIfEmpty(tabId);
    });
  }

  private fromBridge(frame: FrameRef, port: RouterPort, message: unknown): void {
    const entry = this.tabs.get(frame.tabId);
    if (entry === undefined) return;
    const forged = checkForgedReport(message);
    if (forged !== null) {
      this.toPanel(entry, { kind: "forged", data: { frame, count: forged } });
      return;
    }
    // Checked again here: the renderer a content script runs in is not trusted either.
    const checked = checkPageEvent(message);
    if (!checked.ok) {
      this.toPanel(entry, { kind: "refused", data: { frame, reason: checked.reason } });
      return;
    }
    const event = checked.value;
    if (event.kind === "hello") {
      // Every new document learns at once whether its tab is being recorded; if so, what it
      // recorded since document_start belongs to the session (a reload or navigation).
      const pageSession = event.data.session;
      // The flight recorder first, so a new document's start-up recording becomes its ring
      // rather than being dropped by the "stop" below. A restarted worker learns the option
      // back from the documents that still have it on.
      if (event.data.flightRecorder === true) {
        if (!entry.flightRecorder) {
          entry.flightRecorder = true;
          this.flightRecorderChanged();
        }
      } else if (entry.flightRecorder) this.toBridge(port, flightRecorderCommand(true));
      if (entry.recording !== null) {
        this.toBridge(port, { kind: "start", data: { ...entry.recording, keepStartup: true } });
      } else if (pageSession === null) {
        this.toBridge(port, { kind: "stop", data: { session: "" } });
      } else {
        this.host.setTimer(() => {
          const now = this.tabs.get(frame.tabId);
          if (now?.recording?.session !== pageSession) this.toBridge(port, { kind: "stop", data: { session: pageSession } });
        }, PANEL_GRACE_MS);
      }
      if (entry.performanceTracks) this.toBridge(port, { kind: "performanceTracks", data: { enabled: true } });
    }
    this.toPanel(entry, { kind: "frameEvent", data: { frame, event } });
  }

  private connectPanel(port: RouterPort): void {
    let tabId: number | null = null;
    port.onMessage.addListener((message) => {
      const msg = message as PanelToBackgroundMessage;
      if (typeof msg !== "object" || msg === null || typeof msg.data !== "object" || msg.data === null) return;
      if (msg.kind === "attach") {
        const claimed = msg.data.tabId;
        // A port serves one tab for its whole life: a second attach naming another tab is refused.
        if (msg.data.protocol !== PROTOCOL_VERSION || !Number.isSafeInteger(claimed) || claimed < 0 || (tabId !== null && tabId !== claimed)) {
          port.disconnect();
          return;
        }
        tabId = claimed;
        const entry = this.tab(tabId);
        entry.panel = port;
        entry.recording = msg.data.recording;
        this.toPanel(entry, { kind: "attached", data: { protocol: PROTOCOL_VERSION, frames: [...entry.bridges.values()].map((b) => b.frame), flightRecorder: entry.flightRecorder } });
        // After a service-worker restart the pages may not know the recording goes on, and
        // batches sent while no panel was attached were dropped here: the bridges resend them.
        if (entry.recording !== null) this.broadcast(entry, { kind: "start", data: { ...entry.recording, keepStartup: false } });
        this.broadcast(entry, { kind: "resend", data: {} });
        return;
      }
      if (tabId === null) return;
      const entry = this.tab(tabId);
      if (msg.kind === "record") {
        const previous = entry.recording;
        entry.recording = msg.data.recording;
        if (entry.recording !== null) {
          const fromFlightRecorder = msg.data.fromFlightRecorder === true;
          this.broadcast(entry, { kind: "start", data: { ...entry.recording, keepStartup: msg.data.keepStartup, fromFlightRecorder } });
        }
        else if (previous !== null) this.broadcast(entry, { kind: "stop", data: { session: previous.session } });
      } else if (msg.kind === "query") {
        // Only frames recording this session can answer; the query id comes back with each answer.
        if (entry.recording !== null && typeof msg.data.id === "number") {
          this.broadcast(entry, { kind: "query", data: { session: entry.recording.session, id: msg.data.id } });
        }
      } else if (msg.kind === "performanceTracks") {
        const enabled = msg.data.enabled === true;
        if (entry.performanceTracks !== enabled) {
          entry.performanceTracks = enabled;
          this.broadcast(entry, { kind: "performanceTracks", data: { enabled } });
        }
      } else if (msg.kind === "snapshot") {
        // Recording or not: every frame of this tab answers with its live tasks, tagged with the id.
        if (isCount(msg.data.id)) this.broadcast(entry, { kind: "snapshot", data: { id: msg.data.id } });
      } else if (msg.kind === "cancelTask") {
        // Only a frame of this panel's own tab, and only a task id: the page checks it again.
        const frame = msg.data.frame as Partial<FrameRef> | null;
        const task = msg.data.task;
        if (typeof frame !== "object" || frame === null || typeof frame.frameId !== "number" || typeof frame.documentId !== "string") return;
        if (!isCount(task) || task === 0) return;
        const bridge = entry.bridges.get(frameKey(frame.frameId, frame.documentId));
        if (bridge !== undefined) this.toBridge(bridge.port, { kind: "cancelTask", data: { task } });
      } else if (msg.kind === "flightRecorder") {
        const enabled = msg.data.enabled === true;
        if (entry.flightRecorder !== enabled) {
          entry.flightRecorder = enabled;
          this.broadcast(entry, flightRecorderCommand(enabled));
          this.flightRecorderChanged();
        }
      } else if (msg.kind === "networkEntries") {
        // For the frames recording the current session: each bridge passes on its frame's part.
        const entries = msg.data.entries;
        if (entry.recording !== null && Array.isArray(entries) && entries.length <= MAX_NETWORK_TIMINGS) {
          this.broadcast(entry, { kind: "networkEntries", data: { session: entry.recording.session, entries } });
        }
      } else if (msg.kind === "ack") {
        const bridge = entry.bridges.get(frameKey(msg.data.frame.frameId, msg.data.frame.documentId));
        if (bridge !== undefined) this.toBridge(bridge.port, { kind: "ack", data: { session: msg.data.session, stream: msg.data.stream, seq: msg.data.seq } });
      }
    });
    port.onDisconnect.addListener(() => {
      if (tabId === null) return;
      const entry = this.tabs.get(tabId);
      if (entry?.panel === port) {
        entry.panel = null;
        // DevTools may have closed, or this worker may be stopping (its ports disconnect
        // too): the pages stop recording only if no panel re-attaches meanwhile.
        const recording = entry.recording;
        if (recording !== null) {
          this.host.setTimer(() => {
            const now = this.tabs.get(tabId!);
            if (now === undefined || now.panel !== null || now.recording?.session !== recording.session) return;
            now.recording = null;
            this.broadcast(now, { kind: "stop", data: { session: recording.session } });
            this.forgetIfEmpty(tabId!);
          }, PANEL_GRACE_MS);
        }
        // Without a panel, nobody can turn the tracks off: they stop too, unless it re-attaches.
        if (entry.performanceTracks) {
          this.host.setTimer(() => {
            const now = this.tabs.get(tabId!);
            if (now === undefined || now.panel !== null || !now.performanceTracks) return;
            now.performanceTracks = false;
            this.broadcast(now, { kind: "performanceTracks", data: { enabled: false } });
          }, PANEL_GRACE_MS);
        }
      }
      this.forgetIfEmpty(tabId);
    });
  }

  private broadcast(entry: TabEntry, message: BackgroundToBridgeMessage): void {
    for (const bridge of entry.bridges.values()) this.toBridge(bridge.port, message);
  }

  private toBridge(port: RouterPort, message: BackgroundToBridgeMessage): void {
    try {
      port.postMessage(message);
    } catch {
      // Disconnected meanwhile; its onDisconnect cleans up.
    }
  }

  private toPanel(entry: TabEntry, message: BackgroundToPanelMessage): void {
    try {
      entry.panel?.postMessage(message);
    } catch {
      // Disconnected meanwhile.
    }
  }
}
