/**
 * The page side of a recording, in each frame: it owns the recorder, ships batches to the
 * bridge and obeys the panel's commands. It talks only through a `Wall`, so tests drive it
 * with an in-memory one.
 *
 * Start-up: the agent records from the moment it is installed (before any page script), into
 * a bounded start-up recorder, until the extension says whether this tab is being recorded.
 * If it is (reload-and-record, or a navigation during a recording), that start-up recording
 * becomes the start of the session; if not, it is thrown away. So a page's first tasks are
 * never lost, and a page nobody records pays only for those first moments.
 *
 * It runs in the page's realm: built-ins from trace/primordials.ts only (see that module).
 */
import { Recorder } from "../trace/recorder.ts";
import type { TraceBatch } from "../trace/encoding.ts";
import { captureSite, RuntimeFrames } from "../trace/stack.ts";
import { append, mathMax, mathMin, mathRound, safeMap, stringSlice } from "../trace/primordials.ts";
import type { Instrument, RegisteredRuntime } from "../runtime/instrument.ts";
import { withEveryHook } from "./instrument-hooks.ts";
import { MAX_BATCH_EVENTS } from "../protocol/validate.ts";
import { PROTOCOL_VERSION, type BridgeToPageMessage, type PageEvent, type PageHello, type RecordingOptions, type Wall } from "../protocol/messages.ts";
import type { PageHook } from "./install-hook.ts";
import type { NativeControl, NativeRecording } from "./native/index.ts";
import { PageActivity } from "./page-activity.ts";
import { cancelLiveTask, DEVTOOLS_CANCELLER, SiteMemo, takeSnapshot } from "./live-snapshot.ts";
import { DEFAULT_FLIGHT_LIMITS, FlightRing, type FlightRingStats } from "./flight-ring.ts";

/** How often the recorder's events are looked at while recording (shipped, when due: see below). */
export const FLUSH_INTERVAL_MS = 50;
/**
 * A flush ships at once when this many events are held; fewer wait, until MAX_BATCH_DELAY_MS
 * (four flushes) after the previous batch. Each message costs the page's thread as much as hundreds of events
 * (two postMessages, page → bridge → extension, and the bridge's check): a page whose requests
 * trickle in sent 20 small batches a second, which cost it more than recording them
 * (bench/browser/native.ts). Busy pages still ship every 50 ms, in batches no larger than before.
 */
export const BATCH_EVENTS_NOW = 1024;
export const MAX_BATCH_DELAY_MS = 200;
/**
 * The steady rate a page may record at: this many events a flush, ~330 000 a second at one
 * flush per 50 ms, some 65 000 tasks a second, every event delivered (bench/browser/pipeline.ts).
 */
export const EVENTS_PER_FLUSH = 1 << 14;
/**
 * A page that made more than this many events in one flush's time (recorded and dropped) is
 * flooding: its allowance comes back at FLOOD_EVENTS_PER_FLUSH a flush instead, and the
 * recorder drops the rest, counted exactly, at the cost of a comparison each, so the page
 * keeps its speed and the extension its memory (bench/browser/flood.ts: a page of a million
 * tiny tasks ran 4.4× its unrecorded time kept at the steady rate, 1.9× at the flood rate).
 * At twice the steady rate, a page that only just outgrows the steady rate keeps most of it.
 */
export const FLOODING_EVENTS = 2 * EVENTS_PER_FLUSH;
export const FLOOD_EVENTS_PER_FLUSH = 1 << 12;
/**
 * Events the recorder holds before they are taken, at most: one batch's worth. 2 048 events
 * are 51 200 bytes of columns, so a batch with its new strings stays under the 64 KiB past
 * which the bridge's message to the extension costs the page's thread several times more (the
 * browser moves it through shared memory: ~1–5 ms a message instead of ~0.2 ms, measured).
 * Always within the bridge's bound on one batch (MAX_BATCH_EVENTS).
 */
export const BATCH_BUFFER_EVENTS = 1 << 11;
/**
 * A batch is shipped (in the middle of a task if need be) once its columns and new strings
 * come to this many bytes: a burst of requests brings a new URL with each, and 2 048 events
 * with their URLs went past 64 KiB. Columns alone (51 200 bytes a full buffer) stay under it.
 */
