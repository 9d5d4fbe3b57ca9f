/**
 * What native instrumentation costs a page (issues 7 and 13): a page makes 500 fetches (to a
 * local server) and sets 5 000 timers (a tenth of them cleared), and the same work is timed
 * side by side, in one run, in seven states:
 *
 *   absent           Chromium without the extension (the baseline);
 *   idle             the extension installed, the page not recorded (the wrappers are gone);
 *   native off       recording with native instrumentation off (runtime events only);
 *   native on        recording with native instrumentation on: every fetch, timer and callback;
 *   flight recorder  the tab's flight recorder on and DevTools closed: the page records all of
 *                    it (native work too, with creation sites) into its ring, and nothing
 *                    inspects it — the instrumentation's own cost, as issue 13 measured it
 *                    when it set the budget (recording then started without DevTools).
 *   native off, same page, and flight recorder off, same page
 *                    the native-on page with its "Native" box unticked (recording goes on,
 *                    the wrappers go), and the flight-recorder page with its flight recorder
 *                    turned off (DevTools opened, the box unticked, DevTools closed); each is
 *                    turned on again for its next run. The work without instrumentation in
 *                    the same renderer process: two browsers' renderers differ by several
 *                    percent, steadily for their lives (idle / absent has come out anywhere
 *                    from 0.90× to 1.13× in one generation); a page against itself does not.
 *
 * With NATIVE_BENCH_AGAINST=<dir of another extension build> (say, main's dist/extension
 * copied aside before a change), two more states record with that build in the same rounds,
 * "idle, other build", "native on, other build" and "flight recorder, other build": a change's
 * before and after, side by side.
 *
 * What the budgets compare (each a ratio of two states measured in the same round):
 *
 *   native on / native off   ≤ 1.05×: the native instrumentation's cost. Both sides record
 *                            the same page with DevTools open on it and the Async panel
 *                            recording; the only difference is the "Native" box. What DevTools
 *                            itself costs an inspected page (it is not ours to cut) falls on both;
 *                            but its debugger also charges every call of a wrapper (its async
 *                            call stacks): a wrapper that only calls the original costs a page
 *                            setting timers 1.05–1.10× with DevTools open, and nothing without.
 *   flight recorder / absent ≤ 1.05×: the same instrumentation with no DevTools attached.
 *   native on / native off, same page, and flight recorder / flight recorder off, same page
 *                            ≤ 1.05× too: the two above, each page its own baseline, so that
 *                            no renderer's luck decides them.
 *   idle / absent            ≤ 1.02×: installing aioscope, the page not recorded.
 *   native off / absent,
 *   native on / absent       shown without a budget: what recording costs in all, DevTools
 *                            open included (the absent side has no DevTools).
 *
 * Each for two measures: the page's main-thread CPU time (CDP Performance.getMetrics
 * ThreadTime around each run: what its thread computed — the page's work, our wrappers, the
 * recorder, the agent's flushes and the bridge — and not the time it waited for a CPU on a
 * busy machine), and the work's wall time. The main thread's time in tasks (TaskDuration) is
 * shown too, without a budget: it is wall-clock time, which preemption on a shared machine
 * inflates at random.
 *
 * Each state has a browser of its own (a renderer process of its own: pages of one site share
 * one otherwise, and their main thread). Each round runs every state once, in an order that
 * flips each round; a ratio's figure is the median over rounds of the ratio of the two states'
 * runs in the same round, so the drift in a shared machine's load hits both sides of every
 * ratio alike; and the browsers are launched afresh a few times (generations), so that a
 * lucky or unlucky renderer process does not decide a figure either. Each ratio's note gives the
 * median's 95% interval too: whole runs of 36 rounds have put the same build's ratios 4% apart,
 * and a figure that close to its budget says nothing until the interval is on one side of it.
 *
 * The fetch wrapper and the timer wrappers alone, without a budget: in the native-on page and
 * in the flight-recorder page, FETCHES fetches through the original `fetch` (taken while the
 * page was not recorded) and through `window.fetch`, the wrapper, one after the other in an
 * order that flips each round; then TIMERS timers the same way, through the original
 * `setTimeout` and `clearTimeout` and through the wrappers. Both run in the same page, with the
 * same observers, `then` wrapper and recording: the ratio is what the wrappers add, with
 * DevTools open and without, and the median of the paired differences is what one fetch or
 * one timer costs (µs) — a figure that moves far less between runs than the work's ratios do.
 *
 * The floor, without a budget: in the extension-absent page (DevTools closed) and the native-off
 * page (DevTools open, the page's functions its own), the same work through minimal wrappers
 * the page defines around the browser's functions, and through the browser's functions, one
 * after the other in an order that flips each round. A minimal wrapper records nothing but
 * clock readings: a timer's closure reads the clock when it is set, when it fires and when its
 * callback returns, a fetch's when it is called and in one promise reaction. No recording
 * that dates timers and fetches can cost less, so a budget under this ratio cannot be met by
 * wrapping at all.
 *
 * The page's own promises, without a budget: in every state, 50 000 promises resolved with
 * promises and gathered by Promise.all, against the extension being absent. V8 takes fast paths
 * there until something replaces `Promise.prototype.then` in the page, and never again after
 * (the wrapper put back or not): only a recording someone started with native on replaces it.
 *
 * Two counts go with them: the events the panel received from the native-on page per run
 * (≥ 11 000: every fetch and timer, started and ended), and the events its agent dropped per
 * run (none: a burst of events in one task is shipped in several batches, page-agent.ts).
 *
 * NATIVE_BENCH_STATES=<names> measures only the states named (by their short names, comma-separated:
 * absent, idle, native-off, native-on, native-off-same-page, flight-recorder, flight-recorder-off,
 * and with NATIVE_BENCH_AGAINST idle.other-build, native-on.other-build,
 * flight-recorder.other-build), and shows only the figures those give; the extension absent is
 * always measured, as most figures' baseline. A part's share of the flight recorder's cost, say,
 * is `NATIVE_BENCH_STATES=flight-recorder,flight-recorder.other-build` with a build that leaves
 * the part out as NATIVE_BENCH_AGAINST: three browsers instead of nine, in a third of the time.
 *
 * NATIVE_BENCH_GENERATIONS (default 3) and NATIVE_BENCH_ROUNDS (default 12) set the sizes, and
 * NATIVE_BENCH_FETCHES (default 500) and NATIVE_BENCH_TIMERS (default 5 000) the work (one of
 * them 0 shows what the other costs by itself);
 * NATIVE_BENCH_PROFILE=<file.cpuprofile> also writes CPU profiles (CDP Profiler) of the page's
 * thread over a few more runs of the fetches and timers after the first generation's measured
 * rounds (not measured: a profiler slows what it watches), one run of each state in turn: the
 * native-on page's into <file>, the others' beside it: <file>.native-off.cpuprofile and
 * <file>.native-off-same-page.cpuprofile (the difference is what native instrumentation costs
 * with DevTools open), <file>.flight-recorder.cpuprofile, <file>.flight-recorder-off.cpuprofile
 * and <file>.absent.cpuprofile (what it costs with DevTools closed) and, with
 * NATIVE_BENCH_AGAINST, the other build's native-on page's <file>.native-on.other-build.cpuprofile; for
 * any .cpuprofile reader.
 *
 * Recording is started as a person starts it: DevTools open on the page, the Async panel's
 * "Native" box set, the record button pressed. (Page and bridge talk over a private channel,
 * so nothing posted in the page can start it.) The page side — wrappers, recorder, batches to
 * the bridge every 50 ms — is all there, and the panel, in DevTools' own process, receives.
 */
