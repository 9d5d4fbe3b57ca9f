/**
 * Builds the timeline models of a growing live session a slice of time at a time, so that no
 * build holds the panel's thread past a frame: a session of a million records takes tens of
 * milliseconds to re-model, more on a busy machine, and the panel must keep drawing, scrolling
 * and taking batches meanwhile. The model shown until a build is done is the one before it.
 *
 * Builds never overlap and never restart: asking for a newer trace while one is being built
 * only changes what the next build starts from, so a session that grows faster than it is
 * modelled is shown at the pace the builds allow, each one reusing the work of the last. A
 * build's work is followed by a rest four times as long before the next one starts (MAX_SHARE_OF_TIME),
 * so the panel's thread is never busy modelling back to back, and a big session makes fewer,
 * not longer, builds. A newer trace asked for during that rest, or after it, waits for its end
 * too; the session's snapshots are paced to the builds and their rests (session/snapshot-pace.ts).
 */
import type { Trace } from "../../trace/model.ts";
import { timelineModelBuild, type Pause, type TimelineModel } from "../timeline/model.ts";

/** Longest stretch a build runs before it lets the browser draw and take messages. */
export const SLICE_MS = 6;
/**
 * The share of the panel's time builds take at most, while a session grows. Each build of a
 * big session passes over all of it, so fewer builds is less work: at 0.5, building took half
 * of all the CPU the panel spent on a growing 100 000-task session; at 0.2 the panel spends a
 * quarter less in all, and the timeline still moves a few times a second.
 */
const MAX_SHARE_OF_TIME = 0.2;

/** How the job is paced: real timers in the panel, and whatever a test chooses. */
export interface SliceScheduler {
  now(): number;
  /**
   * Runs `run` in `delayMs` or soon after, behind what the browser has queued by then (a
   * frame, a message); returns how to cancel it.
   */
  later(run: () => void, delayMs: number): () => void;
}

export const BROWSER_SCHEDULER: SliceScheduler = {
  now: () => performance.now(),
  later: (run, delayMs) => {
    const timer = setTimeout(run, delayMs);
    return () => clearTimeout(timer);
  },
};

export class ModelJob {
  private wanted: Trace;
  private build: Generator<void, TimelineModel, void> | null = null;
  private cancelSlice: (() => void) | null = null;
  private deadline = 0;
  /** Time the build under way has run so far, in all its slices. */
  private work = 0;
  /** When the rest after the last build ends (the scheduler's clock). */
  private restUntil = 0;
  private readonly pause: Pause = { due: () => this.scheduler.now() >= this.deadline };

  /**
   * Follows the session `base` is a model of; `onBuilt` is told each model built, after the
   * slice that finished it; `onBuilding`, when a build starts (true) and when the rest after
   * the last build ends with nothing newer to build (false).
   */
  constructor(
    private base: TimelineModel,
    private readonly onBuilt: (model: TimelineModel) => void,
    private readonly scheduler: SliceScheduler = BROWSER_SCHEDULER,
    private readonly onBuilding: (building: boolean) => void = () => {},
  ) {
    this.wanted = base.trace;
  }

  /** The latest model built (the one given at first until a build is done). */
  get latest(): TimelineModel {
    return this.base;
  }

  /** Models `trace`, a later snapshot of the same session, in slices; the newest asked for wins. */
  want(trace: Trace): void {
    this.wanted = trace;
    if (this.build === null && this.cancelSlice === null && trace !== this.base.trace) this.next(Math.max(0, this.restUntil - this.scheduler.now()));
  }

  /** Stops: no slice runs after this, and `onBuilt` is not called again. */
  dispose(): void {
    const busy = this.build !== null || this.cancelSlice !== null;
    this.cancelSlice?.();
    this.cancelSlice = null;
    this.build = null;
    if (busy) this.onBuilding(false);
  }

  private next(delayMs: number): void {
    this.cancelSlice = this.scheduler.later(() => this.slice(), delayMs);
  }

  private slice(): void {
    this.cancelSlice = null;
    if (this.build === null) {
      if (this.wanted === this.base.trace) {
        // The rest after a build is over and nothing newer was asked for.
        this.onBuilding(false);
        return;
      }
      this.build = timelineModelBuild(this.wanted, this.base, this.pause);
      this.work = 0;
      this.onBuilding(true);
    }
    const started = this.scheduler.now();
    this.deadline = started + SLICE_MS;
    const step = this.build.next();
    this.work += this.scheduler.now() - started;
    if (step.done !== true) {
      this.next(0);
      return;
    }
    this.build = null;
    this.base = step.value;
    const rest = this.work * (1 / MAX_SHARE_OF_TIME - 1);
    this.restUntil = this.scheduler.now() + rest;
    this.onBuilt(this.base);
    // After a rest (see the top): the next build, if a newer snapshot came meanwhile; until
    // then the job counts as building, so snapshots wait for the rest's end too.
    if (this.cancelSlice === null) this.next(rest);
  }
}