export const MAX_BATCH_BYTES = 60_000;
/** The start-up recording keeps this many buffers, at most, until the extension answers. */
const STARTUP_BUFFERS = 2;
/**
 * A burst above the steady rate, at most: a page that was quiet may record this many events
 * between two flushes (5 000 timers set in one task make ~11 000 by the time they fired).
 * When the buffer fills in the middle of a task, it is shipped there and then as a batch of
 * its own, and recording goes on; the allowance comes back at EVENTS_PER_FLUSH a flush (a
 * token bucket), so the steady rate stays as it was, and every batch within one buffer.
 */
export const BURST_EVENTS = 1 << 16;
/**
 * The flight recorder's flushes while the page records less than a flush's share: each waits
 * twice as long as the one before, up to this. A timer's wake costs a renderer's main thread
 * ~0.2 ms even when the flush has nothing to do (a quiet page with the flight recorder on took
 * ~4.5 ms of CPU a second at one flush per 50 ms). Nothing waits on these flushes: the ring's
 * eviction by age only frees memory, and a page that gets busy fills the recorder's buffer
 * (BATCH_BUFFER_EVENTS) long before its allowance (BURST_EVENTS) runs out, which brings the
 * flushes back to FLUSH_INTERVAL_MS at once (whenFull).
 */
export const QUIET_FLIGHT_FLUSH_MS = 1000;
/** Creation sites taken a batch, at most (~5 000 a second, more in a burst): stacks are costly. */
export const SITES_PER_FLUSH = 256;

/** Give up the start-up recording if the extension has not answered by then. */
export const STARTUP_ANSWER_TIMEOUT_MS = 10_000;

export interface AgentHost {
  hello(): Omit<PageHello, "protocol" | "runtimes" | "bundledRuntimes" | "notRecorded" | "session">;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
  /** The page's native instrumentation (fetch, timers…), fed while a recording asks for it. */
  readonly native?: NativeControl;
  /** This load is recorded from its first script (protocol/recorded-load.ts). */
  readonly recordedLoad?: boolean;
  /** Emits Performance-panel tracks while "Show in Performance panel" is on (performance-tracks.ts). */
  readonly performanceTracks?: Instrument;
}

interface Stream {
  readonly recorder: Recorder;
  /** Numbers the recorders of this document (see PageBatch.stream). */
  readonly id: number;
  /**
   * Subtracted from the recorder's `seq` and `droppedEvents`: a stream made from the flight
   * recorder's ring starts at the window, not where its recorder started.
   */
  seqShift: number;
  droppedShift: number;
}

/**
 * What the flight recorder records: everything a recording does by default, but for the causes
 * `.then` continuations carry (NativeOptions in native/index.ts says why).
 */
const FLIGHT_OPTIONS: RecordingOptions = { creationSites: true, native: true };

type AgentState =
  | { readonly name: "startup"; readonly stream: Stream }
  | { readonly name: "idle" }
  /** The flight recorder is on and nobody records: batches go into the ring (flight-ring.ts). */
  | { readonly name: "flight"; readonly stream: Stream; readonly ring: FlightRing }
  | { readonly name: "recording"; readonly session: string; readonly stream: Stream };

export class PageAgent {
  private state: AgentState;
  private flushTimer: unknown = null;
  /** The delay of the flush scheduled (the flight recorder's grows while the page is quiet). */
  private flushDelay = FLUSH_INTERVAL_MS;
  private startupTimer: unknown = null;
  private bridgeReady = false;
  private lastDropped = 0;
  /** Flushes since the latest batch was shipped (counted, not timed: the agent's timers may be virtual). */
  private flushesSinceShipped = MAX_BATCH_DELAY_MS / FLUSH_INTERVAL_MS;
  private streams = 0;
  private readonly detachers = safeMap<Recorder, () => void>();
  /** aioscope's frames and those of the runtime copies the page bundles: never a creation site. */
  private readonly runtimeFrames = new RuntimeFrames();
  /** What the shipped batches left in flight (the answer to a query). */
  private readonly activity = new PageActivity();
  /** Stops adding the Performance-panel tracks to new runtime copies; null while they are off. */
  private detachTracks: (() => void) | null = null;
  /** Runtime copies the page bundled itself: those that registered after the agent started. */
  private bundledRuntimes = 0;
  /** Creation sites the recorders took, for the live snapshot. */
  private readonly sites = new SiteMemo();
  /** The flight recorder's option for this tab (off by default): the window kept, or null. */
  private flightWindowMs: number | null = null;
  /**
   * Events the recorder may take until the next flush (a flush's worth; up to BURST_EVENTS
   * after a quiet time), and how many it had recorded and dropped at the last flush.
   */
  private allowance = BURST_EVENTS;
  private recordedAtFlush = 0;
  private droppedAtFlush = 0;
  /** Full buffers the start-up recording took, oldest first, until the extension answers. */
  private startupBatches: TraceBatch[] = [];

