/**
 * Every message that crosses a boundary in the extension, in one place: page agent ⇄ bridge
 * (a private MessageChannel, src/content/channel), bridge ⇄ background (runtime port), background ⇄ panel (runtime
 * port). Each direction is a map of channels turned into a `{ kind, data }` union, so a
 * sender cannot invent a message and a receiver's `switch` is exhaustive.
 *
 * Events flow page → panel; commands flow panel → page. The background adds the frame's
 * identity from the port's `sender`: nothing from the page says which tab or frame it is.
 */
import type { TraceBatch } from "../trace/encoding.ts";
import type { FrameSnapshot } from "../trace/analysis/snapshot.ts";

/** Bumped on any incompatible change; both ends check it in the first message. */
export const PROTOCOL_VERSION = 1;

/**
 * The tags page and bridge once put on window messages. They talk over a private channel now,
 * so a window message with one of these tags is a page pretending to be one of them: the
 * bridge counts it and nothing else happens.
 */
export const PAGE_TAG = "aioscope:page";
export const BRIDGE_TAG = "aioscope:bridge";

/** The flight recorder's window: "Save last 30 s". */
export const FLIGHT_WINDOW_MS = 30_000;

/** Runtime port names. */
export const BRIDGE_PORT = "aioscope-bridge";
export const PANEL_PORT = "aioscope-panel";

export type Message<Channels> = { [K in keyof Channels]: { readonly kind: K; readonly data: Channels[K] } }[keyof Channels];

/** What a recording asks of the page. */
export interface RecordingOptions {
  /** Capture each task's creation site (a stack trace per task). */
  readonly creationSites: boolean;
  /**
   * Record the page's own asynchronous work too (fetch, XHR, timers, abort signals, promise
   * combinators, long tasks): the MAIN-world wrappers are installed only while this is on.
   */
  readonly native: boolean;
  /**
   * Request phases and script loads come from DevTools' own network log, which the panel
   * passes on (`networkTimings`), instead of an observer of resource entries in the page: set
   * by a panel in Chrome's DevTools, where that log records anyway. Absent means false.
   */
  readonly networkLog?: boolean;
}

/**
 * A request of the inspected tab that finished, as the panel reads it from DevTools' network
 * log (a HAR entry): the parts of it a Resource Timing entry has. Phases are in ms, -1 where
 * one did not happen (a reused connection has no `dns` or `connect`).
 */
export interface NetworkEntry {
  readonly url: string;
  /** A fetch or XHR, or a classic script or module. */
  readonly type: "request" | "script";
  /** When it started, epoch ms (HAR `startedDateTime`). */
  readonly startedAt: number;
  /** Start to last byte, ms. */
  readonly duration: number;
  /** Waiting for a connection (HAR `blocked`). */
  readonly blocked: number;
  readonly dns: number;
  /** Connecting, TLS included. */
  readonly connect: number;
  readonly send: number;
  /** Request sent → first byte. */
  readonly wait: number;
  /** First byte → last byte. */
  readonly receive: number;
  readonly status: number;
  /** Bytes: on the wire with headers, the body as sent, the body decoded; -1 when unknown. */
  readonly transferSize: number;
  readonly bodySize: number;
  readonly decodedSize: number;
  /** The response's `Timing-Allow-Origin` header, or null. */
  readonly timingAllowOrigin: string | null;
}

/**
 * What of NetworkEntries a frame's bridge passes on to its page, in columns (cheap to clone
 * and to check on the page's thread): only what the page's own Resource Timing would tell it.
 * A request of the frame's origin, or whose response allows it by `Timing-Allow-Origin`, has
 * all of its fields; any other script only its URL, start and duration (the rest -1); any
 * other request is left out.
 */
export interface NetworkTimings {
  readonly urls: readonly string[];
  /** NETWORK_TIMING_FIELDS.length numbers per URL, in that order; `start` on the page's clock (performance.now()). */
  readonly values: Float64Array;
}

/** The columns of NetworkTimings.values; `type` is 0 for a request, 1 for a script. */
export const NETWORK_TIMING_FIELDS = [
  "type", "start", "duration", "blocked", "dns", "connect", "send", "wait", "receive", "status", "transferSize", "bodySize", "decodedSize",
] as const;