import { writeFileSync } from "node:fs";
import type { Browser, CDPSession, Frame, Page, Protocol } from "puppeteer-core";
import { clickWhenStill, openDevTools, openInspectedPage, showAsyncPanel, startRecording } from "../../test/e2e/helpers.ts";
import { median, medianInterval, type BenchFigure } from "../harness.ts";
import { launchWithExtensionCopy, launchWithoutExtension, startNativeServer } from "../../test/e2e/native-fixtures.ts";

const FETCHES = Number(process.env.NATIVE_BENCH_FETCHES ?? 500);
const TIMERS = Number(process.env.NATIVE_BENCH_TIMERS ?? 5000);
const THENS = 20_000;
const PROMISE_CHAINS = 50_000;
/** Fresh browsers this many times, so that no one renderer process's luck decides a figure. */
const GENERATIONS = Number(process.env.NATIVE_BENCH_GENERATIONS ?? 3);
const ROUNDS = Number(process.env.NATIVE_BENCH_ROUNDS ?? 12);
const WARMUP_ROUNDS = 2;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>native bench</title></head>
<body><iframe id="pristine" src="about:blank" hidden></iframe><script>
window.work = (fetches, timers) => workWith(window.setTimeout, window.clearTimeout, window.fetch, fetches, timers);
async function workWith(setTimeout, clearTimeout, fetch, fetches, timers) {
  const t0 = performance.now();
  let left = 0;
  let done;
  const timersDone = new Promise((resolve) => { done = resolve; });
  for (let i = 0; i < timers; i++) {
    const id = setTimeout(() => { if (--left === 0) done(); }, i % 8);
    if (i % 10 === 0) clearTimeout(id); else left++;
  }
  if (left === 0) done();
  const requests = [];
  for (let i = 0; i < fetches; i++) requests.push(fetch("/data?id=b" + i + "&bytes=256").then((r) => r.text()));
  await Promise.all([timersDone, Promise.all(requests)]);
  return performance.now() - t0;
}
// The floor: the same work through the least a recording wrapper can be, defined by the page
// around the browser's own functions (taken by takeFloorOriginals while nothing is wrapped). A
// timer gets a closure and three clock readings (set, fired, callback returned: the least
// that tells a timer's span and whether its callback took time), a fetch a reading and one
// promise reaction that reads the clock again; nothing is kept but the readings.
window.takeFloorOriginals = () => {
  "use strict";
  const setTimeout = window.setTimeout, clearTimeout = window.clearTimeout, fetch = window.fetch;
  const apply = Reflect.apply, then = Promise.prototype.then, now = performance.now.bind(performance);
  const readings = new Float64Array(1 << 16);
  let fill = 0;
  const minimalSetTimeout = { setTimeout(...args) {
    const callback = args[0];
    readings[fill++ & 0xffff] = now();
    args[0] = function (...callbackArgs) {
      const fired = now();
      readings[fill++ & 0xffff] = fired;
      try {
        return apply(callback, this, callbackArgs);
      } finally {
        const returned = now();
        if (returned > fired) readings[fill++ & 0xffff] = returned;
      }
    };
    return apply(setTimeout, this, args);
  } }.setTimeout;
  const minimalFetch = { fetch(...args) {
    readings[fill++ & 0xffff] = now();
    const promise = apply(fetch, this, args);
    apply(then, promise, [() => { readings[fill++ & 0xffff] = now(); }, () => { readings[fill++ & 0xffff] = now(); }]);
    return promise;
  } }.fetch;
  window.floorWork = (wrapped, fetches, timers) =>
    wrapped ? workWith(minimalSetTimeout, clearTimeout, minimalFetch, fetches, timers) : workWith(setTimeout, clearTimeout, fetch, fetches, timers);
};
// Fetches alone, through the browser's fetch as the page held it before recording began
// (originalFetch) or through window.fetch as it is now; timers alone, the same way.
window.fetchWork = async (fetches, original) => {
  const call = original ? window.originalFetch : window.fetch;
  const requests = [];
  for (let i = 0; i < fetches; i++) requests.push(call("/data?id=f" + i + "&bytes=256").then((r) => r.text()));
  await Promise.all(requests);
};
window.timerWork = (timers, original) => original
  ? workWith(window.originalSetTimeout, window.originalClearTimeout, null, 0, timers)
  : workWith(window.setTimeout, window.clearTimeout, null, 0, timers);
