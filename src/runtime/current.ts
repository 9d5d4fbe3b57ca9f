/**
 * What is executing right now: the loop whose callback runs and the task whose step runs.
 * Kept apart from the classes so that future.ts, task.ts and event-loop.ts can all read it
 * without importing each other at load time.
 */
import type { EventLoop } from "./event-loop.ts";
import type { Task } from "./task.ts";

export const running: { loop: EventLoop | null; task: Task<unknown> | null } = { loop: null, task: null };