/** Each field's place in a row of NetworkTimings.values. */
export const NETWORK_TIMING_COLUMN = Object.fromEntries(NETWORK_TIMING_FIELDS.map((name, k) => [name, k])) as {
  readonly [Field in (typeof NETWORK_TIMING_FIELDS)[number]]: number;
};

export interface PageHello {
  readonly protocol: number;
  readonly url: string;
  readonly title: string;
  readonly userAgent: string;
  /** Epoch ms of the page's performance.timeOrigin. */
  readonly timeOrigin: number;
  /** Versions of the runtime copies registered with the hook so far. */
  readonly runtimes: readonly string[];
  /**
   * How many of `runtimes`, the last ones, the page bundled itself: they registered after
   * aioscope's own, through the page hook, and what they report is page code's word.
   */
  readonly bundledRuntimes: number;
  /**
   * The page's functions a recording of this document needed to wrap and could not (the page
   * froze them first), by name: `SourceInfo.notRecorded`. The list only grows: frozen is for good.
   */
  readonly notRecorded: readonly string[];
  readonly isTopFrame: boolean;
  /** The session this document is recording now, or null (after a service-worker restart it still is). */
  readonly session: string | null;
  /** The flight recorder is on in this document (a restarted service worker learns the tab's option back from it). */
  readonly flightRecorder?: boolean;
}

export interface PageBatch {
  readonly session: string;
  /**
   * Which recorder of this document made the batch. A document that stops and starts
   * recording again gets a new recorder, whose sequence numbers start again at 0.
   */
  readonly stream: number;
  readonly batch: TraceBatch;
}

/**
 * The page's answer to a `query` (the CLI's `--until-idle` asks it): sent after the agent has
 * flushed what it recorded, so everything before the answer is already on its way. Its arrival
 * is itself the proof that the page's main thread ran a task for it.
 */
export interface PageStatus {
  readonly session: string | null;
  /** Events recorded in this document since recording started. */
  readonly recorded: number;
  readonly droppedEvents: number;
  /** The query this answers. */
  readonly query: number;
  /** Runtime tasks of this document that have started and not finished. */
  readonly pendingTasks: number;
  /**
   * Native operations in flight (fetch, XHR, one-shot timers, idle callbacks…). Repeating ones —
   * setInterval and requestAnimationFrame, which pages run as loops — do not count: a page
   * that only polls or animates is idle.
   */
  readonly nativeInFlight: number;
}

/** The page's answer to a `snapshot` command: its live await tree now (trace/analysis/snapshot.ts). */
export interface PageSnapshot {
  /** The snapshot request this answers. */
  readonly id: number;
  readonly snapshot: FrameSnapshot;
}

/** The page's answer to `cancelTask`: whether a live task of that id took the cancellation. */
export interface PageCancelResult {
  readonly task: number;
  readonly cancelled: boolean;
}

/** Page hook → bridge → background → panel. */
export interface PageEvents {
  hello: PageHello;
  batch: PageBatch;
  status: PageStatus;
  snapshot: PageSnapshot;
  cancelResult: PageCancelResult;
}
export type PageEvent = Message<PageEvents>;

/** Panel → background → bridge → page hook. */
export interface PageCommands {
  /** Start (or keep) recording into `session`; `keepStartup` keeps what the page recorded before it was told. */
  start: {
    readonly session: string; readonly options: RecordingOptions; readonly keepStartup: boolean;
    /** "Save last 30 s": the flight recorder's ring becomes the start of the session. */
    readonly fromFlightRecorder?: boolean;
  };
  stop: { readonly session: string };
  /** Flush, then answer with a `status` event for query `id`. */
  query: { readonly session: string; readonly id: number };
  /**
   * Show the runtime's tasks as tracks of the Performance panel's recordings ("Show in
   * Performance panel"), whether or not the Async panel records.
   */
  performanceTracks: { readonly enabled: boolean };
  /** Answer with a `snapshot` event: every live task of every runtime copy now, recording or not. */
  snapshot: { readonly id: number };
  /** Cancel live runtime task `task` with the message "cancelled from DevTools"; answer with `cancelResult`. */
  cancelTask: { readonly task: number };
  /** The flight recorder: keep the last `windowMs` of events on the page side while nobody records. */
  flightRecorder: { readonly enabled: boolean; readonly windowMs: number };
  /** Requests DevTools' network log saw finish, for a recording whose options say `networkLog`. */
  networkTimings: { readonly session: string; readonly timings: NetworkTimings };
}
export type PageCommand = Message<PageCommands>;

