/**
 * `aioscope record`: the pipeline a person uses, without the person. Chromium starts with the
 * built extension; the page opens; DevTools opens on it and shows the Async panel; the panel
 * records (through `window.__aioscopePanel`, the same store its record button drives) until
 * the page is idle, a duration has passed, or Ctrl-C; then the CLI reads the panel's session
 * out as the aioscope file its "Export" writes, and does the rest in Node: the importer checks
 * it, it is written as it is, and the Chrome exporter and the analysis make the other file and
 * the summary — all from src/trace, exactly as the panel uses them.
 *
 * Time is kept by timers, not by answers: a page or panel too busy to answer (a flood) neither
 * stretches the recording past --duration or --timeout nor the end past the grace period.
 */
import type { Browser, Frame, Page } from "puppeteer-core";
import { exportChromeBytes } from "../trace/export-chrome.ts";
import { importTrace } from "../trace/import.ts";
import type { Trace } from "../trace/model.ts";
import type { ConcurrencySeries } from "../trace/analysis.ts";
import type { RecordCommand } from "./args.ts";
import {
  launchBrowser, openDevTools, panelProgress, readPanelTraceBytes, screenshotPanel, showAsyncPanel, withinTime, type PanelProgress,
} from "./browser.ts";
import { requireBrowser } from "./chromium.ts";
import { CliError, EXIT, firstLine, type ExitStatus } from "./errors.ts";
import { checkWritable, OutputFiles } from "./output.ts";
import { ensureExtensionBuilt } from "./package-files.ts";
import { analyzeFor, printReport } from "./report.ts";
import { checkScenario, openPage, resolveTarget, type Target } from "./target.ts";
import { RECORDED_LOAD_SCRIPT } from "../protocol/recorded-load.ts";
import { formatMs, painter, plural, ProgressLine, terminalSafe, type Io } from "./terminal.ts";

/** The page counts as idle once its answers have said so for this long. */
export const QUIET_MS = 1000;
/** An answer slower than this means the page's main thread is busy: not idle. */
export const ROUND_TRIP_MAX_MS = 500;
/** How often the panel is asked how the recording goes. */
const POLL_MS = 250;
/** After stop, the pages' last batches are in once the count holds still this long… */
const DRAIN_QUIET_MS = 300;
/** …or after this, whichever comes first. */
const DRAIN_MAX_MS = 5000;
/** …and after an interrupt or past --timeout, when the grace period is running. */
const HURRIED_DRAIN_MS = 1000;

/** Why the recording ended. */
type StopReason =
  | { readonly kind: "idle" }
  | { readonly kind: "duration" }
  | { readonly kind: "notIdle"; readonly why: string }
  | { readonly kind: "signal"; readonly signal: NodeJS.Signals };

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** A second signal this soon after the first is the same Ctrl-C, passed on by a parent (npm start). */
const REPEAT_SIGNAL_MS = 500;

/**
 * Ctrl-C (or SIGTERM) once: finish cleanly, writing what was recorded so far. Twice: quit at
 * once (puppeteer still kills the browser as the process exits).
 */
/**
 * After an interrupt, or once --timeout has ended the recording, the CLI finishes within this
 * long: it stops recording, reads the session out and writes it (after an interrupt, skipping
 * the screenshot); if that takes longer (a huge trace, a browser that stopped answering), it
 * quits anyway, saying so — a service manager's SIGTERM, and a CI job's timeout, are obeyed.
 */
export const STOP_GRACE_MS = 5000;

class Signals {
  readonly controller = new AbortController();
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private firstAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  /** Set once the panel records: from then on an interrupt still writes the trace. */
  recording = false;

