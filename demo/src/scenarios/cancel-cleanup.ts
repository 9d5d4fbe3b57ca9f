/**
 * Cancelling a long-running task from another task. CancelledError is thrown in at the
 * worker's current await; its `finally` block runs (and may itself await, to clean up)
 * before the task ends as cancelled.
 */
import { CancelledError, createTask, sleep, type Task } from "../../../src/runtime/index.ts";
import { describeError, fetchItem, msSince, type ErrorSummary } from "../api.ts";
import type { Scenario } from "../scenario.ts";

const CANCEL_AFTER_MS = 350;
const CHUNK_DELAY_MS = 60;
const CLEANUP_MS = 50;
const CANCEL_MESSAGE = "stop requested by the supervisor";

export interface CancelCleanupSummary {
  readonly chunksProcessed: number;
  readonly workerCancelled: boolean;
  /** What awaiting the worker raised in main. */
  readonly awaitRaised: ErrorSummary | null;
  /** What the worker itself caught at its await. */
  readonly workerCaught: ErrorSummary | null;
  readonly finallyRan: boolean;
  /** The awaited clean-up inside `finally` completed. */
  readonly cleanupCompleted: boolean;
  readonly elapsedMs: number;
  readonly events: string[];
}

interface WorkerState {
  chunks: number;
  caught: ErrorSummary | null;
  finallyRan: boolean;
  cleanupCompleted: boolean;
  readonly events: string[];
}

function* worker(state: WorkerState, progress: (text: string) => void): Generator<unknown, never, unknown> {
  try {
    for (;;) {
      yield* fetchItem(100 + state.chunks, { delay: CHUNK_DELAY_MS });
      state.chunks++;
      progress(`worker: processed ${state.chunks} chunk${state.chunks === 1 ? "" : "s"}…`);
    }
  } catch (error) {
    if (error instanceof CancelledError) {
      state.caught = describeError(error);
      state.events.push(`worker: caught CancelledError("${error.message}")`);
    }
    throw error;
  } finally {
    state.finallyRan = true;
    state.events.push("worker: finally: flushing and closing");
    // Awaiting inside finally is allowed: the cancellation was delivered once, already.
    yield* sleep(CLEANUP_MS);
    state.cleanupCompleted = true;
    state.events.push("worker: finally: clean-up done");
  }
}

function* supervisor(target: Task<unknown>, events: string[]): Generator<unknown, void, unknown> {
  yield* sleep(CANCEL_AFTER_MS);
  events.push(`supervisor: worker.cancel("${CANCEL_MESSAGE}")`);
  target.cancel(CANCEL_MESSAGE);
}

export const cancelCleanup: Scenario<CancelCleanupSummary> = {
  name: "cancel-cleanup",
  title: "Cancelling a task that cleans up",
  teaches:
    "task.cancel() throws CancelledError into the task at the await where it is suspended. Its finally block still runs, and may await its own clean-up, before the task ends as cancelled; whoever awaits it then gets the CancelledError.",
  lookFor: `The worker fetches chunk after chunk until the supervisor cancels it after ${CANCEL_AFTER_MS} ms; then a short clean-up sleep, then it ends cancelled.`,
  *run({ progress }) {
    const state: WorkerState = { chunks: 0, caught: null, finallyRan: false, cleanupCompleted: false, events: [] };
    const start = performance.now();
    const task = createTask(worker(state, progress), { name: "worker" });
    const stopper = createTask(supervisor(task, state.events), { name: "supervisor" });

    let awaitRaised: ErrorSummary | null = null;
    try {
      yield* task;
    } catch (error) {
      awaitRaised = describeError(error);
      state.events.push(`main: awaiting the worker raised ${awaitRaised.name}`);
    }
    yield* stopper;

    return {
      summary: {
        chunksProcessed: state.chunks,
        workerCancelled: task.cancelled(),
        awaitRaised,
        workerCaught: state.caught,
        finallyRan: state.finallyRan,
        cleanupCompleted: state.cleanupCompleted,
        elapsedMs: msSince(start),
        events: state.events,
      },
      text: `worker processed ${state.chunks} chunks, was ${task.cancelled() ? "cancelled" : "NOT cancelled"}; ` +
        `finally ${state.cleanupCompleted ? "ran and finished its clean-up" : "did not finish"}`,
    };
  },
};