  constructor(
    private readonly wall: Wall<BridgeToPageMessage, PageEvent>,
    private readonly hook: PageHook,
    private readonly host: AgentHost,
  ) {
    const startup = this.newStream({ creationSites: true, native: true });
    this.state = { name: "startup", stream: startup };
    this.applyNative(startup.recorder, { creationSites: true, native: true }, host.recordedLoad === true ? "requested" : "startup");
    this.startupTimer = host.setTimer(() => this.abandonStartup(), STARTUP_ANSWER_TIMEOUT_MS);
    wall.listen((message) => this.receive(message));
    let replaying = true;
    hook.onRuntime(() => {
      // Called from registerRuntime, so the first frame outside aioscope is the new copy's own
      // instrument module: its frames are never a task's creation site. (The copies replayed
      // as this subscribes registered before the agent: the injected one, aioscope's own.)
      const registeredFrom = replaying ? null : captureSite(this.runtimeFrames);
      if (registeredFrom !== null) this.runtimeFrames.add(registeredFrom.file);
      // Copies registering now came after aioscope's own: the page bundled them.
      if (!replaying) this.bundledRuntimes++;
      // A new runtime copy: the panel shows which copies report.
      if (this.bridgeReady) this.sendHello();
    });
    replaying = false;
    this.sendHello();
  }

  /** Stops recording, whatever the state, and lets go of the runtimes (tests; a page going away). */
  dispose(): void {
    this.showPerformanceTracks(false);
    const state = this.state;
    this.clearStartupTimer();
    this.flightWindowMs = null;
    this.stopFlushing();
    if (state.name === "recording") this.finish(state.stream, state.session);
    else if (state.name === "startup" || state.name === "flight") this.detachRecorder(state.stream.recorder);
    this.state = { name: "idle" };
  }

  /** What the agent is doing, for tests and diagnostics. */
  get stateName(): AgentState["name"] {
    return this.state.name;
  }

  /** The flight recorder's ring, and the drops of its recorder, while it keeps the last seconds (diagnostics, the bench). */
  get flightStats(): (FlightRingStats & { readonly droppedEvents: number }) | null {
    const state = this.state;
    if (state.name !== "flight") return null;
    return { ...state.ring.stats(), droppedEvents: state.stream.recorder.droppedEvents };
  }

  private receive(message: BridgeToPageMessage): void {
    switch (message.kind) {
      case "ready":
        this.bridgeReady = true;
        this.sendHello();
        return;
      case "start":
        this.start(message.data.session, message.data.options, message.data.keepStartup, message.data.fromFlightRecorder === true);
        return;
      case "stop":
        this.stop(message.data.session);
        return;
      case "query":
        this.answer(message.data.session, message.data.id);
        return;
      case "performanceTracks":
        this.showPerformanceTracks(message.data.enabled);
        return;
      case "snapshot":
        this.answerSnapshot(message.data.id);
        return;
      case "cancelTask":
        this.cancelFromDevTools(message.data.task);
        return;
      case "flightRecorder":
        this.setFlightRecorder(message.data.enabled ? message.data.windowMs : null);
        return;
      case "networkTimings": {
        const state = this.state;
        if (state.name === "recording" && state.session === message.data.session) this.host.native?.networkTimings(state.stream.recorder, message.data.timings);
        return;
      }
    }
  }

  /** Every live task of every runtime copy now, recording or not (trace/analysis/snapshot.ts). */
  private answerSnapshot(id: number): void {
    const runtimes = this.hook.runtimes;
    const snapshot = takeSnapshot(runtimes, runtimes.length - this.bundledRuntimes, this.sites.siteOf);
    // A panel opened after the page loaded may never have seen who we are: say it first.
    this.sendHello();
    this.wall.send({ kind: "snapshot", data: { id, snapshot } });
  }

