/**
 * Native instrumentation: the page's own asynchronous work — fetch and XHR, timers, abort
 * signals, promise combinators, long tasks, script and module loads, Web Workers — recorded as native operations next to the
 * runtime's tasks. See README.md in this folder for the design.
 *
 * Installed only while something records with native instrumentation on. The page agent
 * attaches it to its start-up recorder at document_start (so a reload-and-record sees the
 * page's first requests and timers) and to each session recorder whose options say
 * `native: true`; it detaches it as soon as the page is known not to be recorded, when the
 * recording stops, or when native instrumentation is turned off. Detached, every wrapped
 * property holds its original again and `Function.prototype.toString` is the page's own.
 *
 * The originals are captured when this module is evaluated (originals.ts), before any page
 * script. A page that takes a reference to a wrapped function while installed (`const f =
 * window.fetch`) keeps the wrapper after detaching, and it then only calls the original; one
 * that takes it while detached holds the original, which later recordings do not see.
 */
import type { PageHook } from "../install-hook.ts";
import type { RegisteredRuntime } from "../../runtime/instrument.ts";
import type { Recorder } from "../../trace/recorder.ts";
import type { NetworkTimings } from "../../protocol/messages.ts";
import { abortPatches } from "./abort.ts";
import { catchUp } from "./backlog.ts";
import { type Patch, toStringPatch } from "./cloak.ts";
import { combinatorPatches } from "./combinators.ts";
import { forgetCauses } from "./causes.ts";
import { thenPatch } from "./continuations.ts";
import { watchCostlyDispatches, watchDispatches } from "./listeners.ts";
import { LongTaskObserver } from "./long-tasks.ts";
import { requestPatches } from "./requests.ts";
import { ResourceObserver } from "./resources.ts";
import { consoleWarn } from "./originals.ts";
import { currentSink, setSink, taskTracker } from "./sink.ts";
import { append, apply, indexOf } from "../../trace/primordials.ts";
import { forgetTimers, timerPatches } from "./timers.ts";
import { workerPatches } from "./workers.ts";

/**
 * Which recording is fed: the start-up recording at document_start (which the extension most
 * likely calls off a few ms later), the tab's flight recorder (on with DevTools closed, for as
 * long as the person leaves it on), or a recording someone started in the panel or the CLI.
 */
export type NativeRecording = "startup" | "flight" | "requested";

export interface NativeOptions {
  /** Put each operation's creation site in its detail. */
  readonly creationSites: boolean;
  /**
   * What a recording costs a page beyond its own work depends on it: listeners for pointer,
   * touch, visibility and storage events (listeners.ts) wait for a recording past start-up;
   * `Promise.prototype.then` is wrapped (continuations.ts) only for a requested recording, as
   * replacing it slows the page's promises for the rest of the document's life. (A load marked
   * as recorded, protocol/recorded-load.ts, is a requested recording from document_start.)
   */
  readonly recording: NativeRecording;
  /**
   * Request phases and script loads come from DevTools' network log (`networkTimings`) rather
   * than an observer of resource entries: for a requested recording from a panel in Chrome's
   * DevTools (RecordingOptions.networkLog). Such an observer costs the page more than the rest
   * of a request's recording: with one, the browser makes an entry of every request and a task
   * to deliver it, which it otherwise skips once the page's buffer of entries is full.
   */
  readonly networkLog?: boolean;
}

/** What the page agent needs: feed this recorder, or stop. */
export interface NativeControl {
  attach(recorder: Recorder, options: NativeOptions): void;
  /** Stops recording native work (into `recorder` only, if given) and puts the originals back. */
  detach(recorder?: Recorder): void;
  /**
   * Records what was noticed and put off (backlog.ts): a settled fetch's end, timing entries.
   * Called before a batch is taken on schedule, so that it has them.
   */
  catchUp(): void;
  /** Requests DevTools' network log saw finish, for `recorder`'s recording (see NativeOptions.networkLog). */
  networkTimings(recorder: Recorder, timings: NetworkTimings): void;
  /**
   * The functions a recording needed to wrap and could not (the page had frozen them), by
   * name, in the order found. It only grows: a frozen property stays frozen.
   */
  readonly notRecorded: readonly string[];
}

