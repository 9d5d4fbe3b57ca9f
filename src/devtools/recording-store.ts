/**
 * The panel's recording: what the person asked for (record, stop, clear), and every batch
 * the tab's frames sent, appended to one SessionBuilder. No `chrome.*` here: the store talks
 * to the background through a Wall, so tests drive it with an in-memory one.
 *
 * Each document of each frame is one source of the session. Batches are applied in sequence
 * order exactly once: a batch sent again after a service-worker restart is recognised by its
 * sequence number, acknowledged again and skipped.
 */
import { SessionBuilder, type SourceDescription, type SourceOptions } from "../trace/session.ts";
import { SessionLogger, type SessionLog } from "./session/session-log.ts";
import { localIdOf, type RuntimeCopy, type Trace } from "../trace/model.ts";
import type { NetworkLog } from "./network-log.ts";
import type { FrameSnapshot } from "../trace/analysis/snapshot.ts";
import {
  PROTOCOL_VERSION,
  type BackgroundToPanelMessage, type FrameRef, type PageHello, type PageStatus, type PanelToBackgroundMessage, type RecordingOptions,
  type RecordingState, type Wall,
} from "../protocol/messages.ts";

export type RecordingPhase = "idle" | "recording" | "stopped";

export interface FrameStatus {
  readonly frame: FrameRef;
  readonly hello: PageHello | null;
  readonly source: number | null;
  readonly nextSeq: number;
  readonly droppedEvents: number;
  readonly forged: number;
  /** Why this frame's batches are no longer applied, if they are not. */
  readonly error: string | null;
}

/** Where a session shown but not recorded here came from: a file, or a recording kept in storage. */
export interface LoadedSession {
  readonly kind: "file" | "saved";
  /** The file's name, or the kept recording's title. */
  readonly label: string;
  /** The kept recording's key in storage, for "saved". */
  readonly key?: string;
}

/** A frame's answer to `query()`: its status, which frame, and how long the round trip took. */
export interface PageAnswer extends PageStatus {
  readonly frameId: number;
  readonly roundTripMs: number;
}

/** One frame's answer to `requestLive()`, with which frame it is. */
export interface LiveFrame {
  readonly frame: FrameRef;
  readonly url: string | null;
  readonly isTopFrame: boolean;
  readonly snapshot: FrameSnapshot;
}

/** The live await trees of the tab's frames, as the last `requestLive()` collects them. */
export interface LiveState {
  /** The request's id; 0 before the first. */
  readonly id: number;
  /** The frames that answered so far, top frame first. */
  readonly frames: readonly LiveFrame[];
  /** performance.now() of the request. */
  readonly requestedAt: number;
}

/** The page's answer to the last "Cancel task". */
export interface CancelOutcome {
  /** The trace's id of the task. */
  readonly task: number;
  readonly cancelled: boolean;
}

export interface StoreSnapshot {
  readonly phase: RecordingPhase;
  /** Set while the session shown was loaded rather than recorded in this panel. */
  readonly loaded: LoadedSession | null;
  readonly session: string | null;
  readonly events: number;
  readonly droppedEvents: number;
  /** Messages the background refused from this tab's pages (malformed or oversized). */
  readonly refused: number;
  /** Messages this tab's pages forged to pass for the agent or the bridge: ignored, and counted here. */
  readonly forged: number;
  readonly frames: readonly FrameStatus[];
  readonly problems: readonly string[];
}

interface FrameEntry {
  frame: FrameRef;
  hello: PageHello | null;
  /** The page's recorder whose batches this entry applies (see PageBatch.stream). */
  stream: number | null;
  source: number | null;
  droppedEvents: number;
  /** Events of this frame's batches the panel shed because the session was full (MAX_SESSION_EVENTS). */
  shed: number;
  /** Forged messages the frame's bridge ignored (a running total per document). */
  forged: number;
  error: string | null;
}

/** Records of every kind in a trace: the event count a loaded session shows. */
function recordCount(trace: Trace): number {
  return trace.tasks.length + trace.steps.length + trace.awaits.length + trace.cancellations.length + trace.timeouts.length
    + trace.resources.length + trace.resourceOps.length + trace.nativeOps.length + trace.markers.length;
}