  /**
   * The panel's "Cancel task": the task's copy cancels it with "cancelled from DevTools", and
   * a recording in progress attributes the request to DevTools.
   */
  private cancelFromDevTools(task: number): void {
    const state = this.state;
    const runtimes = this.hook.runtimes;
    const cancelled = state.name === "idle"
      ? cancelLiveTask(runtimes, task)
      : state.stream.recorder.cancelFromOutside(DEVTOOLS_CANCELLER, () => cancelLiveTask(runtimes, task));
    this.wall.send({ kind: "cancelResult", data: { task, cancelled } });
  }

  /**
   * The flight recorder: while on and nobody records, the last `windowMs` of events stay in
   * a ring (flight-ring.ts) until a recording takes them (`start` with fromFlightRecorder).
   * A start-up recording becomes the ring's beginning; a recording in progress goes on, and
   * the ring starts afresh when it stops.
   */
  private setFlightRecorder(windowMs: number | null): void {
    this.flightWindowMs = windowMs;
    const state = this.state;
    if (windowMs === null) {
      if (state.name === "flight") {
        this.detachRecorder(state.stream.recorder);
        this.stopFlushing();
        this.state = { name: "idle" };
      }
      return;
    }
    if (state.name === "flight") {
      state.ring.setWindow(windowMs);
      return;
    }
    if (state.name === "recording") return;
    let stream: Stream;
    const ring = new FlightRing({ ...DEFAULT_FLIGHT_LIMITS, windowMs });
    if (state.name === "startup") {
      this.clearStartupTimer();
      stream = state.stream;
      const startupBatches = this.takeStartupBatches();
      for (let k = 0; k < startupBatches.length; k++) ring.keep(startupBatches[k]!, stream.recorder.now());
    } else {
      stream = this.newStream(FLIGHT_OPTIONS);
    }
    // A start-up recording kept on gains here the dispatch listeners it left out.
    this.applyNative(stream.recorder, FLIGHT_OPTIONS, "flight");
    this.state = { name: "flight", stream, ring };
    this.resetAllowance(stream.recorder);
    this.scheduleFlush();
  }

  /** Flushes what was recorded, then says what is still in flight (for `--until-idle`). */
  private answer(session: string, query: number): void {
    const state = this.state;
    if (state.name !== "recording" || state.session !== session) return;
    this.host.native?.catchUp();
    this.flush(state.stream, session);
    const { pendingTasks, nativeInFlight, recorded } = this.activity;
    this.wall.send({ kind: "status", data: { session, recorded, droppedEvents: this.lastDropped, query, pendingTasks, nativeInFlight } });
  }

  /** Independent of recording: a person records in the Performance panel, not here. */
  private showPerformanceTracks(enabled: boolean): void {
    const tracks = this.host.performanceTracks;
    if (tracks === undefined || enabled === (this.detachTracks !== null)) return;
    if (enabled) {
      this.detachTracks = this.hook.onRuntime((runtime: RegisteredRuntime) => runtime.addInstrument(tracks));
      return;
    }
    this.detachTracks?.();
    this.detachTracks = null;
    const runtimes = this.hook.runtimes;
    for (let k = 0; k < runtimes.length; k++) runtimes[k]!.removeInstrument(tracks);
  }

  private start(session: string, options: RecordingOptions, keepStartup: boolean, fromFlightRecorder: boolean): void {
    const state = this.state;
    if (state.name === "recording" && state.session === session) {
      // A repeat after a reconnect, or the same recording with native instrumentation toggled.
      if (this.applyNative(state.stream.recorder, options, "requested")) this.sendHello();
      return;
    }
    this.clearStartupTimer();
    if (state.name === "recording") this.finish(state.stream, state.session);
    let stream: Stream;
    let startupBatches: TraceBatch[] = [];
    if (state.name === "flight" && fromFlightRecorder) {
      // "Save last 30 s": the ring becomes the start of the session, its recorder goes on.
      stream = this.streamFromRing(state.stream, state.ring, session);
    } else if (state.name === "startup" && keepStartup) {
      // A document loaded into a recording tab (a reload or a navigation): it joins the session
      // with everything it recorded since document_start.
      stream = state.stream;
      stream.recorder.mark("navigation", this.host.hello().url);
      startupBatches = this.takeStartupBatches();
    } else {
      if (state.name === "startup" || state.name === "flight") this.detachRecorder(state.stream.recorder);
      stream = this.newStream(options);
    }
    if (!(state.name === "flight" && fromFlightRecorder)) stream.recorder.mark("recordingStart", session);
    this.applyNative(stream.recorder, options, "requested");
    this.state = { name: "recording", session, stream };
    this.resetAllowance(stream.recorder);
    // A panel opened after the page loaded never saw its first hello: say who we are before
    // the first batch, so the session knows the document's URL and title.
    this.sendHello();
    for (let k = 0; k < startupBatches.length; k++) this.ship(stream, session, startupBatches[k]!);
    this.scheduleFlush();
  }

