/**
 * A SliceScheduler whose slices run when the test says: each clock read moves time on by
 * `tick` ms, so a slice is used up after a few questions (a tick of 0 never uses one up).
 */
import type { SliceScheduler } from "../../../src/devtools/session/model-job.ts";

export class ManualScheduler implements SliceScheduler {
  private clock = 0;
  private readonly queue: (() => void)[] = [];
  slices = 0;
  readonly delays: number[] = [];

  constructor(private readonly tick = 1) {}

  now(): number {
    return (this.clock += this.tick);
  }

  later(run: () => void, delayMs: number): () => void {
    this.delays.push(delayMs);
    this.queue.push(run);
    return () => {
      const at = this.queue.indexOf(run);
      if (at >= 0) this.queue.splice(at, 1);
    };
  }

  /** Runs the next slice, if one is waiting. */
  step(): boolean {
    const run = this.queue.shift();
    if (run === undefined) return false;
    this.slices++;
    run();
    return true;
  }

  /** Runs slices until none is waiting. */
  drain(): void {
    while (this.step());
  }
}