// Promise continuations: a chain of n .then, registered in a timer's callback (the worst case
// for the then wrapper while recording: a cause to carry, so every callback is wrapped).
window.thenWork = (n) => new Promise((resolve) => setTimeout(() => {
  const t0 = performance.now();
  let p = Promise.resolve(0);
  for (let i = 0; i < n; i++) p = p.then((x) => x + 1);
  p.then((v) => resolve(v === n ? performance.now() - t0 : -1));
}, 0));
// The page's own promise code, none of it started in a callback of ours: continuations that
// return promises, gathered by Promise.all — where V8 takes fast paths for as long as nothing
// has replaced Promise.prototype.then in the page (once replaced, it never takes them again).
window.promiseWork = async (n) => {
  for (let r = 0; r < n / 100; r++) {
    const members = [];
    for (let i = 0; i < 100; i++) members.push(Promise.resolve(i).then((v) => Promise.resolve(v + 1)));
    if ((await Promise.all(members))[99] !== 100) return false;
  }
  return true;
};
// Whether fetch and setTimeout are the browser's own, as another realm's toString tells.
window.pristine = () => {
  const toString = document.getElementById("pristine").contentWindow.Function.prototype.toString;
  return /\\[native code\\]/.test(toString.call(window.fetch)) && /\\[native code\\]/.test(toString.call(window.setTimeout));
};
</script></body></html>`;

/** Another extension build to record with, side by side with this one (before and after a change). */
const AGAINST = process.env.NATIVE_BENCH_AGAINST;

type Variant =
  | "absent" | "idle" | "native off" | "native on" | "native off, same page" | "flight recorder" | "flight recorder off, same page"
  | "idle, other build" | "native on, other build" | "flight recorder, other build";
/** Each state's short name: in NATIVE_BENCH_STATES, and in the names of its CPU profile's file. */
const SHORT_NAME: Record<Variant, string> = {
  "absent": "absent", "idle": "idle", "native off": "native-off", "native on": "native-on", "native off, same page": "native-off-same-page",
  "flight recorder": "flight-recorder", "flight recorder off, same page": "flight-recorder-off", "idle, other build": "idle.other-build",
  "native on, other build": "native-on.other-build", "flight recorder, other build": "flight-recorder.other-build",
};
/** The states measured in another state's page, with its instrumentation turned off: that state. */
const SAME_PAGE: Partial<Record<Variant, Variant>> = { "native off, same page": "native on", "flight recorder off, same page": "flight recorder" };
/** Each "…, same page" state right after the state whose page it shares: the page's instrumentation is turned once a round. */
const VARIANTS: readonly Variant[] = chosenStates([
  "absent", "idle", "native off", "native on", "native off, same page", "flight recorder", "flight recorder off, same page",
  ...(AGAINST === undefined ? [] : ["idle, other build", "native on, other build", "flight recorder, other build"] as const),
], process.env.NATIVE_BENCH_STATES);

/** The states NATIVE_BENCH_STATES names (all of `states` without it), the extension absent first in any case. */
function chosenStates(states: readonly Variant[], names: string | undefined): readonly Variant[] {
  if (names === undefined || names.trim() === "") return states;
  const wanted = new Set(names.split(",").map((name) => name.trim()).filter((name) => name !== ""));
  for (const name of wanted) {
    if (!states.some((state) => SHORT_NAME[state] === name)) {
      const known = states.map((state) => SHORT_NAME[state]).join(", ");
      throw new Error(`NATIVE_BENCH_STATES: no state "${name}" here (${known}${AGAINST === undefined ? "; the other build's need NATIVE_BENCH_AGAINST" : ""}).`);
    }
  }
  const chosen = states.filter((state) => state === "absent" || wanted.has(SHORT_NAME[state]));
  for (const state of chosen) {
    const host = SAME_PAGE[state];
    if (host !== undefined && !chosen.includes(host)) {
      throw new Error(`NATIVE_BENCH_STATES: ${SHORT_NAME[state]} is measured in ${SHORT_NAME[host]}'s page: name that state too.`);
    }
  }
  return chosen;
}
/** Whether both states of a pair (a ratio's two sides) are measured in this run. */
const bothMeasured = ([a, b]: readonly [Variant, Variant, ...unknown[]]): boolean => VARIANTS.includes(a) && VARIANTS.includes(b);
const otherBuild = (variant: Variant): boolean => variant.endsWith(", other build");
const flight = (variant: Variant): boolean => variant === "flight recorder" || variant === "flight recorder, other build";
/** Recorded through the Async panel, DevTools open on the page throughout. */
const recording = (variant: Variant): boolean => variant === "native off" || nativeOn(variant);
const nativeOn = (variant: Variant): boolean => variant === "native on" || variant === "native on, other build";
/** The states whose page also times fetches and timers through the wrappers against the originals (runWrapperPairs). */
const pairsWrappers = (variant: Variant): boolean => nativeOn(variant) || flight(variant);
/**
 * The states whose page also times the work through minimal wrappers of its own against none
 * (runFloorPair): the floor of any recording wrapper, with DevTools closed and open.
 */