/**
 * Events one recording holds in the panel, at most (~130 bytes each once built: a few hundred
 * MB). Past that, batches are still acknowledged and their strings kept, but their events are
 * shed and counted exactly as dropped, in the panel and in the trace: a page that floods for
 * minutes cannot take DevTools' memory with it.
 */
export const MAX_SESSION_EVENTS = 2_000_000;

const frameKey = (frame: FrameRef): string => `${frame.frameId}/${frame.documentId}`;

export interface RecordingStoreHost {
  /** A fresh, unguessable session id. */
  newSessionId(): string;
  /** Reload the inspected page (reload-and-record). */
  reloadPage(): void;
  /** Events one recording holds, at most; default MAX_SESSION_EVENTS (tests lower it). */
  readonly maxSessionEvents?: number;
  /** DevTools' network log: recordings take request phases and script loads from it rather than the page (network-log.ts). */
  readonly networkLog?: NetworkLog;
}

export class RecordingStore {
  private phase: RecordingPhase = "idle";
  private recording: RecordingState | null = null;
  /** The session the builder holds: still set after stop, so the pages' last batches land. */
  private session: string | null = null;
  private builder: SessionBuilder | null = null;
  /** The same session as the batches it was built from: what storage keeps (session-log.ts). */
  private logger: SessionLogger | null = null;
  private frames = new Map<string, FrameEntry>();
  private events = 0;
  private refused = 0;
  private problems: string[] = [];
  private cachedTrace: Trace | null = null;
  private loaded: { readonly session: LoadedSession; readonly trace: Trace } | null = null;
  private readonly listeners = new Set<() => void>();
  private lastQuery = 0;
  private queriedAt = 0;
  private answers: PageAnswer[] = [];
  private live: LiveState = { id: 0, frames: [], requestedAt: 0 };
  /** Cancellations asked for, by the frame's key and the page's task id, until the page answers. */
  private readonly cancelling = new Map<string, number>();
  private lastCancel: CancelOutcome | null = null;
  /** Native instrumentation (the page's fetch, timers…) is on by default. */
  private options: RecordingOptions;
  /** Stops passing the network log on to the pages, while a recording takes it. */
  private stopNetworkLog: (() => void) | null = null;

  private performanceTracks = false;
  /** The flight recorder is on in this tab (the background keeps it while the tab lives). */
  private flightRecorder = false;

  constructor(
    private readonly tabId: number,
    private readonly wall: Wall<BackgroundToPanelMessage, PanelToBackgroundMessage>,
    private readonly host: RecordingStoreHost,
  ) {
    wall.listen((message) => this.receive(message));
    this.options = { creationSites: true, native: true, networkLog: host.networkLog !== undefined };
  }

  /**
   * Asks every frame recording this session what it has in flight (see PageStatus); returns
   * the query's id, under which `answers` collects the replies. Nothing happens unless recording.
   */
  query(): number {
    const id = ++this.lastQuery;
    this.answers = [];
    this.queriedAt = performance.now();
    if (this.phase === "recording") this.wall.send({ kind: "query", data: { id } });
    return id;
  }

  /** The replies to query `id` so far, each with how long its round trip took (ms). */
  queryAnswers(id: number): PageAnswer[] {
    return id === this.lastQuery ? [...this.answers] : [];
  }

  /**
   * Asks every frame of the tab for its live await tree (recording or not); `liveState()`
   * collects the answers. Returns the request's id.
   */
  requestLive(): number {
    this.live = { id: this.live.id + 1, frames: [], requestedAt: performance.now() };
    this.wall.send({ kind: "snapshot", data: { id: this.live.id } });
    this.changed();
    return this.live.id;
  }

  liveState(): LiveState {
    return this.live;
  }

