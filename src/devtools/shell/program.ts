/**
 * The shell's "page": a small asyncio program run by the real runtime while the shell
 * records, so the panel gets a live session with every kind of row and mark — nested tasks,
 * sleeps, a lock, a queue, gather, a timeout, a cancellation and an error.
 */
import { CancelledError, Lock, Queue, createTask, gather, run, sleep, waitFor } from "../../runtime/index.ts";

function* fetchLike(ms: number, fail: boolean): Generator<unknown, number, unknown> {
  yield* sleep(ms);
  if (fail) throw new Error(`request failed after ${ms} ms`);
  return ms;
}

function* producer(queue: Queue<number>, count: number): Generator<unknown, void, unknown> {
  for (let k = 0; k < count; k++) {
    yield* sleep(15);
    yield* queue.put(k);
  }
}

function* consumer(queue: Queue<number>, lock: Lock): Generator<unknown, void, unknown> {
  for (;;) {
    const item = yield* queue.get();
    yield* lock.acquire();
    try {
      yield* sleep(10 + (item % 3) * 5);
    } finally {
      lock.release();
    }
    queue.taskDone();
  }
}

function* slowWorker(): Generator<unknown, void, unknown> {
  try {
    yield* sleep(10_000);
  } catch (error) {
    if (error instanceof CancelledError) yield* sleep(5);
    throw error;
  }
}

function* main(): Generator<unknown, void, unknown> {
  const fetches = [40, 80, 120].map((ms, k) => createTask(fetchLike(ms, k === 2), { name: `fetch ${k + 1}` }));
  yield* gather(fetches, { returnExceptions: true });

  const queue = new Queue<number>(2);
  const lock = new Lock();
  const consumers = [1, 2].map((k) => createTask(consumer(queue, lock), { name: `consumer ${k}` }));
  yield* gather([createTask(producer(queue, 6), { name: "producer" })]);
  yield* queue.join();
  for (const c of consumers) c.cancel("no more work");

  try {
    yield* waitFor(createTask(fetchLike(400, false), { name: "slow fetch" }), 60);
  } catch {
    // The timeout is the point.
  }
  const worker = createTask(slowWorker(), { name: "worker" });
  yield* sleep(30);
  worker.cancel("stopped by main");
  yield* gather([worker], { returnExceptions: true });
}

/** Runs the program once; resolves when it has finished. */
export function runProgram(): Promise<void> {
  return run(main, { name: "main" }).catch(() => undefined);
}
