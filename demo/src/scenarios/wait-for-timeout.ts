/**
 * waitFor() around a fetch: a fast one returns its value; a slow one times out, and the
 * inner task is cancelled and awaited (its `finally` runs) before TimeoutError is raised.
 */
import { CancelledError, createTask, waitFor } from "../../../src/runtime/index.ts";
import { describeError, fetchItem, itemPath, msSince, type ErrorSummary, type Item } from "../api.ts";
import type { Scenario } from "../scenario.ts";

// Far apart, so a busy machine cannot turn the fast fetch into a timeout, nor let the slow one
// finish before its deadline.
const TIMEOUT_MS = 1000;
const FAST = { id: 7, delay: 80 };
const SLOW = { id: 8, delay: 5000 };

export interface WaitForTimeoutSummary {
  readonly timeoutMs: number;
  /** How long the slow request would take: waitFor must give up well before. */
  readonly slowDelayMs: number;
  readonly fast: { readonly returned: number; readonly elapsedMs: number };
  readonly slow: {
    readonly raised: ErrorSummary | null;
    readonly elapsedMs: number;
    readonly innerCancelled: boolean;
    /** What happened, in order: the inner task's cancellation and cleanup come before the raise. */
    readonly events: string[];
  };
}

function* slowFetch(events: string[]): Generator<unknown, Item, unknown> {
  events.push(`inner: GET ${itemPath(SLOW.id, { delay: SLOW.delay })}`);
  try {
    return yield* fetchItem(SLOW.id, { delay: SLOW.delay });
  } catch (error) {
    if (error instanceof CancelledError) events.push("inner: cancelled (CancelledError)");
    throw error;
  } finally {
    events.push("inner: finally ran");
  }
}

export const waitForTimeout: Scenario<WaitForTimeoutSummary> = {
  name: "wait-for-timeout",
  title: "waitFor() timing out",
  teaches:
    `waitFor(aw, ${TIMEOUT_MS}) returns the value if it comes in time. If not, it cancels the inner task, waits until that has really finished (its finally runs, the request is aborted), and only then raises TimeoutError.`,
  lookFor: "The fast fetch ends inside the deadline; the slow one shows a timeout, a cancellation, then the TimeoutError in main.",
  *run({ progress }) {
    progress(`waitFor(fast fetch, ${TIMEOUT_MS})…`);
    let start = performance.now();
    const fastItem = yield* waitFor(createTask(fetchItem(FAST.id, FAST), { name: "fast fetch" }), TIMEOUT_MS);
    const fast = { returned: fastItem.id, elapsedMs: msSince(start) };

    progress(`waitFor(slow fetch, ${TIMEOUT_MS})…`);
    const events: string[] = [];
    const inner = createTask(slowFetch(events), { name: "slow fetch" });
    start = performance.now();
    let raised: ErrorSummary | null = null;
    try {
      yield* waitFor(inner, TIMEOUT_MS);
      events.push("waitFor returned");
    } catch (error) {
      raised = describeError(error);
      events.push(`waitFor raised ${raised.name}`);
    }
    const elapsedMs = msSince(start);

    return {
      summary: {
        timeoutMs: TIMEOUT_MS,
        slowDelayMs: SLOW.delay,
        fast,
        slow: { raised, elapsedMs, innerCancelled: inner.cancelled(), events },
      },
      text: `fast: item ${fast.returned} in ${fast.elapsedMs} ms · slow: ${raised === null ? "returned" : raised.name} after ${elapsedMs} ms, inner ${inner.cancelled() ? "cancelled" : "not cancelled"}`,
    };
  },
};
