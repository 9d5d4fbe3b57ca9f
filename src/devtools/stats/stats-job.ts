/**
 * Analyzes a session a slice of time at a time, so that the statistics never hold the panel's
 * thread past a frame: a session of a hundred thousand tasks takes seconds to analyze in
 * one go (more on a busy machine), and the panel must keep drawing and taking batches
 * meanwhile. The analysis is the same as in one go (analyzeSessionBuild pauses between its
 * parts and inside the long ones), only spread over tasks.
 */
import { BROWSER_SCHEDULER, SLICE_MS, type SliceScheduler } from "../session/model-job.ts";
import type { Pause } from "../../trace/analysis/pause.ts";
import type { TimelineModel } from "../timeline/model.ts";
import { analyzeSessionBuild, type SessionStats } from "./session-stats.ts";

export class StatsJob {
  private readonly build: Generator<void, SessionStats, void>;
  private cancelSlice: (() => void) | null = null;
  private deadline = 0;
  private done = false;
  /** Time the analysis has run so far, in all its slices (ms). */
  work = 0;
  private readonly pause: Pause = { due: () => this.scheduler.now() >= this.deadline };

  constructor(
    model: TimelineModel,
    private readonly onDone: (stats: SessionStats, job: StatsJob) => void,
    private readonly scheduler: SliceScheduler = BROWSER_SCHEDULER,
  ) {
    this.build = analyzeSessionBuild(model, this.pause);
  }

  /**
   * Runs a first slice of `budgetMs` now: the analysis if it was done within it (a small
   * session's, shown at once), else null, and the rest runs in slices until `onDone`.
   */
  start(budgetMs: number): SessionStats | null {
    const stats = this.slice(budgetMs);
    if (stats === null) this.next();
    return stats;
  }

  /** Stops: no slice runs after this, and `onDone` is not called. */
  dispose(): void {
    this.cancelSlice?.();
    this.cancelSlice = null;
    this.done = true;
  }

  private next(): void {
    this.cancelSlice = this.scheduler.later(() => {
      this.cancelSlice = null;
      const stats = this.slice(SLICE_MS);
      if (stats === null) this.next();
      else this.onDone(stats, this);
    }, 0);
  }

  private slice(budgetMs: number): SessionStats | null {
    if (this.done) return null;
    const started = this.scheduler.now();
    this.deadline = started + budgetMs;
    const step = this.build.next();
    this.work += this.scheduler.now() - started;
    if (step.done !== true) return null;
    this.done = true;
    return step.value;
  }
}

/** A live session is re-analyzed at most this often while it grows… */
const REANALYZE_MS = 1000;
/** …and less often when its analysis costs more: it then takes at most this share of the panel's time. */
const MAX_SHARE_OF_TIME = 0.2;

/** Analyses done, by model: the statistics and the insights views, and a view shown again, share them. */
const analyzed = new WeakMap<TimelineModel, SessionStats>();

/**
 * Follows the model shown with its statistics. An analysis under way is never restarted: a
 * newer model only changes what the next one analyzes, after a rest (REANALYZE_MS,
 * MAX_SHARE_OF_TIME); meanwhile the statistics before stay shown. Another session (a new
 * recording, a file) shows none until its own are done, so no figure of one is shown for the other.
 */
export class StatsFollower {
  /** The statistics to show: the newest done, or null before the first of this session. */
  shown: SessionStats | null = null;
  private wanted: TimelineModel | null = null;
  private job: StatsJob | null = null;
  private cancelWait: (() => void) | null = null;
  private lastDone = 0;
  private lastWork = 0;

  constructor(
    private readonly onShown: () => void,
    private readonly scheduler: SliceScheduler = BROWSER_SCHEDULER,
  ) {}

  /**
   * Asks for the statistics of `model`: at once if they are known or done within
   * `firstBudgetMs` (for a session with none shown yet), else later through `onShown`, which
   * `silent` keeps from being told of what this call shows.
   */
  want(model: TimelineModel, firstBudgetMs: number, silent = false): void {
    this.wanted = model;
    const known = analyzed.get(model);
    if (known !== undefined) {
      this.show(known, silent);
      return;
    }
    if (this.job !== null || this.cancelWait !== null) return; // the analysis under way ends first
    const shown = this.shown;
    if (shown === null || shown.model.trace.metadata.timeOrigin !== model.trace.metadata.timeOrigin) {
      if (shown !== null) this.show(null, silent);
      this.analyze(model, firstBudgetMs, silent);
      return;
    }
    const interval = Math.max(REANALYZE_MS, this.lastWork / MAX_SHARE_OF_TIME);
    this.cancelWait = this.scheduler.later(() => {
      this.cancelWait = null;
      this.analyze(this.wanted!, 0, false);
    }, Math.max(0, this.lastDone + interval - this.scheduler.now()));
  }

  /** Stops: no slice runs after this, and `onShown` is not called again. */
  dispose(): void {
    this.job?.dispose();
    this.job = null;
    this.cancelWait?.();
    this.cancelWait = null;
    this.wanted = null;
  }

  private analyze(model: TimelineModel, budgetMs: number, silent: boolean): void {
    const job = new StatsJob(model, (stats) => this.done(job, stats, false), this.scheduler);
    this.job = job;
    const now = job.start(budgetMs);
    if (now !== null) this.done(job, now, silent);
  }

  private done(job: StatsJob, stats: SessionStats, silent: boolean): void {
    this.job = null;
    this.lastDone = this.scheduler.now();
    this.lastWork = job.work;
    analyzed.set(stats.model, stats);
    this.show(stats, silent);
    // A newer model came while this one was analyzed: the next analysis, after a rest.
    if (this.wanted !== null && this.wanted !== stats.model) this.want(this.wanted, 0);
  }

  private show(stats: SessionStats | null, silent: boolean): void {
    if (this.shown === stats) return;
    this.shown = stats;
    if (!silent) this.onShown();
  }
}