const FLOOR_VARIANTS: readonly Variant[] = (["absent", "native off"] as const).filter((variant) => VARIANTS.includes(variant));

/**
 * What a side measures, one value a run (ms): main-thread CPU, time in tasks and wall time of
 * the work; main-thread CPU of the .then chain (thenWork) and of the page's own promises
 * (promiseWork); for a QUIET_VARIANTS side, main-thread CPU a second while the page does nothing
 * (one value a generation); for a native-on or flight-recorder side, main-thread CPU of
 * fetchWork and of timerWork through the wrappers, and through the originals; for a floor side, of the
 * work through minimal wrappers of the page's own, and through the browser's functions.
 */
const SAMPLE_KEYS = ["cpu", "busy", "wall", "thenCpu", "promiseCpu", "quietCpu", "wrappedFetchCpu", "originalFetchCpu", "wrappedTimerCpu", "originalTimerCpu", "minimalWrapperCpu", "unwrappedCpu"] as const;
type Samples = Record<(typeof SAMPLE_KEYS)[number], number[]>;

function noSamples(): Samples {
  return Object.fromEntries(SAMPLE_KEYS.map((key) => [key, []])) as unknown as Samples;
}

interface Side extends Samples {
  readonly variant: Variant;
  readonly page: Page;
  readonly cdp: CDPSession;
  /** The Async panel recording this page, for the recording variants. */
  readonly panel: Frame | null;
  /** For a page measured in two states (SAME_PAGE): its instrumentation now, and how to turn it. */
  readonly toggle: Toggle | null;
  /** Events the panel received during each round's wrapper pairs (warm-up included): not the budgeted work's. */
  readonly pairEvents: number[];
}

/** The interquartile range of `ratios`, as the figures' notes give it: `1.023–1.104`. */
function interquartile(ratios: readonly number[]): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  const quartile = (q: number): string => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(3);
  return `${quartile(0.25)}–${quartile(0.75)}`;
}

/** How far the median of `ratios` could move in another run of as many rounds (harness.ts). */
function spread(ratios: readonly number[]): string {
  const interval = medianInterval(ratios);
  const within = interval === null ? "" : `, the median's 95% interval ${interval[0].toFixed(3)}–${interval[1].toFixed(3)}`;
  return `ratios' interquartile range ${interquartile(ratios)}${within}`;
}

/** The main thread's CPU seconds (ThreadTime) and seconds in tasks (TaskDuration) so far. */
async function threadSeconds(cdp: CDPSession): Promise<{ cpu: number; busy: number }> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN;
  return { cpu: metric("ThreadTime"), busy: metric("TaskDuration") };
}

async function openSide(browser: Browser, url: string, variant: Variant): Promise<Side> {
  const inspected = recording(variant) || flight(variant) ? await openInspectedPage(browser, url) : null;
  const page = inspected?.page ?? await browser.newPage();
  if (inspected === null) await page.goto(url, { waitUntil: "load" });
  const panel = inspected?.panel ?? null;
  if (variant !== "absent") {
    // Not recorded: the extension answers at once, and the wrappers go.
    await waitForWrappers(page, false);
    await page.evaluate(() => {
      const own = window as unknown as { originalFetch: typeof fetch; originalSetTimeout: typeof setTimeout; originalClearTimeout: typeof clearTimeout };
      own.originalFetch = window.fetch;
      own.originalSetTimeout = window.setTimeout;
      own.originalClearTimeout = window.clearTimeout;
    });
  }
  if (FLOOR_VARIANTS.includes(variant)) await page.evaluate(() => (window as unknown as { takeFloorOriginals(): void }).takeFloorOriginals());
  if (panel !== null && recording(variant)) {
    const native = await panel.$eval("[data-testid=native-toggle]", (box) => (box as HTMLInputElement).checked);
    if (native !== nativeOn(variant)) await panel.click("[data-testid=native-toggle]");
    await startRecording(panel);
    // Recording: its first batch (the recordingStart marker) has arrived.
    await panel.waitForFunction(() => (window.__aioscopePanel?.snapshot().events ?? 0) > 0, { polling: 20 });
    const wrapped = !(await page.evaluate(() => (window as unknown as { pristine(): boolean }).pristine()));
    if (wrapped !== nativeOn(variant)) throw new Error(`${variant}: the wrappers are ${wrapped ? "" : "not "}in place`);
  }
  if (flight(variant) && inspected !== null) {
    // As a person keeps a tab's last 30 s: the panel's "Flight recorder" box, then DevTools
    // closed. The page records (native work too) into its ring, and nothing inspects it.
    await setFlightRecorderBox(inspected.panel, true);
    await inspected.devtools.close();
    await waitForWrappers(page, true);
  }
  const cdp = await page.createCDPSession();
  await cdp.send("Performance.enable");
  let toggle: Toggle | null = null;
  if (variant === "native on") toggle = { on: true, turn: (on) => setNativeBox(page, panel!, on) };
  if (variant === "flight recorder") toggle = { on: true, turn: (on) => setFlightRecorder(page, on) };
  return { variant, page, cdp, panel: recording(variant) ? panel : null, toggle, ...noSamples(), pairEvents: [] };
}

interface Toggle {
  on: boolean;
  readonly turn: (on: boolean) => Promise<void>;
}

/** Turns `side`'s page's instrumentation on or off, unless it is so already. */
async function turn(side: Side, on: boolean): Promise<void> {
  const toggle = side.toggle!;
  if (toggle.on === on) return;
  await toggle.turn(on);
  toggle.on = on;
}

/** Waits until the page's `fetch` and `setTimeout` are the wrappers (`wrapped`), or the browser's own. */
async function waitForWrappers(page: Page, wrapped: boolean): Promise<void> {
  await page.waitForFunction((want: boolean) => (window as unknown as { pristine(): boolean }).pristine() !== want, { polling: 20 }, wrapped);
}

