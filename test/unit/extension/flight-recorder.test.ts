/**
 * The flight recorder in the page agent and the router: with the option on and nobody
 * recording, the agent keeps its batches in the ring instead of sending them; "Save last 30 s"
 * (a start from the flight recorder) sends what the ring kept as a normal stream, marked at
 * its start, and the router keeps the option for the tab without a panel and hands it to new
 * documents before telling them nobody records.
 */
import { describe, expect, test } from "vitest";
import { run, sleep, createTask, gather, addInstrument, removeInstrument, RUNTIME_VERSION } from "../../../src/runtime/index.ts";
import { pageHook } from "../../../src/content/install-hook.ts";
import { BATCH_BUFFER_EVENTS, FLUSH_INTERVAL_MS, PageAgent, QUIET_FLIGHT_FLUSH_MS } from "../../../src/content/page-agent.ts";
import { Router, type RouterPort } from "../../../src/background/router.ts";
import {
  BRIDGE_PORT, PANEL_PORT, PROTOCOL_VERSION,
  type BridgeToPageMessage, type PageEvent, type PageHello, type Wall,
} from "../../../src/protocol/messages.ts";
import { checkBridgeMessage } from "../../../src/protocol/validate.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";

if (pageHook.runtimes.length === 0) pageHook.registerRuntime({ version: RUNTIME_VERSION, addInstrument, removeInstrument });

/** Timers that run only when the test says so. */
function manualTimers() {
  let queue: { callback: () => void; id: number; ms: number }[] = [];
  let ids = 0;
  return {
    set: (callback: () => void, ms: number): number => {
      queue.push({ callback, id: ++ids, ms });
      return ids;
    },
    /** The delays of the timers set and not yet run. */
    pending: (): number[] => queue.map((t) => t.ms),
    clear: (id: unknown): void => {
      queue = queue.filter((t) => t.id !== id);
    },
    /** Runs the timers due now (each flush re-arms itself once). */
    tick(): void {
      const due = queue;
      queue = [];
      for (const t of due) t.callback();
    },
  };
}

function agentWithWall() {
  const sent: PageEvent[] = [];
  let toAgent: (message: BridgeToPageMessage) => void = () => {};
  const wall: Wall<BridgeToPageMessage, PageEvent> = {
    listen: (listener) => {
      toAgent = listener;
      return () => {};
    },
    send: (message) => void sent.push(structuredClone(message)),
  };
  const timers = manualTimers();
  const agent = new PageAgent(wall, pageHook, {
    hello: () => ({ url: "https://app.test/", title: "app", userAgent: "node", timeOrigin: 1_700_000_000_000, isTopFrame: true }),
    setTimer: timers.set,
    clearTimer: timers.clear,
  });
  /** Commands go through the page's own check, as over the private channel. */
  const command = (message: unknown): void => {
    const checked = checkBridgeMessage(message);
    if (!checked.ok) throw new Error(checked.reason);
    toAgent(checked.value);
  };
  return { agent, sent, timers, command };
}

async function work(name: string): Promise<void> {
  await run(function* main() {
    yield* gather([0, 1, 2].map((k) => createTask(function* step() {
      yield* sleep(0);
    }, { name: `${name} ${k}` })));
  }, { name });
}

function batchesOf(sent: PageEvent[], session: string) {
  return sent.flatMap((m) => (m.kind === "batch" && m.data.session === session ? [m.data] : []));
}

