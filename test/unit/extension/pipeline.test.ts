/**
 * The extension's pipeline in one process: page agents, bridges, the background router and
 * the panel's store, joined by in-memory walls and ports: the real Bridge and Router, with
 * their ports, windows and timers handed in. Chromium runs the same parts end to end
 * (test/e2e/pipeline.test.ts).
 */
import { afterEach, describe, expect, test } from "vitest";
import { run, sleep, createTask, gather, addInstrument, removeInstrument, RUNTIME_VERSION } from "../../../src/runtime/index.ts";
import { pageHook } from "../../../src/content/install-hook.ts";
import { BATCH_BUFFER_EVENTS, BURST_EVENTS, EVENTS_PER_FLUSH, FLOOD_EVENTS_PER_FLUSH, FLOODING_EVENTS, MAX_BATCH_DELAY_MS, PageAgent } from "../../../src/content/page-agent.ts";
import { Router, type RouterPort } from "../../../src/background/router.ts";
import { Bridge, type BridgeHost } from "../../../src/content/bridge-relay.ts";
import type { NetworkLog } from "../../../src/devtools/network-log.ts";
import { RecordingStore } from "../../../src/devtools/recording-store.ts";
import {
  BRIDGE_PORT, BRIDGE_TAG, NETWORK_TIMING_FIELDS, PAGE_TAG, PANEL_PORT,
  type BackgroundToPanelMessage, type BridgeToPageMessage, type NetworkEntry, type NetworkTimings, type PageEvent,
  type PanelToBackgroundMessage, type Wall,
} from "../../../src/protocol/messages.ts";
import type { Trace } from "../../../src/trace/model.ts";
import type { NativeControl, NativeOptions } from "../../../src/content/native/index.ts";
import type { Recorder } from "../../../src/trace/recorder.ts";

// The test realm's runtime registers with the hook as a page's would.
if (pageHook.runtimes.length === 0) pageHook.registerRuntime({ version: RUNTIME_VERSION, addInstrument, removeInstrument });

const PANEL_URL = "chrome-extension://aioscope/src/devtools/panel.html";

/** Runs queued timers in order when asked; nothing runs on its own. */
class ManualTimers {
  private queue: { at: number; callback: () => void; id: number }[] = [];
  private now = 0;
  private ids = 0;
  set = (callback: () => void, ms: number): number => {
    const id = ++this.ids;
    this.queue.push({ at: this.now + ms, callback, id });
    return id;
  };
  clear = (id: unknown): void => {
    this.queue = this.queue.filter((t) => t.id !== id);
  };
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (next === undefined || next.at > until) break;
      this.queue.shift();
      this.now = next.at;
      next.callback();
    }
    this.now = until;
  }
}

/** One end of an in-memory runtime port; messages are cloned, as the browser does. */
class FakePort implements RouterPort {
  peer: FakePort | null = null;
  private open = true;
  private readonly messageListeners: ((message: unknown) => void)[] = [];
  private readonly disconnectListeners: (() => void)[] = [];
  readonly onMessage = { addListener: (listener: (message: unknown) => void) => void this.messageListeners.push(listener) };
  readonly onDisconnect = { addListener: (listener: () => void) => void this.disconnectListeners.push(listener) };

  constructor(readonly name: string, readonly sender?: RouterPort["sender"]) {}

  postMessage(message: unknown): void {
    if (!this.open) throw new Error("Attempting to use a disconnected port object");
    this.peer!.deliver(structuredClone(message));
  }

  /** As in Chrome, only the other end hears about a disconnect. */
  disconnect(): void {
    if (!this.open) return;
    this.open = false;
    this.peer!.peerDisconnected();
  }

  private deliver(message: unknown): void {
    if (this.open) for (const listener of this.messageListeners) listener(message);
  }

  private peerDisconnected(): void {
    if (!this.open) return;
    this.open = false;
    for (const listener of this.disconnectListeners) listener();
  }
}

/** Both ends of a port: [the connecting side, the worker's side]. */
function portPair(name: string, sender?: RouterPort["sender"]): [FakePort, FakePort] {
  const client = new FakePort(name);
  const worker = new FakePort(name, sender);
  client.peer = worker;
  worker.peer = client;
  return [client, worker];
}