/**
 * Ticks or unticks the "Native" box of the panel recording `page`, as a person does: the
 * recording goes on, and the page installs or removes its wrappers at once.
 */
async function setNativeBox(page: Page, panel: Frame, on: boolean): Promise<void> {
  await clickWhenStill(panel, "[data-testid=native-toggle]");
  await panel.waitForFunction((want: boolean) => (document.querySelector("[data-testid=native-toggle]") as HTMLInputElement).checked === want, { polling: 20 }, on);
  await waitForWrappers(page, on);
}

/**
 * Turns the flight-recorder page's flight recorder on or off as a person does: DevTools opened
 * on the page, the Async panel's box ticked or unticked, DevTools closed. Off, the page is
 * as an unrecorded one (the wrappers go); the same page then measures the work without
 * instrumentation, with none of the difference two browsers' renderer processes make.
 */
async function setFlightRecorder(page: Page, on: boolean): Promise<void> {
  const devtools = await openDevTools(page);
  const panel = await showAsyncPanel(devtools);
  await panel.waitForFunction(() => window.__aioscopePanel !== undefined, { polling: 20 });
  // The panel learns the tab's flight recorder from the extension after it is drawn: the box
  // shows the state it is in before it is clicked.
  await waitForFlightRecorderBox(panel, !on).catch(() => {
    throw new Error(`the flight recorder's box never showed it ${on ? "off" : "on"}`);
  });
  await setFlightRecorderBox(panel, on);
  await devtools.close();
  await waitForWrappers(page, on);
}

/** Waits until the panel's "Flight recorder" box is ticked (`on`) or not. */
async function waitForFlightRecorderBox(panel: Frame, on: boolean): Promise<void> {
  await panel.waitForFunction(
    (want: boolean) => (document.querySelector("[data-testid=flight-recorder-toggle]") as HTMLInputElement | null)?.checked === want,
    { polling: 20, timeout: 10_000 }, on,
  );
}

/** Clicks the panel's "Flight recorder" box to `on`; on, waits until its ring has something to save. */
async function setFlightRecorderBox(panel: Frame, on: boolean): Promise<void> {
  await clickWhenStill(panel, "[data-testid=flight-recorder-toggle]");
  await waitForFlightRecorderBox(panel, on);
  if (on) await panel.waitForFunction(() => !(document.querySelector("[data-testid=flight-save-button]") as HTMLButtonElement).disabled, { polling: 20 });
}

/**
 * Each CPU window stays open this long after the work ends: the page agent ships a small
 * batch up to 200 ms after the previous one (MAX_BATCH_DELAY_MS), and shipping the work's
 * events is part of what recording it costs (and no part of the next measure's).
 */
const SHIPPING_MS = 300;
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SHIPPING_MS));

/** Main-thread CPU ms of one callback's work and the shipping of its events. */
async function cpuOf(side: Side, work: () => Promise<unknown>): Promise<number> {
  const before = await threadSeconds(side.cdp);
  await work();
  await settle();
  return ((await threadSeconds(side.cdp)).cpu - before.cpu) * 1000;
}

/**
 * The wrapper pairs (runWrapperPairs): the page's function that runs the work (`pageWork`, with
 * `count` and whether through the originals), the samples each side goes into, and how the
 * figures name them.
 */
const WRAPPER_PAIRS = [
  {
    pageWork: "fetchWork", count: FETCHES, wrapped: "wrappedFetchCpu", original: "originalFetchCpu",
    work: `${FETCHES} fetches alone`, wrapperName: "the fetch wrapper", originalName: "the original fetch", unit: "fetch",
  },
  {
    pageWork: "timerWork", count: TIMERS, wrapped: "wrappedTimerCpu", original: "originalTimerCpu",
    work: `${TIMERS} timers alone (a tenth cleared)`, wrapperName: "the timer wrappers", originalName: "the original setTimeout and clearTimeout", unit: "timer",
  },
] as const;

/** Each wrapper pair in turn, in the same page, each in an order that flips with `round`. */
async function runWrapperPairs(side: Side, round: number): Promise<void> {
  const before = await panelEvents(side);
  for (const pair of WRAPPER_PAIRS) {
    if (pair.count === 0) continue;
    for (const original of round % 2 === 0 ? [true, false] : [false, true]) {
      const run = () => side.page.evaluate(
        (work: string, n: number, o: boolean) => (window as unknown as Record<string, (n: number, o: boolean) => Promise<unknown>>)[work]!(n, o),
        pair.pageWork, pair.count, original,
      );
      side[original ? pair.original : pair.wrapped].push(await cpuOf(side, run));
    }
  }
  side.pairEvents.push((await panelEvents(side)) - before);
}

/** The work through minimal wrappers of the page's own against none, in an order that flips with `round`. */
async function runFloorPair(side: Side, round: number): Promise<void> {
  const floorWork = (wrapped: boolean) => () => side.page.evaluate(
    (w: boolean, f: number, t: number) => (window as unknown as { floorWork(w: boolean, f: number, t: number): Promise<number> }).floorWork(w, f, t),
    wrapped, FETCHES, TIMERS,
  );
  for (const wrapped of round % 2 === 0 ? [true, false] : [false, true]) {
    (wrapped ? side.minimalWrapperCpu : side.unwrappedCpu).push(await cpuOf(side, floorWork(wrapped)));
  }
}

/** The states whose page is also watched doing nothing (quietCpu): what keeping a tab's last 30 s costs a quiet page. */
const QUIET_VARIANTS: readonly Variant[] = (["absent", "idle", "flight recorder", "flight recorder, other build"] as const).filter((variant) => VARIANTS.includes(variant));
/** How long a page has done nothing before it is watched, and for how long. */
const QUIET_AFTER_MS = 2000;
const QUIET_MS = 4000;