  /**
   * The frame that recorded trace task `taskId` in this panel's recording, while it is still
   * attached (the same document): only then can its runtime cancel the task. Null otherwise.
   */
  private liveFrameOf(taskId: number, trace: Trace): FrameEntry | null {
    if (this.phase !== "recording" || this.loaded !== null || this.builder === null) return null;
    const task = trace.tasks.find((t) => t.id === taskId);
    if (task === undefined || task.outcome !== "pending" || task.kind === "native") return null;
    for (const entry of this.frames.values()) if (entry.source === task.source) return entry;
    return null;
  }

  /** Whether "Cancel task" can reach trace task `taskId` now: a live runtime task of an attached frame. */
  canCancel(taskId: number): boolean {
    const trace = this.trace();
    return trace !== null && this.liveFrameOf(taskId, trace) !== null;
  }

  /** "Cancel task": asks the task's frame to cancel it, "cancelled from DevTools". False if it cannot be reached. */
  cancelTask(taskId: number): boolean {
    const trace = this.trace();
    const entry = trace === null ? null : this.liveFrameOf(taskId, trace);
    if (entry === null) return false;
    const local = localIdOf(taskId);
    this.cancelling.set(`${frameKey(entry.frame)}#${local}`, taskId);
    this.wall.send({ kind: "cancelTask", data: { frame: entry.frame, task: local } });
    return true;
  }

  /** The page's answer to the last "Cancel task", or null before one. */
  cancelOutcome(): CancelOutcome | null {
    return this.lastCancel;
  }

  /** (Re)attach to the background: on start and after every reconnect. */
  attach(): void {
    this.wall.send({ kind: "attach", data: { protocol: PROTOCOL_VERSION, tabId: this.tabId, recording: this.recording } });
    // A background that restarted has forgotten the option: tell it again.
    if (this.performanceTracks) this.wall.send({ kind: "performanceTracks", data: { enabled: true } });
    if (this.flightRecorder) this.wall.send({ kind: "flightRecorder", data: { enabled: true } });
  }

  /**
   * The flight recorder: the tab's pages keep their last 30 s of events while nobody records,
   * now and after navigations, until it is turned off or the tab closes (panel open or not).
   */
  setFlightRecorder(on: boolean): void {
    if (this.flightRecorder === on) return;
    this.flightRecorder = on;
    this.wall.send({ kind: "flightRecorder", data: { enabled: on } });
    this.changed();
  }

  /** Whether the tab's pages keep their last 30 s (see setFlightRecorder). */
  get flightRecorderOn(): boolean {
    return this.flightRecorder;
  }

  /**
   * "Save last 30 s": what the pages' flight recorders kept becomes a new recording, which
   * ends at once (its last batches arrive after). Nothing happens while the option is off or
   * a recording runs.
   */
  saveFlightRecording(): void {
    if (!this.flightRecorder || this.phase === "recording") return;
    this.beginSession();
    this.wall.send({ kind: "record", data: { recording: this.recording, keepStartup: false, fromFlightRecorder: true } });
    this.stop();
  }

  /**
   * "Show in Performance panel": the tab's pages show their tasks as tracks of the Performance
   * panel's recordings, now and after navigations, whether or not this panel records.
   */
  setPerformanceTracks(on: boolean): void {
    if (this.performanceTracks === on) return;
    this.performanceTracks = on;
    this.wall.send({ kind: "performanceTracks", data: { enabled: on } });
    this.changed();
  }

  /** Whether the pages show their tasks in the Performance panel (see setPerformanceTracks). */
  get showsPerformanceTracks(): boolean {
    return this.performanceTracks;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): StoreSnapshot {
    let dropped = 0;
    let forged = 0;
    for (const f of this.frames.values()) {
      dropped += f.droppedEvents;
      forged += f.forged;
    }
    return {
      phase: this.phase,
      loaded: this.loaded?.session ?? null,
      session: this.session,
      events: this.events,
      droppedEvents: dropped,
      refused: this.refused,
      forged,
      frames: [...this.frames.values()].map((f) => ({ ...f, nextSeq: this.builder?.expectedSeq(f.source) ?? 0 })),
      problems: [...this.problems],
    };
  }

  /** The session so far, or null before the first recording. Rebuilt only when it changed. */
  trace(): Trace | null {
    if (this.loaded !== null) return this.loaded.trace;
    if (this.builder === null) return null;
    this.cachedTrace ??= this.builder.trace();
    return this.cachedTrace;
  }