  constructor(onFirst: (signal: NodeJS.Signals) => void, onOverdue: (signal: NodeJS.Signals) => void) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const handler = (): void => {
        if (this.controller.signal.aborted) {
          if (Date.now() - this.firstAt < REPEAT_SIGNAL_MS) return;
          process.exit(signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated);
        }
        this.firstAt = Date.now();
        onFirst(signal);
        this.finishWithin(STOP_GRACE_MS, signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated, () => onOverdue(signal));
        this.controller.abort(new Interrupted(signal));
      };
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Quits with `status` after `ms`, saying why through `onOverdue`, unless the run has ended
   * (disposed) by then. A grace period already running is not extended.
   */
  finishWithin(ms: number, status: ExitStatus, onOverdue: () => void): void {
    if (this.watchdog !== undefined) return;
    this.watchdog = setTimeout(() => {
      onOverdue();
      process.exit(status);
    }, ms);
    this.watchdog.unref();
  }

  /** `work`, unless an interrupt comes first. */
  race<T>(work: Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  dispose(): void {
    clearTimeout(this.watchdog);
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** What the inspected page says about itself; null while it is between documents. */
interface PageState {
  readonly loaded: boolean;
  readonly url: string;
  readonly scenario: string | null;
  readonly scenarioState: string | null;
}

async function pageState(page: Page): Promise<PageState | null> {
  // Null while navigating (the old document is gone and the new one not there yet), or while
  // the page is too busy to answer.
  const state = await withinTime(page.evaluate(() => ({
    loaded: document.readyState === "complete",
    url: location.href,
    scenario: document.documentElement.dataset.scenario ?? null,
    scenarioState: document.documentElement.dataset.scenarioState ?? null,
  })), PAGE_STATE_TIMEOUT_MS);
  return state ?? null;
}

/** A page that does not answer this fast is not idle. */
const PAGE_STATE_TIMEOUT_MS = 5000;

/** The demo's states that end a scenario: it finished, failed, deadlocked (on purpose) or was stopped. */
const SETTLED_SCENARIO_STATES = new Set(["done", "error", "deadlocked", "cancelled"]);

interface Session {
  browser: Browser;
  page: Page;
  devtools: Page;
  panel: Frame;
}

export async function recordCommand(command: RecordCommand, io: Io): Promise<ExitStatus> {
  const errPaint = painter(io.stderr, io.env);
  const progress = new ProgressLine(io);
  const note = (line: string): void => {
    progress.clear();
    io.stderr.write(`${errPaint("dim", terminalSafe(line))}\n`);
  };

  // Everything that can be checked before a browser starts is checked first.
  checkWritable(command.out, "--out");
  if (command.chromeTrace !== null) checkWritable(command.chromeTrace, "--chrome-trace");
  if (command.screenshot !== null) checkWritable(command.screenshot, "--screenshot");
  if (command.show && process.platform === "linux" && !io.env.DISPLAY && !io.env.WAYLAND_DISPLAY) {
    throw new CliError("--show needs a display (DISPLAY or WAYLAND_DISPLAY is unset): leave it out to record headless", EXIT.environment);
  }
  const found = requireBrowser(io.env);
  const extensionDir = await ensureExtensionBuilt(note);

  const signals = new Signals((signal) => {
    progress.clear();
    const what = signals.recording ? "stopping, and writing the trace so far" : "stopping";
    io.stderr.write(`${errPaint("yellow", `${signal === "SIGINT" ? "Ctrl-C" : signal}:`)} ${what} (press Ctrl-C again to quit at once)\n`);
  }, (signal) => {
    progress.clear();
    // Files are written whole or not at all (renamed into place): none is left half-written.
    io.stderr.write(`aioscope: ${signal === "SIGINT" ? "Ctrl-C" : signal}: not finished ${STOP_GRACE_MS / 1000} s after the interrupt; quitting${signals.recording ? " (each output file is either complete or not there)" : ""}\n`);
  });
  // Started here, so closed here whatever happens; an interrupted start-up still closes them.
  const target = resolveTarget(command.url, command.scenario);
  let browser: Promise<Browser> | null = null;
  try {
    const resolved = await signals.race(target);
    progress.update(`starting Chromium (${found.how})…`);
    browser = launchBrowser({ browser: found, extensionDir, show: command.show });
    const session = await signals.race(browser.then((launched) => openInspected(launched, resolved, command, progress, note)));
    return await recordSession(command, session, resolved, signals, progress, note, io);
  } catch (error) {
    if (error instanceof Interrupted) {
      progress.clear();
      io.stderr.write(`aioscope: interrupted before the recording began; nothing was written\n`);
      return error.signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated;
    }
    throw error;
  } finally {
    progress.clear();
    signals.dispose();
    await browser?.then((launched) => launched.close()).catch(() => {});
    await target.then((resolved) => resolved.close()).catch(() => {});
  }
}

/**
 * Whether the page opens only once the recording runs: a named page recorded from its first
 * script. (The demo opens first: its scenario list is checked, and the scenario itself starts
 * on the navigation after the recording began.)
 */
function opensAfterRecordingStarts(command: RecordCommand, target: Target): boolean {
  return target.demo === null && command.start === "firstScript";
}

async function openInspected(browser: Browser, target: Target, command: RecordCommand, progress: ProgressLine, note: (line: string) => void): Promise<Session> {
  const show = command.show;
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    if (opensAfterRecordingStarts(command, target)) {
      // DevTools attaches to the blank page the browser starts with; the page is opened in
      // that tab once the panel records, so its first script is recorded.
      await page.goto("about:blank");
    } else {
      progress.update(`opening ${target.url}…`);
      await openPage(page, target.url, note);
    }
    if (target.demo !== null) await checkScenario(page, target.demo.scenario);
    progress.update("opening DevTools on the Async panel…");
    const devtools = await openDevTools(page, { headless: !show });
    const panel = await showAsyncPanel(devtools, { headless: !show });
    return { browser, page, devtools, panel };
  } catch (error) {
    await browser.close().catch(() => {});
    if (error instanceof CliError) throw error;
    throw new CliError(`driving Chromium failed before the recording began: ${firstLine(error)}`, EXIT.browser);
  }
}

async function recordSession(
  command: RecordCommand, session: Session, target: Target, signals: Signals, progress: ProgressLine, note: (line: string) => void, io: Io,
): Promise<ExitStatus> {
  const { page, panel } = session;
  const errPaint = painter(io.stderr, io.env);
  let crashed: string | null = null;
  page.on("error", (error) => (crashed = `the page crashed: ${firstLine(error)}`));
  session.browser.on("disconnected", () => (crashed ??= "Chromium closed during the recording"));

  const reload = target.demo === null && command.start === "reload";
  const openLater = opensAfterRecordingStarts(command, target);
  // With --reload, the page counts as loaded only once the reloaded document has.
  let reloaded = !reload;
  if (reload) void page.waitForNavigation({ waitUntil: "load", timeout: 0 }).then(() => (reloaded = true), () => {});
  // Every document the tab loads from now on is recorded from its first script, `.then` causes included.
  await page.evaluateOnNewDocument(RECORDED_LOAD_SCRIPT);
  await panel.evaluate((withReload: boolean) => window.__aioscopePanel!.record({ reload: withReload }), reload);
  signals.recording = true;
  const startedAt = Date.now();
  // The recording's time is kept by a timer, not by the loop below: a panel or page too busy
  // to answer (a flood) must not stretch --duration or --timeout by the seconds it takes.
  const timeUp = new AbortController();
  const timeLimit = setTimeout(() => timeUp.abort(), command.durationMs ?? command.timeoutMs);
  timeLimit.unref();
  const stopping = AbortSignal.any([signals.signal, timeUp.signal]);
  // Navigating the recording tab records the new document from its first script (it joins
  // the session): a named page is opened now, and the demo's scenarios start as their page loads.
  if (openLater) {
    progress.update(`opening ${target.url}…`);
    // A page that is still loading when the recording's time is up is recorded as it is: the
    // loop below then stops at once (with "it was still loading" under --until-idle).
    const opening = openPage(page, target.url, note);
    opening.catch(() => {});
    await unlessStopped(opening, stopping);
  }
  if (target.demo !== null) await unlessStopped(page.goto(target.demo.scenarioUrl, { waitUntil: "domcontentloaded" }).catch(() => {}), stopping);

  const mode = command.durationMs !== null ? `for ${formatMs(command.durationMs)}` : `until idle (at most ${formatMs(command.timeoutMs)})`;
  const from = reload ? ", from a reload" : command.start === "attach" && target.demo === null ? ", from now" : ", from its first script";
  progress.step(`● recording ${target.demo?.scenarioUrl ?? target.url} ${mode}${from}; Ctrl-C stops and writes the trace so far`);
  // The demo's scenario state says when its tasks are settled (a deadlocked scenario's tasks
  // stay pending on purpose); any other page is idle only once its tasks are done.
  const asking = new IdleQuestion(panel, target.demo === null);
  let idleSince: number | null = null;
  // What the page said last, for the message when it never goes idle (undefined: not a word yet).
  let state: PageState | null | undefined;
  let loaded = false;
  let settled = target.demo === null;
  let events = 0;
  const whyNotIdle = (): string => state === undefined ? "the page did not answer (its main thread was busy)"
    : !loaded ? "it was still loading"
    : !settled ? `the scenario was still ${state?.scenarioState ?? "starting"}`
    : asking.lastWhy ?? "it had not stayed idle for a second";
  const stopReason = (): StopReason | null => signals.signal.aborted ? { kind: "signal", signal: (signals.signal.reason as Interrupted).signal }
    : !timeUp.signal.aborted ? null
    : command.durationMs !== null ? { kind: "duration" }
    : { kind: "notIdle", why: whyNotIdle() };
  let stop: StopReason | null = null;
  while ((stop = stopReason()) === null) {
    await pause(POLL_MS, stopping);
    if (stopping.aborted) continue;
    if (crashed !== null) throw new CliError(crashed, EXIT.browser);
    let current: PanelProgress | null;
    try {
      current = await unlessStopped(panelProgress(panel), stopping);
    } catch (error) {
      throw new CliError(crashed ?? `lost the Async panel during the recording: ${firstLine(error)}`, EXIT.browser);
    }
    if (current === null) continue;
    events = current.events;
    const pending = asking.lastPendingTasks;
    progress.update(`● recording ${formatMs(Date.now() - startedAt)} ${mode} · ${plural(events, "event")}${pending > 0 ? ` · ${plural(pending, "task")} pending` : ""}`);
    // A fixed length ends by the timer alone.
    if (command.durationMs !== null) continue;

    const answered = await unlessStopped(pageState(page), stopping);
    if (stopping.aborted) continue;
    state = answered;
    const answer = await unlessStopped(asking.ask(), stopping);
    if (stopping.aborted) continue;
    const now = Date.now();
    loaded = state !== null && state.loaded && reloaded;
    settled = target.demo === null || (state?.scenario === target.demo.scenario && SETTLED_SCENARIO_STATES.has(state.scenarioState ?? ""));
    // An unanswered question (asked less than ROUND_TRIP_MAX_MS ago) neither starts nor ends a quiet spell.
    if (answer !== null) idleSince = answer.idle && loaded && settled ? (idleSince ?? now) : null;
    else if (!loaded || !settled) idleSince = null;
    if (idleSince !== null && now - idleSince >= QUIET_MS) {
      stop = { kind: "idle" };
      break;
    }
  }
  clearTimeout(timeLimit);
  // Past --timeout, as after an interrupt, the rest must finish within the grace period: the
  // trace is read out and written first, and what still runs when it ends is given up.
  if (stop.kind === "notIdle") {
    signals.finishWithin(STOP_GRACE_MS, EXIT.notIdle, () => {
      progress.clear();
      io.stderr.write(`aioscope: the page did not go idle within ${formatMs(command.timeoutMs)}, and the trace was not finished ${STOP_GRACE_MS / 1000} s later; quitting (each output file is either complete or not there)\n`);
    });
  }
  const hurried = stop.kind === "signal" || stop.kind === "notIdle";

  await panel.evaluate(() => window.__aioscopePanel!.stop());
  // In a hurry, the last batches get a second rather than five.
  const drained = await drain(panel, hurried ? HURRIED_DRAIN_MS : DRAIN_MAX_MS);
  const elapsed = Date.now() - startedAt;
  const ended = stop.kind === "idle" ? "the page went idle"
    : stop.kind === "duration" ? `after ${formatMs(command.durationMs ?? 0)}`
    : stop.kind === "signal" ? "interrupted"
    : "not idle";
  events = drained?.events ?? events;
  progress.finish(errPaint("dim", `recorded ${formatMs(elapsed)} (${ended}) · ${plural(events, "event")}`));
  for (const problem of drained?.problems ?? []) note(`note: the panel reported: ${problem}`);

  progress.step(`reading the trace from the panel (${plural(events, "event")})…`);
  let bytes = await readPanelTraceBytes(panel);
  if (bytes === null) throw new CliError("the Async panel has no session after recording (is dist/extension an aioscope build?)", EXIT.browser);
  const imported = importTrace(bytes);
  if (!imported.ok) {
    throw new CliError(`the panel's session is not a valid trace at ${imported.error.path}: ${imported.error.message} (a bug: please report it)`, EXIT.browser);
  }
  const trace = imported.trace;
  // The panel wrote the very bytes of the aioscope file: they go to disk as they are, before
  // the analysis, so a grace period that runs out later still leaves the recording written.
  const files = new OutputFiles();
  await files.write(command.out, bytes, "--out", (size) => `aioscope trace, ${size}: open it in the Async panel, or aioscope analyze it`);
  // Only the trace is kept from here on: the bytes it was read from go to the collector.
  bytes = null;
  progress.clear();

  const analysis = analyzeFor(trace, command.budget);
  // A signal after the recording stopped (while reading out or writing) ends the run as an
  // interrupted one too: the files are finished (the grace period allows it), the screenshot
  // skipped, and the status says so.
  const interrupted = (): NodeJS.Signals | null => stop.kind === "signal" ? stop.signal
    : signals.signal.aborted ? (signals.signal.reason as Interrupted).signal : null;
  const exit = printReport(trace, analysis, command.budget, io, files.lines.splice(0), target.demo?.scenarioUrl ?? target.url);
  await writeOtherFiles(command, trace, analysis.concurrency, session, files, interrupted() !== null);
  for (const line of files.lines) io.stdout.write(`${line}\n`);
  if (files.failure !== null) throw files.failure;

  const signal = interrupted();
  if (signal !== null) {
    io.stderr.write(`aioscope: interrupted: wrote the trace recorded so far (${formatMs(trace.end)})\n`);
    return signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated;
  }
  if (stop.kind === "notIdle") {
    io.stderr.write(`aioscope: the page did not go idle within ${formatMs(command.timeoutMs)}: ${stop.why}; wrote the trace so far (use --duration to record for a fixed time)\n`);
    return EXIT.notIdle;
  }
  return exit;
}

/** `work`'s value, or null as soon as `stopping` aborts: a busy panel or page answers late, and the recording's time is up. */
function unlessStopped<T>(work: Promise<T>, stopping: AbortSignal): Promise<T | null> {
  if (stopping.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = (): void => resolve(null);
    stopping.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => stopping.removeEventListener("abort", onAbort));
  });
}

