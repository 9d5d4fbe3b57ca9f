/**
 * What is executing right now: the loop whose callback runs and the task whose step runs,
 * and the accessors that read it (`getRunningLoop`, `getEventLoop`). Kept apart from the
 * classes so that future.ts, task.ts and the primitives can all reach the current loop
 * without importing the concrete event loop: only event-loop.ts does, and it registers how
 * a default loop is made when it loads.
 */
import { RuntimeError } from "./errors.ts";
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

/**
 * @internal The loops of this runtime copy that are not closed: what a live walk of the tasks
 * (live-tasks.ts) visits. A loop joins when it is made and leaves when it closes, never per step.
 */
export const openLoops = new Set<EventLoop>();

let defaultLoop: EventLoop | null = null;
let makeDefaultLoop: (() => EventLoop) | null = null;

/** @internal event-loop.ts says how this realm's default loop is made (it cannot be imported here). */
export function registerDefaultLoopFactory(factory: () => EventLoop): void {
  makeDefaultLoop = factory;
}

/**
 * The loop running the current callback or task step.
 *
 * @example
 * function* main() { const loop = getRunningLoop(); console.warn(loop.time()) }
 * @throws RuntimeError "no running event loop" outside a task step or loop callback.
 */
export function getRunningLoop(): EventLoop {
  const loop = running.loop;
  if (loop === null) throw new RuntimeError("no running event loop: getRunningLoop() works only inside a task step or a loop callback");
  return loop;
}

/**
 * The running loop, else this realm's long-lived default loop (created on first use and
 * never closed) — what a page uses from its event handlers.
 *
 * @example
 * button.onclick = () => getEventLoop().createTask(refresh());
 */
export function getEventLoop(): EventLoop {
  if (running.loop !== null) return running.loop;
  if (defaultLoop !== null) return defaultLoop;
  if (makeDefaultLoop === null) throw new RuntimeError("no event loop: import the runtime through its index (event-loop.ts was never loaded)");
  return defaultLoop = makeDefaultLoop();
}
