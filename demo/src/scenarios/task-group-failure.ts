/**
 * Structured concurrency: when one child of a taskGroup fails, the group cancels the others
 * and raises an ExceptionGroup holding the failure (unlike gather, which lets them run on).
 */
import { CancelledError, taskGroup } from "../../../src/runtime/index.ts";
import { describeError, fetchItem, msSince, type ErrorSummary, type Item } from "../api.ts";
import type { Scenario } from "../scenario.ts";

const CHILDREN = [
  { name: "load profile", id: 21, delay: 400, fail: false },
  { name: "load orders", id: 22, delay: 120, fail: true },
  { name: "load recommendations", id: 23, delay: 600, fail: false },
] as const;

export interface TaskGroupFailureSummary {
  readonly raised: ErrorSummary | null;
  /** What was cancelled because a child failed: the other children and the group's body. */
  readonly cancelled: string[];
  readonly completed: string[];
  readonly elapsedMs: number;
}

export const taskGroupFailure: Scenario<TaskGroupFailureSummary> = {
  name: "task-group-failure",
  title: "A taskGroup where one child fails",
  teaches:
    "A taskGroup waits for all its children. When one fails, it cancels the others and the group's own body at once, waits for them to finish, and raises an ExceptionGroup holding the error: no task is left running behind your back.",
  lookFor: `"load orders" fails after ~120 ms; at that moment the group cancels its two siblings and main's own fetch, then main receives the ExceptionGroup.`,
  *run({ progress }) {
    const start = performance.now();
    const cancelled: string[] = [];
    const completed: string[] = [];

    function* child(name: string, id: number, delay: number, fail: boolean): Generator<unknown, Item, unknown> {
      try {
        const item = yield* fetchItem(id, { delay, fail });
        completed.push(name);
        return item;
      } catch (error) {
        if (error instanceof CancelledError) cancelled.push(name);
        throw error;
      }
    }

    progress(`taskGroup with ${CHILDREN.length} children…`);
    let raised: ErrorSummary | null = null;
    try {
      yield* taskGroup(function* (group) {
        for (const { name, id, delay, fail } of CHILDREN) group.createTask(child(name, id, delay, fail), { name });
        // The body goes on with work of its own, which the failure cancels too.
        yield* child("group body", 20, 300, false);
      });
    } catch (error) {
      raised = describeError(error);
    }
    const elapsedMs = msSince(start);
    const inner = raised?.exceptions?.map((e) => e.name).join(", ") ?? "";

    return {
      summary: { raised, cancelled, completed, elapsedMs },
      text: `raised ${raised === null ? "nothing" : `${raised.name}[${inner}]`} after ${elapsedMs} ms; cancelled: ${cancelled.join(", ") || "none"}`,
    };
  },
};