/** The pages' verdict on one question: idle, or why not. */
interface IdleAnswer {
  readonly idle: boolean;
}

/**
 * `--until-idle` asks the page rather than listening for silence: each recording frame's agent
 * flushes and answers with the runtime tasks still pending and the native operations in flight
 * (repeating timers and animation-frame loops left out). The page is idle when every frame
 * that answered has neither, and the answer came back within ROUND_TRIP_MAX_MS — a main thread
 * busy with a long step answers late.
 */
class IdleQuestion {
  private id = 0;
  private askedAt = 0;
  /** Why the last answer was not idle, for the message when the page never goes idle. */
  lastWhy: string | null = null;
  /** Runtime tasks pending, by the last answers (for the progress line). */
  lastPendingTasks = 0;

  constructor(private readonly panel: Frame, private readonly countTasks: boolean) {}

  /** The verdict on the question asked before, if it is in (or overdue), and a new question. */
  async ask(): Promise<IdleAnswer | null> {
    let verdict: IdleAnswer | null = null;
    if (this.id !== 0) {
      const answers = await this.panel.evaluate((id: number) => window.__aioscopePanel!.pageAnswers(id), this.id);
      const overdue = Date.now() - this.askedAt > ROUND_TRIP_MAX_MS;
      if (answers.length === 0 && !overdue) return null;
      const tasks = answers.reduce((sum, a) => sum + a.pendingTasks, 0);
      this.lastPendingTasks = tasks;
      const native = answers.reduce((sum, a) => sum + a.nativeInFlight, 0);
      const slowest = answers.reduce((most, a) => Math.max(most, a.roundTripMs), 0);
      this.lastWhy = answers.length === 0 ? `the page did not answer within ${formatMs(ROUND_TRIP_MAX_MS)} (its main thread was busy)`
        : tasks > 0 && this.countTasks ? `${plural(tasks, "task")} still pending`
        : native > 0 ? `${plural(native, "native operation")} (fetch, XHR, timer…) still in flight`
        : slowest > ROUND_TRIP_MAX_MS ? `the page took ${formatMs(slowest)} to answer (its main thread was busy)`
        : null;
      verdict = { idle: this.lastWhy === null };
    }
    this.id = await this.panel.evaluate(() => window.__aioscopePanel!.queryPage());
    this.askedAt = Date.now();
    return verdict;
  }
}