/**
 * The private channel between agent and bridge, in memory: messages are cloned, and wait in
 * the channel until its other end listens, as a MessagePort's do until it is started.
 */
function privateChannel(): { agentSide: Wall<BridgeToPageMessage, PageEvent>; bridgeSide: Wall<unknown, BridgeToPageMessage> } {
  function end<In, Out>(inbox: unknown[], outbox: unknown[], peer: { listener: ((m: unknown) => void) | null }, self: { listener: ((m: unknown) => void) | null }): Wall<In, Out> {
    return {
      listen(listener) {
        self.listener = listener as (m: unknown) => void;
        for (const message of inbox.splice(0)) self.listener(message);
        return () => { self.listener = null; };
      },
      send(message) {
        const copy = structuredClone(message);
        if (peer.listener === null) outbox.push(copy);
        else peer.listener(copy);
      },
    };
  }
  const toAgent: unknown[] = [];
  const toBridge: unknown[] = [];
  const agent = { listener: null as ((m: unknown) => void) | null };
  const bridge = { listener: null as ((m: unknown) => void) | null };
  return {
    agentSide: end<BridgeToPageMessage, PageEvent>(toAgent, toBridge, bridge, agent),
    bridgeSide: end<unknown, BridgeToPageMessage>(toBridge, toAgent, agent, bridge),
  };
}

/** A background worker that can be stopped and started again, as the browser does. */
class World {
  router = new Router({ setTimer: (callback, ms) => void this.timers.set(callback, ms), panelUrl: PANEL_URL });
  readonly timers = new ManualTimers();
  private readonly livePorts: RouterPort[] = [];
  private documents = 0;

  connect(name: string, sender?: RouterPort["sender"]): RouterPort {
    const [client, worker] = portPair(name, sender);
    this.livePorts.push(worker);
    this.router.connect(worker);
    return client;
  }

  /** The worker is stopped: every port drops, the next connect starts a fresh router. */
  restartWorker(): void {
    for (const port of this.livePorts.splice(0)) port.disconnect();
    this.router = new Router({ setTimer: (callback, ms) => void this.timers.set(callback, ms), panelUrl: PANEL_URL });
  }

  openPage(tabId: number, native?: NativeControl, frame?: BridgeHost["frame"]): { bridge: Bridge; agent: PageAgent; window: EventTarget } {
    const documentId = `doc-${++this.documents}`;
    // The page's window, where a page script can post whatever it likes.
    const window = new EventTarget();
    // As in the browser: the bridge runs first, then the agent, which hands it the channel.
    const bridge = new Bridge({
      connect: () => this.connect(BRIDGE_PORT, { tab: { id: tabId }, frameId: 0, documentId }),
      setTimer: (callback, ms) => void this.timers.set(callback, ms),
      window,
      frame,
    });
    const channel = privateChannel();
    bridge.attachPage(channel.bridgeSide);
    const agent = new PageAgent(channel.agentSide, pageHook, {
      hello: () => ({ url: `https://tab${tabId}.test/`, title: "t", userAgent: "node", timeOrigin: 1_700_000_000_000, isTopFrame: true }),
      setTimer: this.timers.set,
      clearTimer: this.timers.clear,
      native,
    });
    return { bridge, agent, window };
  }

  openPanel(
    tabId: number, sender: RouterPort["sender"] = { url: PANEL_URL }, maxSessionEvents?: number, networkLog?: NetworkLog,
  ): { store: RecordingStore; reconnect(): void; close(): void } {
    let port: RouterPort | null = null;
    const listeners = new Set<(m: BackgroundToPanelMessage) => void>();
    const connect = (): void => {
      port = this.connect(PANEL_PORT, sender);
      port.onMessage.addListener((m) => { for (const l of listeners) l(m as BackgroundToPanelMessage); });
    };
    connect();
    const wall: Wall<BackgroundToPanelMessage, PanelToBackgroundMessage> = {
      listen: (l) => { listeners.add(l); return () => listeners.delete(l); },
      send: (m) => {
        try {
          port?.postMessage(m);
        } catch {
          // Closed by the router: as the real panel's wall, the message waits for a reconnect.
        }
      },
    };
    let sessions = 0;
    const store = new RecordingStore(tabId, wall, { newSessionId: () => `session-${tabId}-${++sessions}`, reloadPage: () => {}, maxSessionEvents, networkLog });
    store.attach();
    return { store, reconnect: () => { connect(); store.attach(); }, close: () => port?.disconnect() };
  }
}

