/**
 * Paces a live session's snapshots to the timeline's modelling. A snapshot of a session of a
 * hundred thousand tasks is megabytes of fresh arrays, and the model built from it more: while
 * a model is being built (session/model-job.ts, in slices), a snapshot taken meanwhile is only
 * ever replaced by a newer one before the build is done, so taking it is garbage the panel's
 * thread then collects, inside whatever task the collector lands in. So a streaming update
 * waits until the build under way is done, then takes one snapshot: at most one per build.
 *
 * Commands a person gives (record, stop, load…) never wait (use-store.ts).
 */
export class SnapshotPace {
  private building = false;
  private waiting: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** The model job starts (true) or ends (false) a build. */
  setBuilding(building: boolean): void {
    this.building = building;
    if (building || this.waiting === null || this.timer !== null) return;
    // In a task of its own: the build's last slice has had its time.
    this.timer = setTimeout(() => {
      this.timer = null;
      const take = this.waiting;
      this.waiting = null;
      take?.();
    }, 0);
  }

  /**
   * Runs `take` now if no model is being built, else once the build under way is done (a later
   * call replaces an earlier one still waiting). Returns how to cancel it.
   */
  whenReady(take: () => void): () => void {
    if (!this.building && this.timer === null) {
      take();
      return () => {};
    }
    this.waiting = take;
    return () => {
      if (this.waiting === take) this.waiting = null;
    };
  }
}