  /** The recorded session as its batches (null for a loaded one, or before the first recording). */
  sessionLog(): SessionLog | null {
    return this.loaded === null ? this.logger?.log() ?? null : null;
  }

  /** What a list of kept recordings shows of the recorded session, without taking a snapshot of it. */
  sessionFacts(): { readonly tasks: number; readonly end: number } | null {
    return this.loaded !== null || this.builder === null ? null : { tasks: this.builder.taskCount, end: this.builder.end };
  }

  /**
   * Turns recording of the page's own async work (fetch, XHR, timers, abort signals, promise
   * combinators, long tasks) on or off. It applies to the next recording, and at once to a
   * recording in progress: its pages install or remove their wrappers.
   */
  setNativeInstrumentation(on: boolean): void {
    if (this.options.native === on) return;
    this.options = { ...this.options, native: on };
    if (this.recording !== null) {
      this.recording = { ...this.recording, options: this.options };
      this.followNetworkLog();
      this.wall.send({ kind: "record", data: { recording: this.recording, keepStartup: false } });
    }
    this.changed();
  }

  /** Whether the page's own async work is recorded (see setNativeInstrumentation). */
  get nativeInstrumentation(): boolean {
    return this.options.native;
  }

  /** A new, empty recording session (the old one is replaced), kept as it grows. */
  private beginSession(): void {
    this.endNetworkLog();
    this.resetSession();
    this.recording = { session: this.host.newSessionId(), options: this.options };
    this.session = this.recording.session;
    this.builder = new SessionBuilder();
    this.logger = new SessionLogger();
    this.followNetworkLog();
    // What the top frame said of itself, if it already has: a reload tells again.
    for (const entry of this.frames.values()) if (entry.hello?.isTopFrame === true) this.describeSession(entry.hello);
    this.phase = "recording";
  }

  /** Starts a new recording (the old one is replaced); with `reload`, reloads the page first. */
  record(options: { reload?: boolean } = {}): void {
    this.beginSession();
    // Frames of the current documents record from now on; after a reload the new documents
    // keep what they recorded since document_start.
    this.wall.send({ kind: "record", data: { recording: this.recording, keepStartup: options.reload === true } });
    if (options.reload === true) this.host.reloadPage();
    this.changed();
  }

  stop(): void {
    if (this.phase !== "recording") return;
    this.endNetworkLog();
    this.wall.send({ kind: "record", data: { recording: null, keepStartup: false } });
    this.recording = null;
    this.phase = "stopped";
    this.changed();
  }

  /** Forgets the session (and stops recording). */
  clear(): void {
    this.endNetworkLog();
    if (this.phase === "recording") this.wall.send({ kind: "record", data: { recording: null, keepStartup: false } });
    this.recording = null;
    this.resetSession();
    this.phase = "idle";
    this.changed();
  }

  /**
   * Shows `trace` (imported from a file, or kept in storage) as the session: a recording in
   * progress stops and the previous session is replaced. Batches that arrive later are not
   * applied to it.
   */
  load(trace: Trace, session: LoadedSession): void {
    this.endNetworkLog();
    if (this.phase === "recording") this.wall.send({ kind: "record", data: { recording: null, keepStartup: false } });
    this.recording = null;
    this.resetSession();
    this.loaded = { session, trace };
    this.events = recordCount(trace);
    this.phase = "stopped";
    this.changed();
  }

  /**
   * Listens to DevTools' network log while a recording with native instrumentation runs, and
   * only then: the log's entries are of use to no page that does not record its requests, and
   * each bridge pays to sort them.
   */
  private followNetworkLog(): void {
    const networkLog = this.host.networkLog;
    const wanted = networkLog !== undefined && this.recording !== null && this.options.native;
    if (!wanted) {
      this.endNetworkLog();
    } else if (this.stopNetworkLog === null) {
      this.stopNetworkLog = networkLog.listen((entries) => this.wall.send({ kind: "networkEntries", data: { entries } }));
    }
  }