/** Bridge → page hook, besides the commands it relays. */
export interface BridgeToPage extends PageCommands {
  /** The bridge listens now: the hook may send what it buffered. */
  ready: { readonly protocol: number };
}
export type BridgeToPageMessage = Message<BridgeToPage>;

/** What the bridge itself reports, besides the page's events. */
export interface BridgeEvents {
  /** Messages that pretended to be the agent's or the bridge's, ignored so far in this document. */
  forged: { readonly count: number };
}

/** Bridge → background. */
export type BridgeToBackground = PageEvent | Message<BridgeEvents>;

/** Background → bridge: the page's commands, acknowledgements, and a request to send again. */
export interface BackgroundToBridge extends Pick<BridgeToPage, "start" | "stop" | "query" | "performanceTracks" | "snapshot" | "cancelTask" | "flightRecorder"> {
  /** Requests DevTools' network log saw finish in the tab: the bridge passes on its frame's (NetworkEntry). */
  networkEntries: { readonly session: string; readonly entries: readonly NetworkEntry[] };
  /** The panel holds the batches of `session`'s `stream` up to `seq`: the bridge may forget them. */
  ack: { readonly session: string; readonly stream: number; readonly seq: number };
  /** A panel (re)attached: send every batch it has not acknowledged yet. */
  resend: Record<string, never>;
}
export type BackgroundToBridgeMessage = Message<BackgroundToBridge>;

/** Which frame of which tab an event came from, as the extension (not the page) says. */
export interface FrameRef {
  readonly tabId: number;
  readonly frameId: number;
  /** Changes on every navigation of the frame. */
  readonly documentId: string;
}

/** The recording a panel runs in its tab, mirrored by the background. */
export interface RecordingState {
  readonly session: string;
  readonly options: RecordingOptions;
}

/** Panel → background. */
export interface PanelToBackground {
  /** First message on a panel port (and again after a reconnect). */
  attach: { readonly protocol: number; readonly tabId: number; readonly recording: RecordingState | null };
  /** Start or stop recording in every frame of the tab, now and after navigations. */
  record: {
    readonly recording: RecordingState | null; readonly keepStartup: boolean;
    /** "Save last 30 s": the pages' flight recorder rings start the recording. */
    readonly fromFlightRecorder?: boolean;
  };
  ack: { readonly frame: FrameRef; readonly session: string; readonly stream: number; readonly seq: number };
  /** Ask every frame of the tab that records the current session for its status. */
  query: { readonly id: number };
  /** "Show in Performance panel" for every frame of the tab, now and after navigations (sent after each attach). */
  performanceTracks: { readonly enabled: boolean };
  /** Ask every frame of the tab for its live await tree (recording or not); answers carry `id`. */
  snapshot: { readonly id: number };
  /** Ask `frame` (a frame of this panel's tab) to cancel its live task `task`. */
  cancelTask: { readonly frame: FrameRef; readonly task: number };
  /** The flight recorder for every frame of the tab, now and after navigations, kept while the tab lives (sent after each attach). */
  flightRecorder: { readonly enabled: boolean };
  /** Requests DevTools' network log saw finish, for every frame of the tab that records the current session. */
  networkEntries: { readonly entries: readonly NetworkEntry[] };
}
export type PanelToBackgroundMessage = Message<PanelToBackground>;

/** Background → panel. */
export interface BackgroundToPanel {
  attached: {
    readonly protocol: number; readonly frames: readonly FrameRef[];
    /** The tab's flight recorder is on (kept by the background while the tab lives). */
    readonly flightRecorder?: boolean;
  };
  frameEvent: { readonly frame: FrameRef; readonly event: PageEvent };
  frameGone: { readonly frame: FrameRef };
  /** The bridge of `frame` ignored `count` forged messages so far (see BridgeEvents). */
  forged: { readonly frame: FrameRef; readonly count: number };
  /** A message the background refused, so overload or abuse is visible, never silent. */
  refused: { readonly frame: FrameRef | null; readonly reason: string };
}
export type BackgroundToPanelMessage = Message<BackgroundToPanel>;

/**
 * One side of a connection, as each layer sees it (React DevTools' "wall"): the real one is
 * a port or window.postMessage, tests use an in-memory pair.
 */
export interface Wall<In, Out> {
  listen(listener: (message: In) => void): () => void;
  send(message: Out): void;
}
