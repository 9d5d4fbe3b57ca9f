/**
 * Synchronisation primitives: Queue, Semaphore and Lock against the best plain-JS
 * equivalents measured in the same run. Each group's baseline is its fastest plain variant.
 */
import pLimit from "p-limit";
import { Mutex } from "async-mutex";
import { Lock, Queue, Semaphore, createTask, gather, run, sleep, type Task } from "../../src/runtime/index.ts";
import { measureAlternating, type BenchRow } from "../harness.ts";

const QUEUE_ITEMS = 200_000;
const QUEUE_SIZE = 64;
const FAN_OUT_TASKS = 50_000;
const FAN_OUT_LIMIT = 64;
const CONVOY_TASKS = 1000;
const CONVOY_ROUNDS = 100;

// ---------------------------------------------------------------------------------------
// Plain-JS building blocks, written to be fast: FIFO arrays with a moving head (no shift()),
// and promises created only when a caller really has to wait.

/** A FIFO of values with O(1) push and shift. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

const EMPTY: unique symbol = Symbol("empty");

/**
 * A bounded queue for async functions. `offer`/`poll` succeed synchronously when they can;
 * `put`/`get` return a promise only for a caller that must wait. A getter waiting on an
 * empty queue is handed the next item directly; a putter waiting on a full one is admitted
 * by the next `poll`.
 */
class PromiseBoundedQueue<T> {
  private readonly items = new Fifo<T>();
  private readonly getters = new Fifo<(item: T) => void>();
  private readonly putters = new Fifo<() => void>();
  constructor(private readonly maxsize: number) {}

  offer(item: T): boolean {
    const getter = this.getters.shift();
    if (getter !== undefined) {
      getter(item);
      return true;
    }
    if (this.items.size >= this.maxsize) return false;
    this.items.push(item);
    return true;
  }

  put(item: T): Promise<void> {
    return new Promise<void>((resolve) => this.putters.push(() => {
      this.items.push(item);
      resolve();
    }));
  }

  poll(): T | typeof EMPTY {
    if (this.items.size === 0) return EMPTY;
    const item = this.items.shift() as T;
    this.putters.shift()?.();
    return item;
  }

  get(): Promise<T> {
    return new Promise<T>((resolve) => this.getters.push(resolve));
  }
}

/** The same queue used the idiomatic way: every call awaited. */
async function plainQueueAwaitEveryCall(): Promise<void> {
  const q = new PromiseBoundedQueue<number>(QUEUE_SIZE);
  const producer = (async () => {
    for (let i = 0; i < QUEUE_ITEMS; i++) await (q.offer(i) ? undefined : q.put(i));
  })();
  let sum = 0;
  for (let i = 0; i < QUEUE_ITEMS; i++) {
    const item = q.poll();
    sum += await (item === EMPTY ? q.get() : item);
  }
  await producer;
  if (sum !== (QUEUE_ITEMS * (QUEUE_ITEMS - 1)) / 2) throw new Error("plain queue lost items");
}

/** The same queue with an `await` only when a call has to wait: the fastest plain form. */
async function plainQueueSyncFastPath(): Promise<void> {
  const q = new PromiseBoundedQueue<number>(QUEUE_SIZE);
  const producer = (async () => {
    for (let i = 0; i < QUEUE_ITEMS; i++) if (!q.offer(i)) await q.put(i);
  })();
  let sum = 0;
  for (let i = 0; i < QUEUE_ITEMS; i++) {
    const item = q.poll();
    sum += item === EMPTY ? await q.get() : item;
  }
  await producer;
  if (sum !== (QUEUE_ITEMS * (QUEUE_ITEMS - 1)) / 2) throw new Error("plain queue lost items");
}

async function runtimeQueue(): Promise<void> {
  await run(function* () {
    const q = new Queue<number>(QUEUE_SIZE);
    const producer = createTask(function* () {
      for (let i = 0; i < QUEUE_ITEMS; i++) yield* q.put(i);
    });
    let sum = 0;
    for (let i = 0; i < QUEUE_ITEMS; i++) sum += yield* q.get();
    yield* producer;
    if (sum !== (QUEUE_ITEMS * (QUEUE_ITEMS - 1)) / 2) throw new Error("runtime queue lost items");
  });
}

// ---------------------------------------------------------------------------------------
// Semaphore fan-out: every task takes a slot, yields once, gives the slot back.

/** A counting limiter for async functions: a finished job hands its slot to the next waiter. */
function promiseLimiter(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting = new Fifo<() => void>();
  return async (job) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next !== undefined) next();
      else active--;
    }
  };
}

async function yieldOnce(): Promise<void> {
  await null;
}

async function pLimitFanOut(): Promise<void> {
  const limit = pLimit(FAN_OUT_LIMIT);
  const jobs: Promise<void>[] = [];
  for (let k = 0; k < FAN_OUT_TASKS; k++) jobs.push(limit(yieldOnce));
  await Promise.all(jobs);
}

