/**
 * A loop's tasks that are not done yet, in creation order, linked through the tasks
 * themselves: adding or removing one is a few field writes, where a Set hashed every task
 * on spawn and again on finish — a fifth of what a short-lived task cost. Walking it needs
 * no iterator either, which matters inside pages whose built-ins may have been replaced.
 */
import type { Task } from "./task.ts";

export class LiveTaskList {
  /** @internal */ _first: Task<unknown> | null = null;
  /** @internal */ _last: Task<unknown> | null = null;

  add(task: Task<unknown>): void {
    const last = this._last;
    task._prevLive = last;
    task._nextLive = null;
    if (last === null) this._first = task;
    else last._nextLive = task;
    this._last = task;
  }

  /** Removes `task`; a task not in the list (already removed) is left alone. */
  remove(task: Task<unknown>): void {
    const prev = task._prevLive;
    const next = task._nextLive;
    if (prev === null ? this._first !== task : prev._nextLive !== task) return;
    if (prev === null) this._first = next;
    else prev._nextLive = next;
    if (next === null) this._last = prev;
    else next._prevLive = prev;
    task._prevLive = task._nextLive = null;
  }

  /** The tasks, oldest first, as a new array (index writes only). */
  toArray(): Task<unknown>[] {
    const tasks: Task<unknown>[] = [];
    for (let task = this._first; task !== null; task = task._nextLive) tasks[tasks.length] = task;
    return tasks;
  }
}