/** The session as readable lines: task name and outcome, in creation order. */
function tasksOf(trace: Trace | null): string[] {
  return trace?.tasks.map((t) => `${t.name} ${t.outcome}`) ?? [];
}

function* jobs(prefix: string, n: number): Generator<unknown, void, unknown> {
  const tasks = [];
  for (let k = 0; k < n; k++) tasks.push(createTask(function* () { yield* sleep(1); }, { name: `${prefix}-${k}` }));
  yield* gather(tasks);
}

const agents: PageAgent[] = [];
afterEach(() => {
  // Agents attach recorders to the realm's runtime: stop them between tests.
  for (const agent of agents.splice(0)) agent.dispose();
});

describe("the pipeline from page agent to panel store", () => {
  test("a page nobody records drops its start-up recording as soon as the extension answers", () => {
    const world = new World();
    const { agent } = world.openPage(1);
    agents.push(agent);
    expect(agent.stateName).toBe("idle");
  });

  test("a recording delivers every task of the page to the panel", async () => {
    const world = new World();
    const { store } = world.openPanel(1);
    const { agent } = world.openPage(1);
    agents.push(agent);
    store.record();
    expect(agent.stateName).toBe("recording");
    await run(() => jobs("job", 3), { clock: "virtual", name: "main" });
    world.timers.advance(100); // the agent's flush
    expect(tasksOf(store.trace())).toEqual(["main done", "job-0 done", "job-1 done", "job-2 done"]);
    expect(store.snapshot().problems).toEqual([]);
  });

  test("what the page froze before a recording could wrap it reaches the session's source, also when found later", async () => {
    // Native instrumentation on a page that froze what each attach wants: a name more at each.
    const frozen = ["Promise.prototype.then", "fetch"];
    const notRecorded: string[] = [];
    const native: NativeControl = {
      notRecorded,
      attach: () => void (notRecorded.length < frozen.length && notRecorded.push(frozen[notRecorded.length]!)),
      detach: () => {},
      catchUp: () => {},
      networkTimings: () => {},
    };
    const world = new World();
    const { store } = world.openPanel(1);
    const { agent } = world.openPage(1, native);
    agents.push(agent);
    expect(notRecorded).toEqual(["Promise.prototype.then"]); // the start-up recording's attach
    store.record();
    await run(() => jobs("job", 1), { clock: "virtual", name: "main" });
    world.timers.advance(100);
    expect(store.trace()!.sources.map((source) => source.notRecorded)).toEqual([["Promise.prototype.then", "fetch"]]);
    // Native off and on again in the same recording: what the new attach could not wrap is said too.
    store.setNativeInstrumentation(false);
    store.setNativeInstrumentation(true);
    expect(notRecorded).toEqual(["Promise.prototype.then", "fetch"]);
    frozen.push("setTimeout");
    store.setNativeInstrumentation(false);
    store.setNativeInstrumentation(true);
    world.timers.advance(100);
    expect(store.trace()!.sources.map((source) => source.notRecorded)).toEqual([["Promise.prototype.then", "fetch", "setTimeout"]]);
    expect(store.snapshot().problems).toEqual([]);
  });

  test("a worker restart between batches loses and repeats nothing", async () => {
    const world = new World();
    const panel = world.openPanel(1);
    const { bridge, agent } = world.openPage(1);
    agents.push(agent);
    panel.store.record();
    await run(() => jobs("early", 2), { clock: "virtual", name: "first" });
    world.timers.advance(60);
    world.restartWorker();
    // Batches made while nothing is connected stay with the bridge.
    await run(() => jobs("late", 2), { clock: "virtual", name: "second" });
    // A small batch right after another waits for the agent's longest delay.
    world.timers.advance(MAX_BATCH_DELAY_MS);
    expect(bridge.retainedByteCount).toBeGreaterThan(0);
    panel.reconnect();
    world.timers.advance(60);
    expect(tasksOf(panel.store.trace())).toEqual(["first done", "early-0 done", "early-1 done", "second done", "late-0 done", "late-1 done"]);
    // One recorder throughout: the page was never told to stop and start again.
    expect(panel.store.trace()!.sources).toHaveLength(1);
    expect(bridge.retainedByteCount).toBe(0);
    // The grace period passes with the panel back: the page keeps recording.
    world.timers.advance(10_000);
    expect(agent.stateName).toBe("recording");
  });

  test("a panel that goes away for good stops its pages after the grace period", () => {
    const world = new World();
    const panel = world.openPanel(1);
    const { agent } = world.openPage(1);
    agents.push(agent);
    panel.store.record();
    expect(agent.stateName).toBe("recording");
    // DevTools closes: the panel's port disconnects while the worker lives on.
    panel.close();
    world.timers.advance(1000);
    expect(agent.stateName).toBe("recording");
    world.timers.advance(10_000);
    expect(agent.stateName).toBe("idle");
  });

  test("two tabs recording at once each see only their own page", async () => {
    const world = new World();
    const left = world.openPanel(1);
    const right = world.openPanel(2);
    const a = world.openPage(1);
    agents.push(a.agent);
    left.store.record();
    await run(() => jobs("left", 1), { clock: "virtual", name: "left-main" });
    world.timers.advance(60);
    left.store.stop();
    expect(a.agent.stateName).toBe("idle");
    const b = world.openPage(2);
    agents.push(b.agent);
    right.store.record();
    await run(() => jobs("right", 1), { clock: "virtual", name: "right-main" });
    world.timers.advance(60);
    expect(tasksOf(left.store.trace())).toEqual(["left-main done", "left-0 done"]);
    expect(tasksOf(right.store.trace())).toEqual(["right-main done", "right-0 done"]);
  });
});