describe("the flight recorder", () => {
  test("keeps the page's events while nobody records; saving sends them as a stream marked at its start", async () => {
    const { agent, sent, timers, command } = agentWithWall();
    command({ kind: "ready", data: { protocol: PROTOCOL_VERSION } });
    command({ kind: "flightRecorder", data: { enabled: true, windowMs: 30_000 } });
    // The start-up recording became the ring; the "nobody records" answer does not end it.
    command({ kind: "stop", data: { session: "" } });
    expect(agent.stateName).toBe("flight");

    await work("before");
    timers.tick();
    await work("later");
    timers.tick();
    expect(sent.filter((m) => m.kind === "batch")).toEqual([]);

    command({ kind: "start", data: { session: "s1", options: { creationSites: true, native: true }, keepStartup: false, fromFlightRecorder: true } });
    expect(agent.stateName).toBe("recording");
    await work("after the save");
    command({ kind: "stop", data: { session: "s1" } });
    // It goes back to keeping the last 30 s.
    expect(agent.stateName).toBe("flight");

    const batches = batchesOf(sent, "s1");
    expect(new Set(batches.map((b) => b.stream)).size).toBe(1);
    const builder = new SessionBuilder();
    for (const { batch } of batches) expect(builder.append(batch)).toEqual({ ok: true });
    const trace = builder.trace();
    const names = trace.tasks.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["before", "before 0", "later 2", "after the save"]));
    expect(names.indexOf("before")).toBeLessThan(names.indexOf("later"));
    const start = trace.markers.find((m) => m.kind === "recordingStart")!;
    expect(start.label).toBe("flight recorder: last 30 s");
    expect(start.detail).toMatch(/^session s1; 0 older events evicted, 0 dropped in the window$/);
    expect(trace.markers.map((m) => m.kind)).toContain("recordingStop");
    // The window starts no later than the first task kept.
    expect(start.time).toBeLessThanOrEqual(trace.tasks.find((t) => t.name === "before")!.created);
    agent.dispose();
  });

  test("wakes a quiet page less and less often, and a busy one at the usual interval again, losing nothing", async () => {
    const { agent, sent, timers, command } = agentWithWall();
    command({ kind: "ready", data: { protocol: PROTOCOL_VERSION } });
    command({ kind: "flightRecorder", data: { enabled: true, windowMs: 30_000 } });
    command({ kind: "stop", data: { session: "" } });
    expect(timers.pending()).toEqual([FLUSH_INTERVAL_MS]);
    const delays: number[] = [];
    for (let k = 0; k < 7; k++) {
      timers.tick();
      delays.push(...timers.pending());
    }
    expect(delays).toEqual([100, 200, 400, 800, QUIET_FLIGHT_FLUSH_MS, QUIET_FLIGHT_FLUSH_MS, QUIET_FLIGHT_FLUSH_MS]);
    // A trickle (a few tasks) changes nothing; a burst that fills the recorder's buffer brings
    // the flush back at once, in the page's task, before the put-off one would have come.
    await work("trickle");
    expect(timers.pending()).toEqual([QUIET_FLIGHT_FLUSH_MS]);
    const tasks = Math.ceil(BATCH_BUFFER_EVENTS / 4);
    await run(function* burst() {
      yield* gather(Array.from({ length: tasks }, (_, k) => createTask(function* step() {
        yield* sleep(0);
      }, { name: `burst ${k}` })));
    }, { name: "burst" });
    expect(timers.pending()).toEqual([FLUSH_INTERVAL_MS]);
    // Within a flush's share, so quiet again from there.
    timers.tick();
    expect(timers.pending()).toEqual([2 * FLUSH_INTERVAL_MS]);

    command({ kind: "start", data: { session: "s3", options: { creationSites: true, native: true }, keepStartup: false, fromFlightRecorder: true } });
    command({ kind: "stop", data: { session: "s3" } });
    const builder = new SessionBuilder();
    for (const { batch } of batchesOf(sent, "s3")) expect(builder.append(batch)).toEqual({ ok: true });
    const trace = builder.trace();
    expect(trace.droppedEvents).toBe(0);
    expect(trace.tasks.filter((t) => t.name.startsWith("burst ")).length).toBe(tasks);
    expect(trace.tasks.map((t) => t.name)).toContain("trickle 2");
    agent.dispose();
  });

  test("evicts what is older than the window, and says how much", async () => {
    const { agent, sent, timers, command } = agentWithWall();
    command({ kind: "ready", data: { protocol: PROTOCOL_VERSION } });
    command({ kind: "flightRecorder", data: { enabled: true, windowMs: 20 } });
    await work("old");
    timers.tick();
    // Let the window pass (a page's own time), then new work.
    const since = performance.now();
    await run(function* wait() {
      while (performance.now() - since < 60) yield* sleep(5);
    }, { name: "waiting" });
    timers.tick();
    await work("new");
    timers.tick();
    command({ kind: "start", data: { session: "s2", options: { creationSites: true, native: true }, keepStartup: false, fromFlightRecorder: true } });
    command({ kind: "stop", data: { session: "s2" } });
    const builder = new SessionBuilder();
    for (const { batch } of batchesOf(sent, "s2")) expect(builder.append(batch)).toEqual({ ok: true });
    const trace = builder.trace();
    const names = trace.tasks.map((t) => t.name);
    expect(names).toContain("new");
    expect(names).not.toContain("old 0");
    const start = trace.markers.find((m) => m.kind === "recordingStart")!;
    const evicted = Number(/; (\d+) older events evicted/.exec(start.detail ?? "")![1]);
    expect(evicted).toBeGreaterThan(0);
    agent.dispose();
  });

  test("turned off, it keeps nothing and a save has nothing from before", async () => {
    const { agent, sent, timers, command } = agentWithWall();
    command({ kind: "ready", data: { protocol: PROTOCOL_VERSION } });
    command({ kind: "flightRecorder", data: { enabled: true, windowMs: 30_000 } });
    command({ kind: "flightRecorder", data: { enabled: false, windowMs: 30_000 } });
    expect(agent.stateName).toBe("idle");
    await work("unseen");
    timers.tick();
    command({ kind: "start", data: { session: "s3", options: { creationSites: true, native: true }, keepStartup: false, fromFlightRecorder: true } });
    command({ kind: "stop", data: { session: "s3" } });
    const builder = new SessionBuilder();
    for (const { batch } of batchesOf(sent, "s3")) builder.append(batch);
    expect(builder.trace().tasks.map((t) => t.name)).not.toContain("unseen");
    agent.dispose();
  });
});