  /** Passes on what the network log still holds (the pages record it before they stop), and stops. */
  private endNetworkLog(): void {
    const stop = this.stopNetworkLog;
    this.stopNetworkLog = null;
    stop?.();
  }

  private resetSession(): void {
    this.loaded = null;
    this.session = null;
    this.builder = null;
    this.logger = null;
    this.cachedTrace = null;
    this.events = 0;
    this.refused = 0;
    this.problems = [];
    // Frames stay known (their documents live on) but start afresh in the next session.
    for (const entry of this.frames.values()) {
      entry.stream = null;
      entry.source = null;
      entry.droppedEvents = 0;
      entry.shed = 0;
      entry.error = null;
    }
  }

  private receive(message: BackgroundToPanelMessage): void {
    switch (message.kind) {
      case "attached":
        for (const frame of message.data.frames) this.frameEntry(frame);
        // A panel opened later finds the option as the tab keeps it (a restarted background
        // does not know it, and is told it again by attach()).
        if (message.data.flightRecorder === true) this.flightRecorder = true;
        break;
      case "frameGone":
        // Its events stay in the session; the frame itself is gone.
        this.frames.delete(frameKey(message.data.frame));
        break;
      case "refused":
        this.refused++;
        this.addProblem(`a message from ${message.data.frame === null ? "a page" : `frame ${message.data.frame.frameId}`} was refused: ${message.data.reason}`);
        break;
      case "forged": {
        const entry = this.frameEntry(message.data.frame);
        if (entry.forged === 0) this.addProblem(`frame ${entry.frame.frameId}: the page posted messages pretending to be aioscope's; they were ignored`);
        entry.forged = message.data.count;
        break;
      }
      case "frameEvent": {
        const entry = this.frameEntry(message.data.frame);
        const event = message.data.event;
        // A navigation during a recording needs no marker from here: the new document's
        // recording starts with its own recordingStart marker.
        if (event.kind === "hello") {
          entry.hello = event.data;
          // A page keeping its last 30 s says so: the option is on for the tab.
          if (event.data.flightRecorder === true) this.flightRecorder = true;
          if (event.data.isTopFrame) this.describeSession(event.data);
          // A page may load a bundled runtime copy, or freeze what a recording then cannot
          // wrap, at any time: its source says so from then on.
          if (entry.source !== null && this.builder !== null) {
            const description = sourceDescription(event.data);
            this.builder.describeSource(entry.source, description);
            this.logger?.describeSource(entry.source, description);
            this.cachedTrace = null;
          }
        } else if (event.kind === "batch") {
          this.applyBatch(entry, event.data.session, event.data.stream, event.data.batch);
        } else if (event.kind === "snapshot") {
          if (event.data.id !== this.live.id) return; // an answer to an older request
          const answer: LiveFrame = { frame: entry.frame, url: entry.hello?.url ?? null, isTopFrame: entry.hello?.isTopFrame === true, snapshot: event.data.snapshot };
          const others = this.live.frames.filter((f) => frameKey(f.frame) !== frameKey(entry.frame));
          this.live = { ...this.live, frames: answer.isTopFrame ? [answer, ...others] : [...others, answer] };
        } else if (event.kind === "cancelResult") {
          const key = `${frameKey(entry.frame)}#${event.data.task}`;
          const task = this.cancelling.get(key);
          if (task === undefined) return; // nothing this panel asked
          this.cancelling.delete(key);
          this.lastCancel = { task, cancelled: event.data.cancelled };
        } else if (event.kind === "status" && event.data.query === this.lastQuery && event.data.session === this.session) {
          this.answers.push({ ...event.data, frameId: entry.frame.frameId, roundTripMs: performance.now() - this.queriedAt });
          // An answer changes nothing a person sees.
          return;
        }
        break;
      }
    }
    this.changed();
  }