describe("request timings from DevTools' network log", () => {
  const TIME_ORIGIN = 1_700_000_000_000;
  const entry = (url: string, type: NetworkEntry["type"], startedAt: number, timingAllowOrigin: string | null = null): NetworkEntry => ({
    url, type, startedAt, duration: 30, blocked: 4, dns: -1, connect: -1, send: 0.5, wait: 20, receive: 5.5,
    status: 200, transferSize: 300, bodySize: 100, decodedSize: 120, timingAllowOrigin,
  });

  test("a recording from a panel with the log asks the page not to observe, and passes it each frame's share", () => {
    const attached: NativeOptions[] = [];
    const received: { recorder: Recorder; timings: NetworkTimings }[] = [];
    const native: NativeControl = {
      notRecorded: [],
      attach: (_recorder, options) => void attached.push(options),
      detach: () => {},
      catchUp: () => {},
      networkTimings: (recorder, timings) => void received.push({ recorder, timings }),
    };
    let passOn: ((entries: readonly NetworkEntry[]) => void) | null = null;
    let stops = 0;
    const networkLog: NetworkLog = {
      listen(listener) {
        passOn = listener;
        return () => { passOn = null; stops++; };
      },
    };
    const world = new World();
    const { store } = world.openPanel(1, undefined, undefined, networkLog);
    const { agent } = world.openPage(1, native, { origin: "https://tab1.test", timeOrigin: TIME_ORIGIN });
    agents.push(agent);
    expect(passOn).toBeNull(); // nothing is asked of DevTools until a recording starts
    store.record();
    expect(attached.at(-1)).toMatchObject({ recording: "requested", networkLog: true });
    passOn!([
      entry("https://tab1.test/data", "request", TIME_ORIGIN + 250.5),
      entry("https://cdn.test/other", "request", TIME_ORIGIN + 260),
      entry("https://cdn.test/lib.js", "script", TIME_ORIGIN + 270),
      entry("https://api.test/open", "request", TIME_ORIGIN + 280, "https://elsewhere.test, https://tab1.test"),
    ]);
    expect(received).toHaveLength(1);
    const { timings } = received[0]!;
    // Another origin's request is left out; its script keeps URL, start and duration only.
    expect(timings.urls).toEqual(["https://tab1.test/data", "https://cdn.test/lib.js", "https://api.test/open"]);
    const row = (k: number): number[] => Array.from(timings.values.subarray(k * NETWORK_TIMING_FIELDS.length, (k + 1) * NETWORK_TIMING_FIELDS.length));
    expect(row(0)).toEqual([0, 250.5, 30, 4, -1, -1, 0.5, 20, 5.5, 200, 300, 100, 120]);
    expect(row(1)).toEqual([1, 270, 30, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]);
    expect(row(2).slice(0, 4)).toEqual([0, 280, 30, 4]);
    // With the "Native" box unticked the pages record no requests: the log is not read then.
    store.setNativeInstrumentation(false);
    expect(stops).toBe(1);
    expect(passOn).toBeNull();
    store.setNativeInstrumentation(true);
    expect(passOn).not.toBeNull();
    store.stop();
    expect(stops).toBe(2);
    expect(passOn).toBeNull();
    store.setNativeInstrumentation(false);
    store.record();
    expect(passOn).toBeNull();
  });

  test("a panel without the log (a panel opened as a tab, Firefox's DevTools) leaves the page its observer", () => {
    const attached: NativeOptions[] = [];
    const native: NativeControl = {
      notRecorded: [], attach: (_recorder, options) => void attached.push(options), detach: () => {}, catchUp: () => {}, networkTimings: () => {},
    };
    const world = new World();
    const { store } = world.openPanel(1);
    const { agent } = world.openPage(1, native, { origin: "https://tab1.test", timeOrigin: TIME_ORIGIN });
    agents.push(agent);
    store.record();
    expect(attached.at(-1)).toMatchObject({ recording: "requested", networkLog: false });
  });
});