  private stop(session: string): void {
    const state = this.state;
    if (state.name === "startup") {
      this.clearStartupTimer();
      this.detachRecorder(state.stream.recorder);
      this.state = { name: "idle" };
      return;
    }
    // "" means "this tab is not being recorded": it ends a start-up recording, never a session.
    if (state.name !== "recording" || state.session !== session) return;
    this.finish(state.stream, state.session);
    this.state = { name: "idle" };
    // The flight recorder, if on, starts again with an empty ring.
    if (this.flightWindowMs !== null) this.setFlightRecorder(this.flightWindowMs);
  }

  private finish(stream: Stream, session: string): void {
    stream.recorder.mark("recordingStop", session);
    this.detachRecorder(stream.recorder);
    this.flush(stream, session);
    this.stopFlushing();
  }

  private stopFlushing(): void {
    if (this.flushTimer !== null) this.host.clearTimer(this.flushTimer);
    this.flushTimer = null;
  }

  /**
   * Sends what the ring kept as the first batches of `session`'s new stream, after a
   * `recordingStart` marker at the window's start that says so; the ring's recorder goes on
   * as that stream (its later batches renumbered to follow).
   */
  private streamFromRing(flight: Stream, ring: FlightRing, session: string): Stream {
    const recorder = flight.recorder;
    this.host.native?.catchUp();
    ring.keep(recorder.takeBatch(), recorder.now());
    const taken = ring.take();
    const seconds = mathRound(ring.limits.windowMs / 1000);
    const windowStart = mathMax(0, recorder.now() - ring.limits.windowMs, taken.firstTime ?? 0);
    const stream: Stream = { recorder, id: this.streams++, seqShift: taken.seqShift, droppedShift: taken.droppedShift };
    this.lastDropped = 0;
    this.activity.reset();
    for (let k = 0; k < taken.batches.length; k++) {
      const batch = taken.batches[k]!;
      this.lastDropped = batch.droppedEvents;
      this.activity.feed(batch);
      this.wall.send({ kind: "batch", data: { session, stream: stream.id, batch } });
    }
    recorder.mark("recordingStart", `flight recorder: last ${seconds} s`, {
      at: windowStart, detail: `session ${session}; ${taken.evictedEvents} older events evicted, ${this.lastDropped} dropped in the window`,
    });
    return stream;
  }

  private scheduleFlush(delay = FLUSH_INTERVAL_MS): void {
    if (this.flushTimer !== null) return;
    this.flushDelay = delay;
    this.flushTimer = this.host.setTimer(() => {
      this.flushTimer = null;
      const state = this.state;
      if (state.name !== "flight" && state.name !== "recording") return;
      this.host.native?.catchUp();
      this.refill(state.stream.recorder);
      if (state.name === "recording") {
        this.flushWhenDue(state.stream, state.session);
        this.scheduleFlush();
        return;
      }
      this.keepInRing(state.stream, state.ring);
      // The allowance full again: the page records less than a flush's share (QUIET_FLIGHT_FLUSH_MS).
      this.scheduleFlush(this.allowance >= BURST_EVENTS ? mathMin(2 * this.flushDelay, QUIET_FLIGHT_FLUSH_MS) : FLUSH_INTERVAL_MS);
    }, delay);
  }

  /** A flush put off while the page was quiet comes at the usual interval instead. */
  private flushSoon(): void {
    if (this.flushTimer === null || this.flushDelay <= FLUSH_INTERVAL_MS) return;
    this.host.clearTimer(this.flushTimer);
    this.flushTimer = null;
    this.scheduleFlush();
  }