/** Main-thread CPU ms a second of each of `sides`' pages while they do nothing, watched side by side. */
async function watchQuiet(sides: readonly Side[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, QUIET_AFTER_MS));
  const before = await Promise.all(sides.map((side) => threadSeconds(side.cdp)));
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const after = await Promise.all(sides.map((side) => threadSeconds(side.cdp)));
  sides.forEach((side, k) => side.quietCpu.push(((after[k]!.cpu - before[k]!.cpu) * 1000 * 1000) / QUIET_MS));
}

/** The events the side's panel has received so far (0 without a panel). */
async function panelEvents(side: Side): Promise<number> {
  return side.panel === null ? 0 : await side.panel.evaluate(() => window.__aioscopePanel?.snapshot().events ?? 0);
}

async function runOnce(side: Side, thens = true): Promise<void> {
  const before = await threadSeconds(side.cdp);
  const wall = await side.page.evaluate((f: number, t: number) => (window as unknown as { work(f: number, t: number): Promise<number> }).work(f, t), FETCHES, TIMERS);
  await settle();
  const after = await threadSeconds(side.cdp);
  side.cpu.push((after.cpu - before.cpu) * 1000);
  side.busy.push((after.busy - before.busy) * 1000);
  side.wall.push(wall);
  if (!thens) return;
  side.thenCpu.push(await cpuOf(side, async () => {
    const chained = await side.page.evaluate((n: number) => (window as unknown as { thenWork(n: number): Promise<number> }).thenWork(n), THENS);
    if (chained < 0) throw new Error(`${side.variant}: the .then chain did not count to ${THENS}`);
  }));
  side.promiseCpu.push(await cpuOf(side, async () => {
    const counted = await side.page.evaluate((n: number) => (window as unknown as { promiseWork(n: number): Promise<boolean> }).promiseWork(n), PROMISE_CHAINS);
    if (!counted) throw new Error(`${side.variant}: Promise.all of the page's chains did not count to 100`);
  }));
}

/** Where NATIVE_BENCH_PROFILE writes the native-on page's CPU profile, if set. */
const PROFILE_FILE = process.env.NATIVE_BENCH_PROFILE;
/** The profiled pages' profiles (NATIVE_BENCH_PROFILE), by side, each merged at the end. */
const profiles = new Map<Variant, Protocol.Profiler.Profile[]>();
/** Runs profiled, after the measured rounds: a profiler slows what it watches, so they are not measured. */
const PROFILE_ROUNDS = 6;

/** Profiles the sides' runs, one run of each in turn, so the machine's load falls on all alike. */
async function profileRuns(sides: readonly Side[]): Promise<void> {
  for (const side of sides) {
    await side.cdp.send("Profiler.enable");
    await side.cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  }
  for (let k = 0; k < PROFILE_ROUNDS; k++) {
    for (const side of sides) {
      const copy: Side = { ...side, ...noSamples(), pairEvents: [] };
      const into = profiles.get(side.variant) ?? [];
      profiles.set(side.variant, into);
      if (side.toggle !== null) await turn(side, SAME_PAGE[side.variant] === undefined);
      await side.cdp.send("Profiler.start");
      // The budgeted work only: the .then chain would outweigh it in the profile.
      await runOnce(copy, false);
      into.push((await side.cdp.send("Profiler.stop")).profile);
    }
  }
}

/** One generation: fresh browsers, a page in each state, ROUNDS measured rounds; the sides' samples. */
async function generation(url: string, profile: boolean): Promise<{ sides: Side[]; shipped: number | null; dropped: number | null }> {
  const plain = await launchWithoutExtension();
  // A browser for each state with a page of its own (the "…, same page" states have none).
  const owners = VARIANTS.slice(1).filter((variant) => SAME_PAGE[variant] === undefined);
  const extensions = await Promise.all(owners.map((variant) => launchWithExtensionCopy(otherBuild(variant) ? AGAINST : undefined)));
  // A browser that goes away mid-run (its process crashed) fails the next call to it with
  // puppeteer's bare "Target closed": say whose it was.
  const gone: string[] = [];
  plain.on("disconnected", () => gone.push(VARIANTS[0]!));
  extensions.forEach((extension, k) => extension.browser.on("disconnected", () => gone.push(owners[k]!)));
  try {
    const sides: Side[] = [];
    for (let k = 0; k < VARIANTS.length; k++) {
      const variant = VARIANTS[k]!;
      const host = SAME_PAGE[variant];
      if (host !== undefined) {
        // The host state's page (and toggle), measured with its instrumentation turned off.
        const hosting = sides.find((side) => side.variant === host)!;
        sides.push({ ...hosting, variant, panel: null, ...noSamples(), pairEvents: [] });
      } else sides.push(await openSide(k === 0 ? plain : extensions[owners.indexOf(variant)]!.browser, url, variant));
    }
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        if (side.toggle !== null) await turn(side, SAME_PAGE[side.variant] === undefined);
        await runOnce(side);
        if (pairsWrappers(side.variant)) await runWrapperPairs(side, round);
        if (FLOOR_VARIANTS.includes(side.variant)) await runFloorPair(side, round);
      }
      if (round === WARMUP_ROUNDS - 1) for (const side of sides) for (const key of SAMPLE_KEYS) side[key].length = 0;
    }
    const quiet = sides.filter((side) => QUIET_VARIANTS.includes(side.variant));
    for (const side of quiet) if (side.toggle !== null) await turn(side, true);
    await watchQuiet(quiet);
    if (profile) await profileRuns(sides.filter((s) => !s.variant.startsWith("idle")));
    const counts = await nativeOnCounts(sides.find((s) => s.variant === "native on"), WARMUP_ROUNDS + ROUNDS + (profile ? PROFILE_ROUNDS : 0));
    for (const side of sides) if (SAME_PAGE[side.variant] === undefined) await side.page.close();
    return { sides, ...counts };
  } catch (error) {
    if (gone.length === 0) throw error;
    throw new Error(`the browser of the state${gone.length === 1 ? "" : "s"} ${gone.join(", ")} went away during the run (its process ended)`, { cause: error });
  } finally {
    await Promise.all([plain.close(), ...extensions.map((e) => e.close())]);
  }
}