describe("the session's description", () => {
  test("the recorded page's URL and user agent come from its top frame", async () => {
    const world = new World();
    const { store } = world.openPanel(7);
    const { agent } = world.openPage(7);
    agents.push(agent);
    store.record();
    await run(() => jobs("job", 1), { clock: "virtual", name: "main" });
    world.timers.advance(60);
    const metadata = store.trace()!.metadata;
    expect([metadata.url, metadata.title, metadata.userAgent]).toEqual(["https://tab7.test/", "t", "node"]);
  });
});

describe("what a page cannot do to the pipeline", () => {
  test("a second channel offer is ignored, counted, and the count reaches the panel", async () => {
    const world = new World();
    const { store } = world.openPanel(1);
    const { bridge, agent, window } = world.openPage(1);
    agents.push(agent);
    store.record();
    // A page script dispatching its own offer: it would speak for the agent if accepted.
    const forged = privateChannel();
    bridge.attachPage(forged.bridgeSide);
    forged.agentSide.send({ kind: "stop", data: { session: store.snapshot().session! } } as unknown as PageEvent);
    // Window messages wearing our tags (the envelopes of old) reach nobody and are counted;
    // the page's own messages are none of the bridge's business.
    const session = store.snapshot().session!;
    window.dispatchEvent(new MessageEvent("message", { data: { tag: BRIDGE_TAG, message: { kind: "stop", data: { session } } } }));
    window.dispatchEvent(new MessageEvent("message", { data: { tag: PAGE_TAG, message: { kind: "hello", data: {} } } }));
    window.dispatchEvent(new MessageEvent("message", { data: { tag: "the page's own", kind: "stop" } }));
    window.dispatchEvent(new MessageEvent("message", { data: "stop" }));
    world.timers.advance(300);
    expect(bridge.forgedCount).toBe(3);
    expect(store.snapshot().forged).toBe(3);
    expect(agent.stateName).toBe("recording");
    await run(() => jobs("after", 1), { clock: "virtual", name: "main" });
    world.timers.advance(100);
    expect(tasksOf(store.trace())).toEqual(["main done", "after-0 done"]);
  });

  test("a port named as the panel but opened by a content script reaches no tab", () => {
    const world = new World();
    const { agent } = world.openPage(1);
    agents.push(agent);
    // A content script's sender is the page it runs in: content scripts never run in extension pages.
    const impostor = world.openPanel(1, { tab: { id: 1 }, frameId: 0, url: "https://page.test/" });
    impostor.store.record();
    expect(agent.stateName).toBe("idle");
  });

  test("the panel of a DevTools window undocked into a tab of its own is the panel", () => {
    const world = new World();
    const { agent } = world.openPage(1);
    agents.push(agent);
    const undocked = world.openPanel(1, { tab: { id: 7 }, frameId: 0, url: PANEL_URL });
    undocked.store.record();
    expect(agent.stateName).toBe("recording");
  });

  test("a panel port attached to one tab cannot move to another", async () => {
    const world = new World();
    const { store } = world.openPanel(1);
    const other = world.openPage(2);
    agents.push(other.agent);
    store.attach();
    // The same port claims tab 2 now: the router closes it rather than follow.
    (store as unknown as { tabId: number }).tabId = 2;
    store.attach();
    store.record();
    expect(other.agent.stateName).toBe("idle");
  });
});