  /**
   * A flush's share of the allowance comes back, less what was recorded since the last one:
   * the steady rate's, or the flood rate's when the page made more than FLOODING_EVENTS.
   */
  private refill(recorder: Recorder): void {
    const { recorded, droppedEvents } = recorder.stats();
    const made = recorded - this.recordedAtFlush + droppedEvents - this.droppedAtFlush;
    const share = made > FLOODING_EVENTS ? FLOOD_EVENTS_PER_FLUSH : EVENTS_PER_FLUSH;
    this.allowance = mathMin(BURST_EVENTS, this.allowance - (recorded - this.recordedAtFlush) + share);
    this.recordedAtFlush = recorded;
    this.droppedAtFlush = droppedEvents;
  }

  /** A fresh allowance, for a stream that starts being flushed now. */
  private resetAllowance(recorder: Recorder): void {
    const { recorded, droppedEvents } = recorder.stats();
    this.allowance = BURST_EVENTS;
    this.recordedAtFlush = recorded;
    this.droppedAtFlush = droppedEvents;
  }

  /**
   * The recorder's buffer is full (or its batch big: MAX_BATCH_BYTES) in the middle of a task:
   * ship (or keep in the ring) what it holds now, if the allowance covers another buffer's
   * worth, so the burst is recorded whole. Else a full recorder drops events until the next
   * flush, and counts them.
   */
  private whenFull(recorder: Recorder): void {
    const state = this.state;
    if (state.name === "startup" && state.stream.recorder === recorder) {
      // Its batches wait for the extension's answer: only a full buffer is put aside.
      if (recorder.stats().held < recorder.capacity) return;
      if (this.startupBatches.length < STARTUP_BUFFERS - 1) append(this.startupBatches, recorder.takeBatch());
      return;
    }
    if ((state.name !== "recording" && state.name !== "flight") || state.stream.recorder !== recorder) return;
    // Busy again after a quiet spell: the allowance comes back at the usual interval.
    if (state.name === "flight") this.flushSoon();
    const stats = recorder.stats();
    if (stats.recorded - this.recordedAtFlush + recorder.capacity > this.allowance) return;
    if (state.name === "recording") this.flush(state.stream, state.session);
    // The ring's string table is looked at by the next flush (keepInRing), not in the page's task.
    else state.ring.keep(recorder.takeBatch(), recorder.now());
  }

  /** The flight recorder's flush: the batch goes into the ring, the ring evicts what is too old or too much. */
  private keepInRing(stream: Stream, ring: FlightRing): void {
    const recorder = stream.recorder;
    if (recorder.stats().held === 0) {
      // Nothing new (a quiet page): only time moves on.
      ring.evict(recorder.now());
      return;
    }
    ring.keep(recorder.takeBatch(), recorder.now());
    if (!ring.tableFull) return;
    // The strings of evicted time outgrew their share: a fresh recorder, a fresh table.
    this.detachRecorder(recorder);
    ring.clear();
    const fresh = this.newStream(FLIGHT_OPTIONS);
    this.applyNative(fresh.recorder, FLIGHT_OPTIONS, "flight");
    this.state = { name: "flight", stream: fresh, ring };
    this.recordedAtFlush = 0;
    this.droppedAtFlush = 0;
  }

  /** Ships the held events if there are enough of them, or the previous batch went out long enough ago. */
  private flushWhenDue(stream: Stream, session: string): void {
    if (++this.flushesSinceShipped < MAX_BATCH_DELAY_MS / FLUSH_INTERVAL_MS && stream.recorder.stats().held < BATCH_EVENTS_NOW) return;
    this.flush(stream, session);
  }

  private flush(stream: Stream, session: string): void {
    const stats = stream.recorder.stats();
    const dropped = stats.droppedEvents - stream.droppedShift;
    if (stats.held === 0 && dropped === this.lastDropped) return;
    this.lastDropped = dropped;
    this.ship(stream, session, stream.recorder.takeBatch());
  }

  private ship(stream: Stream, session: string, taken: TraceBatch): void {
    let batch = taken;
    if (stream.seqShift !== 0 || stream.droppedShift !== 0) {
      batch = { ...batch, seq: batch.seq - stream.seqShift, droppedEvents: batch.droppedEvents - stream.droppedShift };
    }
    this.activity.feed(batch);
    this.wall.send({ kind: "batch", data: { session, stream: stream.id, batch } });
    this.flushesSinceShipped = 0;
  }