/**
 * Every property the instrumentation replaces in any recording, `toString` first so no wrapper is
 * ever shown bare. `Promise.prototype.then` (`thenPatch`) is not among them: see NativeOptions.
 */
export const ALL_PATCHES: readonly Patch[] = [
  ...(toStringPatch === null ? [] : [toStringPatch]),
  ...requestPatches,
  ...timerPatches,
  ...abortPatches,
  ...combinatorPatches,
  ...workerPatches,
];

export class NativeInstrumentation implements NativeControl {
  private installed = false;
  /** Properties out of reach (frozen by the page), each said once in the page's console. */
  readonly notRecorded: string[] = [];
  private continuationsInstalled = false;
  private stopTracking: (() => void) | null = null;
  private readonly longTasks = new LongTaskObserver();
  private readonly resources = new ResourceObserver();

  constructor(private readonly hook: PageHook) {}

  attach(recorder: Recorder, options: NativeOptions): void {
    if (options.recording !== "startup") watchCostlyDispatches();
    const sink = currentSink();
    if (sink === null || sink.recorder !== recorder || sink.sites !== options.creationSites) {
      catchUp(); // into the recorder it was noticed for
      forgetTimers();
      forgetCauses();
      setSink({ recorder, sites: options.creationSites });
    }
    if (!this.installed) {
      for (let k = 0; k < ALL_PATCHES.length; k++) this.install(ALL_PATCHES[k]!);
      this.stopTracking = this.hook.onRuntime((runtime: RegisteredRuntime) => runtime.addInstrument(taskTracker));
      watchDispatches();
      this.installed = true;
    }
    // A start-up or flight recording that becomes a requested one keeps its recorder: it gains
    // the continuations' causes from now on.
    if (options.recording === "requested" && !this.continuationsInstalled && thenPatch !== null) {
      this.install(thenPatch);
      this.continuationsInstalled = true;
    }
    // A start-up or flight recording that a panel in DevTools takes on stops observing entries.
    const entries = !(options.networkLog === true && options.recording === "requested");
    if (sink?.recorder !== recorder) {
      this.longTasks.start();
      this.resources.start(entries);
    } else {
      this.resources.observeEntries(entries);
    }
  }

  networkTimings(recorder: Recorder, timings: NetworkTimings): void {
    if (currentSink()?.recorder === recorder) this.resources.takeTimings(timings);
  }

  catchUp(): void {
    catchUp();
  }

  /**
   * Puts `patch` in place; where the page froze its owner, what goes through it is not
   * recorded: the recording's source says so (`notRecorded`, sent with the agent's hello), and
   * the page's console once a property.
   */
  private install(patch: Patch): void {
    if (patch.install() || indexOf(this.notRecorded, patch.name) >= 0) return;
    append(this.notRecorded, patch.name);
    apply(consoleWarn, console, [`aioscope: ${patch.name} is read-only on this page (frozen), so what goes through it is not recorded.`]);
  }

  detach(recorder?: Recorder): void {
    if (recorder !== undefined && currentSink()?.recorder !== recorder) return;
    catchUp();
    setSink(null);
    forgetTimers();
    forgetCauses();
    this.longTasks.stop();
    this.resources.stop();
    if (!this.installed) return;
    if (this.continuationsInstalled) thenPatch?.uninstall();
    this.continuationsInstalled = false;
    for (let k = ALL_PATCHES.length - 1; k >= 0; k--) ALL_PATCHES[k]!.uninstall();
    this.stopTracking?.();
    this.stopTracking = null;
    const runtimes = this.hook.runtimes;
    for (let k = 0; k < runtimes.length; k++) runtimes[k]!.removeInstrument(taskTracker);
    taskTracker.running = 0;
    this.installed = false;
  }
}