/** A port pair end the router holds, recording what it is sent. */
function routerPort(name: string, sender: RouterPort["sender"]) {
  const received: unknown[] = [];
  const listeners: ((m: unknown) => void)[] = [];
  const disconnects: (() => void)[] = [];
  const port: RouterPort = {
    name, sender,
    postMessage: (m) => void received.push(m),
    onMessage: { addListener: (l) => void listeners.push(l) },
    onDisconnect: { addListener: (l) => void disconnects.push(l) },
    disconnect: () => {},
  };
  return { port, received, say: (m: unknown) => listeners.forEach((l) => l(m)), leave: () => disconnects.forEach((l) => l()) };
}

const PANEL_URL = "chrome-extension://x/src/devtools/panel.html";
const hello = (flightRecorder: boolean): { kind: "hello"; data: PageHello } => ({
  kind: "hello",
  data: { protocol: PROTOCOL_VERSION, url: "https://app.test/", title: "app", userAgent: "node", timeOrigin: 1, runtimes: [], bundledRuntimes: 0, notRecorded: [], isTopFrame: true, session: null, flightRecorder },
});

describe("the flight recorder's option in the router", () => {
  test("is kept for the tab after its panel leaves, and given to a new document before the 'nobody records' answer", () => {
    const timers: (() => void)[] = [];
    const router = new Router({ setTimer: (callback) => void timers.push(callback), panelUrl: PANEL_URL });
    const panel = routerPort(PANEL_PORT, { url: PANEL_URL });
    router.connect(panel.port);
    panel.say({ kind: "attach", data: { protocol: PROTOCOL_VERSION, tabId: 7, recording: null } });
    panel.say({ kind: "flightRecorder", data: { enabled: true } });
    panel.leave();
    for (const t of timers) t();

    // A navigation: the old document went, a new one says hello.
    const bridge = routerPort(BRIDGE_PORT, { tab: { id: 7 }, frameId: 0, documentId: "doc-2" });
    router.connect(bridge.port);
    bridge.say(hello(false));
    expect(bridge.received.map((m) => (m as { kind: string }).kind)).toEqual(["flightRecorder", "stop"]);
    expect(bridge.received[0]).toEqual({ kind: "flightRecorder", data: { enabled: true, windowMs: 30_000 } });

    // A panel opened later finds it on.
    const later = routerPort(PANEL_PORT, { url: PANEL_URL });
    router.connect(later.port);
    later.say({ kind: "attach", data: { protocol: PROTOCOL_VERSION, tabId: 7, recording: null } });
    expect(later.received[0]).toMatchObject({ kind: "attached", data: { flightRecorder: true } });
  });

  test("a restarted router learns it back from a document that has it on", () => {
    const router = new Router({ setTimer: () => {}, panelUrl: PANEL_URL });
    const old = routerPort(BRIDGE_PORT, { tab: { id: 3 }, frameId: 0, documentId: "doc-1" });
    router.connect(old.port);
    old.say(hello(true));
    const sibling = routerPort(BRIDGE_PORT, { tab: { id: 3 }, frameId: 1, documentId: "doc-3" });
    router.connect(sibling.port);
    sibling.say({ ...hello(false), data: { ...hello(false).data, isTopFrame: false } });
    expect(sibling.received[0]).toEqual({ kind: "flightRecorder", data: { enabled: true, windowMs: 30_000 } });
  });

  test("tells the service worker which tabs have it on, and a restarted router given them tells their documents", () => {
    const stored: number[][] = [];
    const router = new Router({ setTimer: () => {}, panelUrl: PANEL_URL, flightRecorderTabs: (tabs) => void stored.push(tabs) });
    const panel = routerPort(PANEL_PORT, { url: PANEL_URL });
    router.connect(panel.port);
    panel.say({ kind: "attach", data: { protocol: PROTOCOL_VERSION, tabId: 5, recording: null } });
    panel.say({ kind: "flightRecorder", data: { enabled: true } });
    expect(stored.at(-1)).toEqual([5]);
    router.forgetTab(5);
    expect(stored.at(-1)).toEqual([]);

    // A fresh router (the worker restarted); a document said hello before storage answered.
    const fresh = new Router({ setTimer: () => {}, panelUrl: PANEL_URL });
    const bridge = routerPort(BRIDGE_PORT, { tab: { id: 9 }, frameId: 0, documentId: "doc-9" });
    fresh.connect(bridge.port);
    bridge.say(hello(false));
    expect(bridge.received.map((m) => (m as { kind: string }).kind)).toEqual(["stop"]);
    fresh.restoreFlightRecorder([9, -1, 1.5]);
    expect(bridge.received.at(-1)).toEqual({ kind: "flightRecorder", data: { enabled: true, windowMs: 30_000 } });
  });
});

describe("the start-up recording", () => {
  test("keeps two buffers' worth until the extension answers, and hands them to the session in order", async () => {
    const { agent, sent, command } = agentWithWall();
    try {
      // Before any answer: ~3 000 events, more than one buffer (BATCH_BUFFER_EVENTS), fewer than two.
      await run(function* main() {
        yield* gather(Array.from({ length: 360 }, (_, k) => createTask(function* step() {
          yield* sleep(0);
        }, { name: `early ${k}` })));
      }, { name: "early", clock: "virtual" });
      expect(agent.stateName).toBe("startup");
      command({ kind: "start", data: { session: "s1", options: { creationSites: true, native: true }, keepStartup: true } });
      command({ kind: "stop", data: { session: "s1" } });
      const batches = batchesOf(sent, "s1");
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.map((b) => b.batch.seq)).toEqual(batches.map((_, k) => k));
      const builder = new SessionBuilder();
      for (const b of batches) expect(builder.append(b.batch)).toEqual({ ok: true });
      const trace = builder.trace();
      expect(trace.droppedEvents).toBe(0);
      expect(trace.tasks.filter((t) => t.name.startsWith("early ") && t.outcome === "done")).toHaveLength(360);
    } finally {
      agent.dispose();
    }
  });
});