  /** The start-up recording's full buffers, handed over (to a session or the ring) or let go. */
  private takeStartupBatches(): TraceBatch[] {
    const batches = this.startupBatches;
    this.startupBatches = [];
    return batches;
  }

  private abandonStartup(): void {
    this.startupTimer = null;
    if (this.state.name !== "startup") return;
    this.detachRecorder(this.state.stream.recorder);
    this.state = { name: "idle" };
  }

  private clearStartupTimer(): void {
    if (this.startupTimer !== null) this.host.clearTimer(this.startupTimer);
    this.startupTimer = null;
  }

  private sendHello(): void {
    this.wall.send({
      kind: "hello",
      data: {
        protocol: PROTOCOL_VERSION,
        ...this.host.hello(),
        runtimes: this.runtimeVersions(),
        bundledRuntimes: this.bundledListed(),
        notRecorded: this.notRecordedNames(),
        session: this.state.name === "recording" ? this.state.session : null,
        flightRecorder: this.flightWindowMs !== null,
      },
    });
  }

  /** How many of the copies the hello lists (the first 16) the page bundled: the later ones. */
  private bundledListed(): number {
    const total = this.hook.runtimes.length;
    const listed = mathMin(total, 16);
    return listed - mathMin(total - this.bundledRuntimes, listed);
  }

  /** What native instrumentation could not wrap, as the hello carries it (a copy: the list grows). */
  private notRecordedNames(): string[] {
    const names: string[] = [];
    const found = this.host.native?.notRecorded ?? names;
    for (let k = 0; k < found.length; k++) names[k] = found[k]!;
    return names;
  }

  /** Versions of the registered runtime copies, as the hello carries them (at most 16, 32 characters each). */
  private runtimeVersions(): string[] {
    const runtimes = this.hook.runtimes;
    const versions: string[] = [];
    for (let k = 0; k < runtimes.length && k < 16; k++) {
      const version: unknown = runtimes[k]!.version;
      versions[k] = typeof version === "string" ? stringSlice(version, 0, 32) : "?";
    }
    return versions;
  }

  private newStream(options: RecordingOptions): Stream {
    // More than the allowance between two flushes (refill) is overload: dropped and counted.
    const recorder: Recorder = new Recorder({
      capacity: mathMin(BATCH_BUFFER_EVENTS, MAX_BATCH_EVENTS), maxBatchBytes: MAX_BATCH_BYTES, creationSites: options.creationSites, maxSitesPerBatch: SITES_PER_FLUSH,
      internalFrames: this.runtimeFrames, onSite: this.sites.remember, onFull: () => this.whenFull(recorder),
    });
    this.attachRecorder(recorder);
    this.lastDropped = 0;
    this.activity.reset();
    return { recorder, id: this.streams++, seqShift: 0, droppedShift: 0 };
  }

  /** Every runtime copy shares its realm's instrument list, but copies of other versions may not: add to each. */
  private attachRecorder(recorder: Recorder): void {
    withEveryHook(recorder);
    this.detachers.set(recorder, this.hook.onRuntime((runtime: RegisteredRuntime) => runtime.addInstrument(recorder)));
  }

  /**
   * Native instrumentation records into `recorder` when the options ask for it, and is removed
   * otherwise. True when it found functions it could not wrap that the hello has not named yet.
   */
  private applyNative(recorder: Recorder, options: RecordingOptions, recording: NativeRecording): boolean {
    const native = this.host.native;
    if (native === undefined) return false;
    const known = native.notRecorded.length;
    if (options.native) native.attach(recorder, { creationSites: options.creationSites, recording, networkLog: options.networkLog === true });
    else native.detach();
    return native.notRecorded.length > known;
  }

  private detachRecorder(recorder: Recorder): void {
    if (this.state.name === "startup" && this.state.stream.recorder === recorder) this.startupBatches = [];
    this.host.native?.detach(recorder);
    this.detachers.get(recorder)?.();
    this.detachers.delete(recorder);
    const runtimes = this.hook.runtimes;
    for (let k = 0; k < runtimes.length; k++) runtimes[k]!.removeInstrument(recorder);
  }
}