/**
 * After stop, the pages send their last batches: wait until the count holds still, for at
 * most `maxMs` in all (a panel too busy to answer does not stretch it). Returns the panel's
 * last progress, or null if it never answered.
 */
async function drain(panel: Frame, maxMs: number): Promise<PanelProgress | null> {
  const deadline = Date.now() + maxMs;
  let last: PanelProgress | null = null;
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    const now = await withinTime(panelProgress(panel), deadline - Date.now());
    if (now === undefined) break;
    if (last === null || now.events !== last.events) stillSince = Date.now();
    else if (Date.now() - stillSince >= DRAIN_QUIET_MS) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return last;
}

/** The Chrome trace and the screenshot, after the aioscope trace; interrupted, the screenshot is skipped. */
async function writeOtherFiles(
  command: RecordCommand, trace: Trace, concurrency: ConcurrencySeries, session: Session, files: OutputFiles, interrupted: boolean,
): Promise<void> {
  if (command.chromeTrace !== null) {
    await files.write(command.chromeTrace, exportChromeBytes(trace, { concurrency }), "--chrome-trace", (size) => `Chrome trace, ${size}: open it in ui.perfetto.dev or the Performance panel`);
  }
  if (command.screenshot === null) return;
  if (interrupted) {
    files.lines.push(`Skipped ${command.screenshot}: interrupted (a screenshot waits for the panel to draw)`);
    return;
  }
  // The traces are written by now: a failed screenshot is reported after the summary.
  try {
    const png = await screenshotPanel(session.devtools, session.panel, { headless: !command.show });
    await files.write(command.screenshot, png, "--screenshot", (size) => `the Async panel, ${size}`);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    files.failure ??= error;
  }
}
