/**
 * A read-only walk over the live tasks of this runtime copy, for "what is every task waiting
 * for right now" (Python 3.14's `asyncio ps` / `pstree`), and cancelling one of them from
 * outside (aiomonitor's `cancel`).
 *
 * Nothing here runs on the hot path: the walk reads what tasks keep anyway to run (`_futWaiter`,
 * `_waitingOn`, the slice start stored on suspension, a lock's holder) from the loops that are
 * open (current.ts `openLoops`). It runs only when someone asks.
 */
import { openLoops, running } from "./current.ts";
import { GatheringFuture } from "./gather.ts";
import { provideLiveWalk, type AwaitKind } from "./instrument.ts";
import { Task, type TaskKind } from "./task.ts";

/** What a live task is doing: its step runs now, a step is due, or it waits on a future. */
export type LiveTaskState = "running" | "ready" | "waiting";

/** What a waiting task awaits, as far as the runtime knows it. */
export interface LiveAwait {
  readonly kind: AwaitKind;
  readonly label: string;
  /** The awaited resource's id (lock, event, condition, semaphore, barrier, queue), or null. */
  readonly resource: number | null;
  /** The live tasks it awaits: the awaited task, or gather's children not yet done. */
  readonly tasks: readonly number[];
  /** The task holding the awaited resource (a lock), or null. */
  readonly holder: number | null;
}

export interface LiveTask {
  readonly id: number;
  readonly name: string;
  /** The task that was running when this one was created, or null. */
  readonly parent: number | null;
  readonly kind: TaskKind;
  readonly state: LiveTaskState;
  readonly awaiting: LiveAwait | null;
  /**
   * When it began waiting, on the host clock (`performance.now()` in a page): the start of the
   * loop slice it suspended in, so at most one slice (a few ms) early. Null unless waiting.
   */
  readonly since: number | null;
  /** A cancellation was requested and has not finished the task yet. */
  readonly cancelling: boolean;
}

export interface LiveTasks {
  /** At most `limit` tasks, in creation order within each loop. */
  readonly tasks: readonly LiveTask[];
  /** Live tasks left out past `limit`. */
  readonly omitted: number;
}

/**
 * The live tasks of every open loop of this runtime copy, at most `limit` of them.
 *
 * @example
 * const { tasks } = liveTasks(1000);
 * for (const t of tasks) console.warn(t.name, t.state, t.awaiting?.label);
 */
export function liveTasks(limit: number): LiveTasks {
  // Index writes and no sort (a loop's list keeps creation order): the extension calls this
  // inside pages, whose Array.prototype may have been replaced since.
  const tasks: LiveTask[] = [];
  let omitted = 0;
  for (const loop of openLoops) {
    for (let task = loop._tasks._first; task !== null; task = task._nextLive) {
      if (tasks.length < limit) tasks[tasks.length] = describeLive(task);
      else omitted++;
    }
  }
  return { tasks, omitted };
}

/** Awaits whose target id names a resource (the others name a task, or nothing). */
const RESOURCE_AWAITS: ReadonlySet<AwaitKind> = new Set<AwaitKind>([
  "lock", "event", "condition", "semaphore", "barrier", "queue.get", "queue.put", "queue.join",
]);

function describeLive(task: Task<unknown>): LiveTask {
  const future = task._futWaiter;
  const target = task._waitingOn;
  const state: LiveTaskState = running.task === task ? "running" : future !== null ? "waiting" : "ready";
  let awaiting: LiveAwait | null = null;
  if (state === "waiting" && target !== null) {
    const tasks: number[] = [];
    if (future instanceof Task) tasks[0] = future.id;
    else if (future instanceof GatheringFuture) {
      const children = future._children;
      for (let k = 0; k < children.length; k++) {
        const child = children[k];
        if (child instanceof Task && !child.done()) tasks[tasks.length] = child.id;
      }
    } else if ((target.kind === "shield" || target.kind === "waitFor") && typeof target.id === "number") tasks[0] = target.id;
    const holder = target.resource?.holder?.() ?? null;
    awaiting = {
      kind: target.kind, label: target.label,
      resource: RESOURCE_AWAITS.has(target.kind) && typeof target.id === "number" ? target.id : null,
      tasks, holder: holder === null ? null : holder.id,
    };
  }
  const sliceStart = task._waitingSince?.start ?? -Infinity;
  const since = state === "waiting" && sliceStart > -Infinity ? sliceStart : null;
  return {
    id: task.id, name: task.getName(), parent: task.parent === null ? null : task.parent.id, kind: task.kind,
    state, awaiting, since, cancelling: task._numCancelsRequested > 0,
  };
}

/**
 * Cancels the live task `id` of this runtime copy with `message`, as `task.cancel(message)`
 * does (instruments see the request from outside any task: `by` is null). False when no open
 * loop has such a live task.
 *
 * @example
 * cancelLiveTask(42, "cancelled from DevTools");
 */
export function cancelLiveTask(id: number, message: string): boolean {
  for (const loop of openLoops) {
    for (let task = loop._tasks._first; task !== null; task = task._nextLive) {
      if (task.id !== id) continue;
      if (task.done()) return false;
      return task.cancel(message);
    }
  }
  return false;
}

provideLiveWalk({ liveTasks, cancelLiveTask });
