/**
 * gather() with one failing child. Without returnExceptions the first error is raised to the
 * awaiter at once, and the other children keep running (gather never cancels them, as in
 * CPython); with returnExceptions every outcome, error or value, comes back in order.
 */
import { createTask, gather, wait, type Task } from "../../../src/runtime/index.ts";
import { describeError, errorText, fetchItem, msSince, type ErrorSummary, type Item } from "../api.ts";
import type { Scenario } from "../scenario.ts";

/** The children: the second fails first, the others succeed later. */
const CHILDREN = [
  { id: 1, delay: 150, fail: false },
  { id: 2, delay: 60, fail: true },
  { id: 3, delay: 250, fail: false },
] as const;

type ChildOutcome = { readonly value: number } | { readonly error: ErrorSummary };

export interface GatherSummary {
  readonly withoutReturnExceptions: {
    /** What `yield* gather(...)` raised. */
    readonly raised: ErrorSummary | null;
    readonly raisedAfterMs: number;
    /** The children still running when gather raised. */
    readonly stillRunningWhenRaised: string[];
    /** How each child ended, once all had finished. */
    readonly children: Record<string, "done" | "error" | "cancelled">;
  };
  readonly withReturnExceptions: {
    /** The returned list, in input order: item ids, or the error in the failing child's place. */
    readonly results: ChildOutcome[];
    readonly elapsedMs: number;
  };
}

function startChildren(label: string): Task<Item>[] {
  return CHILDREN.map(({ id, delay, fail }) =>
    createTask(fetchItem(id, { delay, fail }), { name: `${label}: item ${id}${fail ? " (fails)" : ""}` }));
}

function outcomeOf(task: Task<unknown>): "done" | "error" | "cancelled" {
  if (task.cancelled()) return "cancelled";
  return task.exception() === null ? "done" : "error";
}

export const gatherScenario: Scenario<GatherSummary> = {
  name: "gather",
  title: "gather() with a failing child",
  teaches:
    "Without returnExceptions, gather() raises the first error as soon as it happens, but does not cancel the other children: they run on. With returnExceptions: true, the error takes its place in the results.",
  lookFor: "In the first round the main task wakes with an error while two fetch tasks are still running; in the second, gather waits for all three.",
  *run({ progress }) {
    progress("gather without returnExceptions…");
    let start = performance.now();
    const first = startChildren("raise");
    let raised: ErrorSummary | null = null;
    try {
      yield* gather(first);
    } catch (error) {
      raised = describeError(error);
    }
    const raisedAfterMs = msSince(start);
    const stillRunningWhenRaised = first.filter((task) => !task.done()).map((task) => task.getName());
    progress(`gather raised ${raised === null ? "nothing" : raised.name}; waiting for the children it left running…`);
    yield* wait(first);
    const children = Object.fromEntries(first.map((task) => [task.getName(), outcomeOf(task)]));

    progress("gather with returnExceptions: true…");
    start = performance.now();
    const settled = yield* gather(startChildren("return"), { returnExceptions: true });
    const results = settled.map((result): ChildOutcome =>
      result instanceof Error ? { error: describeError(result) } : { value: (result as Item).id });

    const shown = results.map((r) => ("error" in r ? r.error.name : String(r.value))).join(", ");
    return {
      summary: {
        withoutReturnExceptions: { raised, raisedAfterMs, stillRunningWhenRaised, children },
        withReturnExceptions: { results, elapsedMs: msSince(start) },
      },
      text: `raised ${raised === null ? "nothing" : errorText(raised)} after ${raisedAfterMs} ms, ` +
        `${stillRunningWhenRaised.length} children kept running · returnExceptions: [${shown}]`,
    };
  },
};
