/**
 * What is executing right now: the loop whose callback runs and the task whose step runs.
 * Kept apart from the classes so that future.ts, task.ts and event-loop.ts can all read it
 * without importing each other at load time.
 */
import type { EventLoop } from "./event-loop.ts";
import type { Task } from "./task.ts";

export const running: {
  loop: EventLoop | null;
  task: Task<unknown> | null;
  /**
   * While a loop callback runs: the task on whose behalf it was scheduled (e.g. the child
   * whose completion runs gather's done callback), so a task it wakes knows who woke it.
   */
  origin: Task<unknown> | null;
} = { loop: null, task: null, origin: null };