  private applyBatch(entry: FrameEntry, session: string, stream: number, batch: Parameters<SessionBuilder["append"]>[0]): void {
    if (this.builder === null || session !== this.session) return;
    if (entry.stream !== stream) {
      if (entry.stream !== null && stream < entry.stream) return; // a recorder this document has replaced
      // The document started a new recorder (it was stopped and started again): a new source.
      entry.stream = stream;
      entry.source = null;
      entry.shed = 0;
      entry.error = null;
    }
    // The builder owns the source's sequence (a source not added yet expects batch 0).
    const expected = this.builder.expectedSeq(entry.source);
    if (batch.seq < expected) {
      // Sent again after a reconnect: we have it already.
      this.ack(entry, session, stream, expected - 1);
      return;
    }
    if (batch.seq > expected) {
      // An earlier batch is missing. After a worker restart a new batch can overtake the
      // resent ones (the bridge sends them when the panel's resend request reaches it), so
      // the gap is shown and this batch skipped, not acknowledged: the bridge keeps it and
      // sends it again after the missing one. Only a batch the bridge gave up on (its
      // retention bound) leaves the gap for good.
      entry.error = `batch ${batch.seq} arrived but batch ${expected} was expected: waiting for it`;
      return;
    }
    if (entry.source === null) {
      const options: SourceOptions = {
        label: entry.hello?.isTopFrame === false ? `frame ${entry.frame.frameId}` : "page",
        url: entry.hello?.url ?? null,
        frameId: entry.frame.frameId,
        ...(entry.hello === null ? {} : sourceDescription(entry.hello)),
      };
      entry.source = this.builder.addSource(options);
      this.logger?.addSource(options);
    }
    let applied = batch;
    if (this.events + batch.count > (this.host.maxSessionEvents ?? MAX_SESSION_EVENTS)) {
      // The session is full: the batch's strings are kept (later batches refer to them), its
      // events are counted as dropped, on top of what the page itself dropped.
      entry.shed += batch.count;
      applied = {
        ...batch, count: 0, time: new Float64Array(0), kind: new Uint8Array(0), ops: new Int32Array(0),
        droppedEvents: batch.droppedEvents + entry.shed,
      };
    } else if (entry.shed > 0) {
      applied = { ...batch, droppedEvents: batch.droppedEvents + entry.shed };
    }
    const result = this.builder.append(applied, entry.source);
    if (!result.ok) {
      // The session is unchanged (the builder applies a batch whole or not at all): the bad
      // batch is shown and skipped.
      const reason = `${result.error.path}: ${result.error.message}`;
      this.addProblem(`frame ${entry.frame.frameId}: a batch was refused: ${reason}`);
      return;
    }
    this.logger?.appended(applied, entry.source);
    entry.error = null;
    entry.droppedEvents = applied.droppedEvents;
    this.events += applied.count;
    this.cachedTrace = null;
    this.ack(entry, session, stream, batch.seq);
  }

  /** The session's URL and title are the top frame's: the page the person recorded. */
  private describeSession(hello: PageHello): void {
    this.builder?.describe({ url: hello.url, title: hello.title, userAgent: hello.userAgent });
    this.logger?.describe({ url: hello.url, title: hello.title, userAgent: hello.userAgent });
    this.cachedTrace = null;
  }

  private ack(entry: FrameEntry, session: string, stream: number, seq: number): void {
    this.wall.send({ kind: "ack", data: { frame: entry.frame, session, stream, seq } });
  }

  private frameEntry(frame: FrameRef): FrameEntry {
    const key = frameKey(frame);
    let entry = this.frames.get(key);
    if (entry === undefined) {
      entry = { frame, hello: null, stream: null, source: null, droppedEvents: 0, shed: 0, forged: 0, error: null };
      this.frames.set(key, entry);
    }
    return entry;
  }

  private addProblem(problem: string): void {
    if (this.problems.length < 100) this.problems.push(problem);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * What a page's hello says of its source: the runtime copies it lists, each with who made it
 * part of the page, and what its recording could not wrap.
 */
function sourceDescription(hello: PageHello): SourceDescription {
  const firstBundled = hello.runtimes.length - hello.bundledRuntimes;
  return {
    runtimes: hello.runtimes.map((version, k): RuntimeCopy => ({ version, origin: k >= firstBundled ? "page" : "aioscope" })),
    notRecorded: hello.notRecorded,
  };
}