/** Events the native-on side's panel received per run of the work, and its agent dropped (null without that side). */
async function nativeOnCounts(on: Side | undefined, runs: number): Promise<{ shipped: number | null; dropped: number | null }> {
  if (on === undefined) return { shipped: null, dropped: null };
  await new Promise((resolve) => setTimeout(resolve, 2 * SHIPPING_MS)); // the last batch (at most 200 ms late) reaches the panel
  const { events, droppedEvents } = await on.panel!.evaluate(() => {
    const snapshot = window.__aioscopePanel?.snapshot();
    return { events: snapshot?.events ?? 0, droppedEvents: snapshot?.droppedEvents ?? 0 };
  });
  const pairEvents = on.pairEvents.reduce((sum, count) => sum + count, 0);
  return { shipped: (events - pairEvents) / runs, dropped: droppedEvents / runs };
}

export async function nativeFigures(): Promise<BenchFigure[]> {
  const server = await startNativeServer({ "/": PAGE });
  try {
    const url = `${server.origin}/`;
    const samples = new Map<Variant, Samples>(VARIANTS.map((v) => [v, noSamples()]));
    let shipped: number | null = null;
    let dropped: number | null = null;
    for (let g = 0; g < GENERATIONS; g++) {
      const result = await generation(url, PROFILE_FILE !== undefined && g === 0);
      shipped = result.shipped;
      dropped = result.dropped;
      for (const side of result.sides) {
        const into = samples.get(side.variant)!;
        for (const key of SAMPLE_KEYS) into[key].push(...side[key]);
      }
    }
    const figures: BenchFigure[] = [];
    // Time in tasks is wall-clock time, which preemption on a shared machine inflates at random:
    // shown, not held to a budget.
    const measures: [string, "cpu" | "wall" | "busy", boolean][] = [
      ["main-thread CPU time", "cpu", true],
      ["wall time", "wall", true],
      ["main-thread time in tasks (wall-clock, no budget)", "busy", false],
    ];
    const absent = samples.get("absent")!;
    // [numerator, denominator, budget]: the budgets first (see the header), then the rest against absent.
    const pairs: [Variant, Variant, number | null][] = [
      ["native on", "native off", 1.05],
      ["native on", "native off, same page", 1.05],
      ["flight recorder", "absent", 1.05],
      ["flight recorder", "flight recorder off, same page", 1.05],
      ["idle", "absent", 1.02],
      ["native off", "absent", null],
      ["native on", "absent", null],
      ...(AGAINST === undefined ? [] : [
        ["idle, other build", "absent", null], ["native on, other build", "native off", null], ["native on, other build", "absent", null],
        ["flight recorder, other build", "absent", null],
      ] as [Variant, Variant, null][]),
    ];
    for (const [measure, key, budgeted] of measures) {
      for (const [variant, against, budget] of pairs.filter(bothMeasured)) {
        const values = samples.get(variant)![key];
        const baseline = samples.get(against)![key];
        // Paired: each run against the other state's run of the same round.
        const ratios = values.map((value, round) => value / baseline[round]!);
        figures.push({
          name: `${FETCHES} fetches + ${TIMERS} timers, ${measure}, ${variant} / ${against === "absent" ? "extension absent" : against}`,
          value: median(ratios),
          unit: "×",
          ...(budgeted && budget !== null ? { budget: { max: budget } } : {}),
          note: `medians ${median(values).toFixed(1)} ms vs ${median(baseline).toFixed(1)} ms; ${spread(ratios)} over ${ratios.length} rounds in ${GENERATIONS} browser generations`,
        });
      }
    }
    if (AGAINST !== undefined) {
      // This build against the other, each run against the other's in the same round.
      const againstMeasures = [
        ["main-thread CPU time", "cpu"], [`main-thread CPU time of ${THENS} .then`, "thenCpu"], [`main-thread CPU time of the page's ${PROMISE_CHAINS} promises`, "promiseCpu"],
      ] as const;
      const againstPairs = [["idle", "idle, other build"], ["native on", "native on, other build"], ["flight recorder", "flight recorder, other build"]] as const;
      for (const [mine, theirs] of againstPairs.filter(bothMeasured)) {
        const other = samples.get(theirs)!;
        const on = samples.get(mine)!;
        for (const [measure, key] of againstMeasures) {
          const ratios = on[key].map((value, round) => value / other[key][round]!);
          figures.push({
            name: `${mine}, this build / the other build (${AGAINST}), ${measure}`,
            value: median(ratios),
            unit: "×",
            note: `medians ${median(on[key]).toFixed(1)} ms vs ${median(other[key]).toFixed(1)} ms; ${spread(ratios)} over ${ratios.length} rounds`,
          });
        }
      }
    }
    // The wrappers' cost, in the same page (see the header): shown without a budget.
    for (const variant of VARIANTS.filter(pairsWrappers)) {
      for (const pair of WRAPPER_PAIRS) {
        const wrapped = samples.get(variant)![pair.wrapped];
        const original = samples.get(variant)![pair.original];
        if (wrapped.length === 0) continue;
        const ratios = wrapped.map((value, round) => value / original[round]!);
        const each = (median(wrapped.map((value, round) => value - original[round]!)) * 1000) / pair.count;
        figures.push({
          name: `${pair.work}, main-thread CPU time, through ${pair.wrapperName} / through ${pair.originalName}, in the same page: ${variant}`,
          value: median(ratios),
          unit: "×",
          note: `${each.toFixed(2)} µs a ${pair.unit} (the median of the rounds' differences); medians ${median(wrapped).toFixed(1)} ms vs ${median(original).toFixed(1)} ms; ${spread(ratios)} over ${ratios.length} rounds`,
        });
      }
    }
    // The floor of any recording wrapper, shown without a budget (see runFloorPair).
    for (const variant of FLOOR_VARIANTS) {
      const { minimalWrapperCpu: wrapped, unwrappedCpu: unwrapped } = samples.get(variant)!;
      const ratios = wrapped.map((value, round) => value / unwrapped[round]!);
      figures.push({
        name: `${FETCHES} fetches + ${TIMERS} timers, main-thread CPU time, through minimal wrappers of the page's own / through the browser's functions, in the same page: ${variant === "absent" ? "extension absent (DevTools closed)" : "native off (DevTools open)"}`,
        value: median(ratios),
        unit: "×",
        note: `the floor of any recording wrapper; medians ${median(wrapped).toFixed(1)} ms vs ${median(unwrapped).toFixed(1)} ms; ${spread(ratios)} over ${ratios.length} rounds`,
      });
    }
    // Each state against the extension absent, shown without a budget: the then wrapper's cost
    // in a page of nothing but continuations, and V8's fast paths for the page's own promises,
    // lost for the page's life once Promise.prototype.then has been replaced (which only a
    // recording someone started with native on does: native on, and its page in native off,
    // same page).
    const againstAbsent = [
      ["thenCpu", `${THENS} .then continuations in a timer callback`],
      ["promiseCpu", `${PROMISE_CHAINS} promises resolved with promises, gathered by Promise.all`],
    ] as const;
    for (const [key, work] of againstAbsent) {
      for (const variant of VARIANTS.slice(1)) {
        const values = samples.get(variant)![key];
        const ratios = values.map((value, round) => value / absent[key][round]!);
        figures.push({
          name: `${work}, main-thread CPU time, ${variant} / extension absent`,
          value: median(ratios),
          unit: "×",
          note: `medians ${median(values).toFixed(1)} ms vs ${median(absent[key]).toFixed(1)} ms; ${spread(ratios)} over ${ratios.length} rounds`,
        });
      }
    }
    // A quiet page, shown without a budget: the flight recorder's flushes wake it (page-agent.ts).
    for (const variant of VARIANTS.filter((v) => QUIET_VARIANTS.includes(v))) {
      const values = samples.get(variant)!.quietCpu;
      figures.push({
        name: `a page doing nothing for ${QUIET_MS / 1000} s after ${QUIET_AFTER_MS / 1000} s of nothing, main-thread CPU a second: ${variant === "absent" ? "extension absent" : variant}`,
        value: median(values),
        unit: "ms",
        note: `median of ${values.length} generations (${values.map((v) => v.toFixed(2)).join(", ")})`,
      });
    }
    if (shipped !== null && dropped !== null) {
      figures.push({
        name: "events recorded per run with native on (fetches, timers, the Promise.all)",
        value: shipped,
        unit: "events",
        budget: { min: FETCHES * 2 + TIMERS * 2 },
      });
      figures.push({
        name: "events dropped per run with native on (the page agent's bounds)",
        value: dropped,
        unit: "events",
        budget: { max: 0 },
      });
    }
    if (PROFILE_FILE !== undefined) {
      for (const [variant, parts] of profiles) {
        writeFileSync(variant === "native on" ? PROFILE_FILE : profileFileOf(PROFILE_FILE, SHORT_NAME[variant]), JSON.stringify(mergeProfiles(parts)));
      }
    }
    return figures;
  } finally {
    await server.close();
  }
}

