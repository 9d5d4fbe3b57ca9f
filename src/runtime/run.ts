/** The entry point: run a main coroutine on a fresh loop (asyncio.run). */
import { EventLoop, type RunOptions } from "./event-loop.ts";
import { gather } from "./gather.ts";
import { releaseLoopResources } from "./io/loop-resources.ts";
import type { CoroutineSource, Task } from "./task.ts";

/**
 * Runs `main` as a task on a new event loop. When it ends, every task still pending on that
 * loop is cancelled and awaited, and the loop is closed. Resolves with main's result, or
 * rejects with its error (CancelledError if it was cancelled).
 *
 * @example
 * await run(function* () {
 *   const [a, b] = yield* gather([sleep(100, "a"), sleep(200, "b")]);
 *   return a + b;
 * }, { clock: "virtual" }); // "ab", at once
 */
export async function run<T>(main: CoroutineSource<T>, options: RunOptions = {}): Promise<T> {
  const loop = new EventLoop(options);
  try {
    const task = loop.createTask(main, options.name === undefined ? {} : { name: options.name });
    return await loop.runUntilComplete(task);
  } finally {
    try {
      await cancelAllTasks(loop);
    } finally {
      // Workers, connections, servers and processes the loop still holds: released before
      // run() returns, so nothing it started outlives it (asyncio.run shuts its executor down).
      await releaseLoopResources(loop).finally(() => loop.close());
    }
  }
}

async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const pending: Task<unknown>[] = loop._tasks.toArray();
  if (pending.length === 0) return;
  for (const task of pending) task.cancel();
  await loop.runUntilComplete(gather(pending, { returnExceptions: true }));
  for (const task of pending) {
    if (task.cancelled()) continue;
    const error = task.exception();
    if (error !== null) {
      loop.callExceptionHandler({ message: "unhandled exception during run() shutdown", exception: error, future: task });
    }
  }
}