describe("overload", () => {
  async function recordJobs(maxSessionEvents?: number): Promise<{ events: number; dropped: number; traceDropped: number }> {
    const world = new World();
    const { store } = world.openPanel(1, { url: PANEL_URL }, maxSessionEvents);
    const { agent } = world.openPage(1);
    agents.push(agent);
    store.record();
    for (let round = 0; round < 4; round++) {
      await run(() => jobs(`r${round}`, 10), { clock: "virtual", name: `main-${round}` });
      world.timers.advance(60);
    }
    agent.dispose();
    world.timers.advance(60);
    const snapshot = store.snapshot();
    return { events: snapshot.events, dropped: snapshot.droppedEvents, traceDropped: store.trace()!.droppedEvents };
  }

  /**
   * A recording of waves of tasks, each run in one go (no flush in between) and followed by
   * `msAfter` of quiet (a flush every 50 ms): what each wave delivered, and what was dropped.
   */
  async function recordWaves(waves: readonly { tasks: number; msAfter: number }[]): Promise<{ events: number[]; total: number; dropped: number; traceDropped: number; batches: number; tasks: string[] }> {
    const world = new World();
    const { store } = world.openPanel(1, { url: PANEL_URL });
    const { agent, bridge } = world.openPage(1);
    agents.push(agent);
    let batches = 0;
    // The batches the bridge received (it keeps each until the panel acknowledges it).
    const spy = bridge as unknown as { retain(batch: unknown): void };
    const retain = spy.retain.bind(bridge);
    spy.retain = (batch: unknown) => {
      batches++;
      retain(batch);
    };
    store.record();
    world.timers.advance(MAX_BATCH_DELAY_MS); // the recordingStart marker goes out; the page is quiet
    const start = store.snapshot().events;
    const events: number[] = [];
    for (const wave of waves) {
      const before = store.snapshot().events;
      await run(() => jobs(`w${events.length}`, wave.tasks), { clock: "virtual", name: `wave-${events.length}` });
      world.timers.advance(wave.msAfter);
      events.push(store.snapshot().events - before);
    }
    world.timers.advance(MAX_BATCH_DELAY_MS); // the last held events go out
    const total = store.snapshot().events - start;
    agent.dispose();
    world.timers.advance(60);
    const snapshot = store.snapshot();
    return { events, total, dropped: snapshot.droppedEvents, traceDropped: store.trace()!.droppedEvents, batches, tasks: tasksOf(store.trace()) };
  }

  /**
   * Events a wave of n tasks makes, about: fixed + perTask × n (measured from two waves recorded
   * whole, alone; timers that fire together make a few events fewer, so not to the event).
   */
  async function waveEvents(): Promise<{ perTask: number; of(tasks: number): number; within(events: number): number }> {
    const one = async (tasks: number): Promise<number> => {
      const { total, dropped } = await recordWaves([{ tasks, msAfter: 250 }]);
      expect(dropped).toBe(0);
      return total;
    };
    const [a, b] = [await one(1000), await one(2000)];
    const perTask = (b - a) / 1000;
    const fixed = a - 1000 * perTask;
    return {
      perTask,
      of: (tasks) => (tasks === 0 ? 0 : fixed + perTask * tasks),
      // The most tasks a wave may have to make at most `events`.
      within: (events) => Math.floor((events - fixed) / perTask),
    };
  }

  test("a burst past the recorder's buffer in one task goes out as several batches, and nothing is dropped", async () => {
    // Three flushes' worth of events in one task: past the steady rate, within a burst.
    const made = await waveEvents();
    const count = made.within(3 * EVENTS_PER_FLUSH);
    const { events, dropped, batches, tasks } = await recordWaves([{ tasks: count, msAfter: 250 }]);
    expect(events[0]).toBeGreaterThan(2 * EVENTS_PER_FLUSH);
    expect(events[0]).toBeLessThan(BURST_EVENTS);
    expect(dropped).toBe(0);
    expect(batches).toBeGreaterThan(10);
    expect(tasks.filter((t) => t.endsWith(" done"))).toHaveLength(count + 1);
  });

  test("a page that makes up to the steady rate a flush, for longer than a burst lasts, loses nothing", async () => {
    const made = await waveEvents();
    const tasks = made.within(0.9 * EVENTS_PER_FLUSH);
    const { total, dropped } = await recordWaves(Array.from({ length: 12 }, () => ({ tasks, msAfter: 50 })));
    expect(total).toBeGreaterThan(0.98 * 12 * made.of(tasks));
    expect(total).toBeGreaterThan(2 * BURST_EVENTS);
    expect(dropped).toBe(0);
  });

  test("a flood is dropped and counted: past the burst allowance, a flush gives back only the flood rate while it lasts, and the steady rate after it", async () => {
    const made = await waveEvents();
    const flood = Math.ceil((2 * FLOODING_EVENTS) / made.perTask);
    const steady = made.within(0.9 * EVENTS_PER_FLUSH);
    const waves = [
      ...Array.from({ length: 6 }, () => ({ tasks: flood, msAfter: 50 })),
      { tasks: 0, msAfter: 250 },
      { tasks: steady, msAfter: 250 },
    ];
    const { events, total, dropped, traceDropped } = await recordWaves(waves);
    // The first wave: the burst allowance (and the buffer's worth it began with) is recorded.
    expect(events[0]).toBeGreaterThan(BURST_EVENTS - EVENTS_PER_FLUSH);
    expect(events[0]).toBeLessThanOrEqual(BURST_EVENTS + BATCH_BUFFER_EVENTS);
    // Each later wave of the flood: what one flush gave back at the flood rate, and a buffer's worth.
    for (const k of [2, 3, 4, 5]) {
      expect(events[k]).toBeGreaterThan(0);
      expect(events[k]).toBeLessThanOrEqual(FLOOD_EVENTS_PER_FLUSH + BATCH_BUFFER_EVENTS);
    }
    // Every event made is delivered or counted as dropped, in the panel and the trace — creation
    // sites aside: a spawn that finds no room takes none (a stack is costly), and no site is
    // counted, so the waves recorded whole, sites and all, made a few percent more.
    const all = waves.reduce((sum, wave) => sum + made.of(wave.tasks), 0);
    expect(total + dropped).toBeGreaterThan(0.9 * all);
    expect(total + dropped).toBeLessThan(1.02 * all);
    expect(traceDropped).toBe(dropped);
    // After the flood, a wave within the steady rate is recorded whole.
    expect(events[7]).toBeGreaterThan(0.98 * made.of(steady));
  });

  test("a full session sheds whole batches and counts every event it shed, in the panel and the trace", async () => {
    const all = await recordJobs();
    expect(all.dropped).toBe(0);
    const capped = await recordJobs(all.events >> 1);
    expect(capped.events).toBeLessThanOrEqual(all.events >> 1);
    expect(capped.events).toBeGreaterThan(0);
    expect(capped.events + capped.dropped).toBe(all.events);
    expect(capped.traceDropped).toBe(capped.dropped);
  });
});