/** Where another side's profile goes, next to the native-on one: `x.cpuprofile` → `x.native-off.cpuprofile`. */
function profileFileOf(file: string, side: string): string {
  return file.endsWith(".cpuprofile") ? `${file.slice(0, -".cpuprofile".length)}.${side}.cpuprofile` : `${file}.${side}`;
}

/**
 * One profile of several: under one root, each profile's nodes renumbered after the previous
 * ones' and their samples one after another (each with its own time deltas), so a reader's
 * totals add up every measured run.
 */
function mergeProfiles(parts: readonly Protocol.Profiler.Profile[]): Protocol.Profiler.Profile {
  const root: Protocol.Profiler.ProfileNode = { id: 1, callFrame: { functionName: "(root)", scriptId: "0", url: "", lineNumber: -1, columnNumber: -1 }, children: [] };
  const nodes: Protocol.Profiler.ProfileNode[] = [root];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let shift = 1;
  let endTime = parts[0]?.startTime ?? 0;
  for (const part of parts) {
    let top = 0;
    for (const node of part.nodes) {
      nodes.push({ ...node, id: node.id + shift, ...(node.children === undefined ? {} : { children: node.children.map((c) => c + shift) }) });
      top = Math.max(top, node.id);
    }
    root.children!.push(part.nodes[0]!.id + shift);
    for (const sample of part.samples ?? []) samples.push(sample + shift);
    for (const delta of part.timeDeltas ?? []) timeDeltas.push(delta);
    endTime += part.endTime - part.startTime;
    shift += top;
  }
  return { nodes, startTime: parts[0]?.startTime ?? 0, endTime, samples, timeDeltas };
}