async function limiterFanOut(): Promise<void> {
  const limit = promiseLimiter(FAN_OUT_LIMIT);
  const jobs: Promise<void>[] = [];
  for (let k = 0; k < FAN_OUT_TASKS; k++) jobs.push(limit(yieldOnce));
  await Promise.all(jobs);
}

async function runtimeFanOut(): Promise<void> {
  await run(function* () {
    const sem = new Semaphore(FAN_OUT_LIMIT);
    const worker = function* (): Generator<unknown, void, unknown> {
      yield* sem.acquire();
      try {
        yield* sleep(0);
      } finally {
        sem.release();
      }
    };
    const tasks: Task<void>[] = [];
    for (let k = 0; k < FAN_OUT_TASKS; k++) tasks.push(createTask(worker));
    yield* gather(tasks);
  });
}

// ---------------------------------------------------------------------------------------
// Lock convoy: every task takes the lock, yields once inside, releases, and queues again.

/** A FIFO mutex for async functions: `release` hands the lock straight to the next waiter. */
class PromiseMutex {
  private locked = false;
  private readonly waiting = new Fifo<() => void>();
  acquire(): Promise<void> | undefined {
    if (!this.locked) {
      this.locked = true;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.locked = false;
  }
}

async function asyncMutexConvoy(): Promise<void> {
  const mutex = new Mutex();
  const workers: Promise<void>[] = [];
  for (let k = 0; k < CONVOY_TASKS; k++) {
    workers.push((async () => {
      for (let r = 0; r < CONVOY_ROUNDS; r++) {
        const release = await mutex.acquire();
        try {
          await null;
        } finally {
          release();
        }
      }
    })());
  }
  await Promise.all(workers);
}

async function promiseMutexConvoy(): Promise<void> {
  const mutex = new PromiseMutex();
  const workers: Promise<void>[] = [];
  for (let k = 0; k < CONVOY_TASKS; k++) {
    workers.push((async () => {
      for (let r = 0; r < CONVOY_ROUNDS; r++) {
        const wait = mutex.acquire();
        if (wait !== undefined) await wait;
        try {
          await null;
        } finally {
          mutex.release();
        }
      }
    })());
  }
  await Promise.all(workers);
}

async function runtimeConvoy(): Promise<void> {
  await run(function* () {
    const lock = new Lock();
    const worker = function* (): Generator<unknown, void, unknown> {
      for (let r = 0; r < CONVOY_ROUNDS; r++) {
        yield* lock.acquire();
        try {
          yield* sleep(0);
        } finally {
          lock.release();
        }
      }
    };
    const tasks: Task<void>[] = [];
    for (let k = 0; k < CONVOY_TASKS; k++) tasks.push(createTask(worker));
    yield* gather(tasks);
  });
}

// ---------------------------------------------------------------------------------------

type Variant = [variant: string, body: () => Promise<void>];

/** Measures every plain variant and the runtime in alternation; the fastest plain one is the baseline. */
async function group(name: string, ops: number, plain: Variant[], runtime: () => Promise<void>, budget?: number): Promise<BenchRow[]> {
  const times = await measureAlternating([...plain.map(([, body]) => ({ body })), { body: runtime }], ops);
  const measured = plain.map(([variant], k) => ({ variant, nsPerOp: times[k]! }));
  const fastest = measured.reduce((a, b) => (b.nsPerOp < a.nsPerOp ? b : a));
  const rows: BenchRow[] = measured.map((m) => ({ group: name, ops, ...m, ...(m === fastest ? { baseline: true } : {}) }));
  rows.push({ group: name, variant: "runtime", ops, nsPerOp: times[plain.length]!, ...(budget !== undefined ? { budget } : {}) });
  return rows;
}

export async function primitivesCases(): Promise<BenchRow[]> {
  const n = (x: number): string => x.toLocaleString("en-US");
  return [
    ...await group(`queue ping-pong: ${n(QUEUE_ITEMS)} items through Queue(${QUEUE_SIZE})`, QUEUE_ITEMS, [
      ["plain Promise queue, await every call", plainQueueAwaitEveryCall],
      ["plain Promise queue, await only to wait", plainQueueSyncFastPath],
    ], runtimeQueue, 2),
    ...await group(`semaphore fan-out: ${n(FAN_OUT_TASKS)} tasks through Semaphore(${FAN_OUT_LIMIT})`, FAN_OUT_TASKS, [
      ["p-limit", pLimitFanOut],
      ["hand-written promise limiter", limiterFanOut],
    ], runtimeFanOut, 2),
    ...await group(`lock convoy: ${n(CONVOY_TASKS)} tasks x ${CONVOY_ROUNDS} acquire/sleep(0)/release`, CONVOY_TASKS * CONVOY_ROUNDS, [
      ["async-mutex", asyncMutexConvoy],
      ["hand-written promise mutex", promiseMutexConvoy],
    ], runtimeConvoy, 2),
  ];
}
