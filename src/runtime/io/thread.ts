/**
 * `toThread` (asyncio.to_thread): blocking work moved off the loop onto a small pool of
 * workers — Web Workers in pages, worker_threads in Node — so other tasks keep running.
 * A worker shares no memory with the loop: it gets a self-contained function's source (no
 * closure) or a module URL and export name, and the arguments by structured clone.
 *
 * Cancelling the awaiting task abandons the result, as asyncio does; since a worker cannot
 * be interrupted, the pool stops the busy worker and starts a fresh one when next needed.
 */
import { getRunningLoop } from "../current.ts";
import type { EventLoop } from "../event-loop.ts";
import type { Operation } from "../future.ts";
import { ioHost, missing, type HostWorker, type ThreadHost } from "./host.ts";
import { IoWait } from "./io-wait.ts";
import { holdForLoop, type LoopResource } from "./loop-resources.ts";
import type { ThreadJob, ThreadReply } from "./worker-script.ts";

/** How many workers a loop's pool starts at most. */
export const THREAD_POOL_SIZE = 4;

interface Pending {
  readonly job: ThreadJob;
  readonly wait: IoWait<unknown>;
}

interface PoolWorker {
  readonly host: HostWorker;
  running: Pending | null;
}

const BUILT_IN_ERRORS: Readonly<Record<string, new (message: string) => Error>> = {
  TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

/** An error from a worker, rebuilt with its name and message; the worker's stack is kept as `workerStack`. */
function rebuildError(reply: Extract<ThreadReply, { ok: false }>): Error {
  const Builtin = BUILT_IN_ERRORS[reply.name];
  const error = Builtin === undefined ? new Error(reply.message) : new Builtin(reply.message);
  if (Builtin === undefined) Object.defineProperty(error, "name", { value: reply.name, configurable: true, writable: true, enumerable: false });
  Object.defineProperty(error, "workerStack", { value: reply.stack, configurable: true, writable: true, enumerable: false });
  return error;
}

/** One loop's workers and the jobs waiting for one. */
class ThreadPool implements LoopResource {
  private readonly workers = new Set<PoolWorker>();
  private readonly idle: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  /** Workers being stopped (recycled after a cancel or a crash): released means these are gone too. */
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly host: ThreadHost, private readonly loop: EventLoop, private readonly size: number) {}

  /** Live workers, busy or idle (tests assert none are left). */
  get workerCount(): number {
    return this.workers.size;
  }

  submit(pending: Pending): void {
    this.queue.push(pending);
    this.dispatch();
  }

  abandon(pending: Pending): void {
    const queued = this.queue.indexOf(pending);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      return;
    }
    for (const worker of this.workers) {
      if (worker.running === pending) {
        worker.running = null;
        this.stop(worker);
        this.dispatch();
        return;
      }
    }
  }

  async release(): Promise<void> {
    this.closed = true;
    pools.delete(this.loop);
    for (const pending of this.queue.splice(0)) pending.wait.cancel("the loop closed");
    for (const worker of [...this.workers]) {
      const running = worker.running;
      worker.running = null;
      this.stop(worker);
      if (running !== null) running.wait.cancel("the loop closed");
    }
    await Promise.all(this.stopping);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let worker = this.idle.pop();
      if (worker === undefined) {
        if (this.workers.size >= this.size) return;
        worker = this.start();
      }
      const pending = this.queue.shift()!;
      worker.running = pending;
      worker.host.setBusy(true);
      try {
        worker.host.post(pending.job);
      } catch (error) {
        // Arguments that cannot be cloned: the job fails, the worker stays good.
        worker.running = null;
        worker.host.setBusy(false);
        this.idle.push(worker);
        pending.wait.reject(error);
      }
    }
  }

  private start(): PoolWorker {
    const worker: PoolWorker = { host: null as unknown as HostWorker, running: null };
    const fail = (error: unknown): void => {
      if (!this.workers.has(worker)) return;
      const running = worker.running;
      worker.running = null;
      this.stop(worker);
      running?.wait.reject(error);
      this.dispatch();
    };
    (worker as { host: HostWorker }).host = this.host.spawnWorker({
      message: (data) => {
        const reply = data as ThreadReply;
        const running = worker.running;
        if (running === null || running.job.id !== reply.id) return;
        worker.running = null;
        worker.host.setBusy(false);
        this.idle.push(worker);
        if (reply.ok) running.wait.resolve(reply.value);
        else running.wait.reject(rebuildError(reply));
        this.dispatch();
      },
      error: fail,
      exit: (code) => fail(new Error(`the worker running toThread exited with code ${code} before replying`)),
    });
    this.workers.add(worker);
    return worker;
  }

  private stop(worker: PoolWorker): void {
    if (!this.workers.delete(worker)) return;
    const idleAt = this.idle.indexOf(worker);
    if (idleAt !== -1) this.idle.splice(idleAt, 1);
    const stopped = worker.host.terminate().catch(() => {}).finally(() => this.stopping.delete(stopped));
    this.stopping.add(stopped);
  }
}

// Weak: a loop closed without run() (so never released) does not keep its pool reachable.
const pools = new WeakMap<EventLoop, ThreadPool>();

function poolFor(loop: EventLoop): ThreadPool {
  let pool = pools.get(loop);
  if (pool === undefined) {
    const threads = ioHost().threads;
    if (threads === null) throw missing("toThread", "Web Workers (pages) or worker_threads (Node, through the package's Node entry)");
    pool = new ThreadPool(threads, loop, THREAD_POOL_SIZE);
    pools.set(loop, pool);
    holdForLoop(loop, pool);
  }
  return pool;
}

/** @internal How many workers `loop`'s pool has alive (tests assert none are left after `run()`). */
export function _threadWorkerCount(loop: EventLoop): number {
  return pools.get(loop)?.workerCount ?? 0;
}

let nextJobId = 1;

/**
 * Runs `fn(...args)` on a worker and returns its result (awaited, if it is a promise). `fn`
 * must be self-contained: its source is sent, so it may not use variables from around it.
 * Errors are re-thrown with their name and message. Instrumented as an await of kind
 * "thread" labelled with the function's name.
 *
 * @example
 * function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2) }
 * const value = yield* toThread(fib, 25); // 75025, while other tasks run
 */
export function toThread<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Operation<Awaited<R>>;
/**
 * Runs the function `exportName` exported by the module at `moduleUrl` (an absolute URL:
 * `new URL("./work.js", import.meta.url)`) on a worker.
 */
export function toThread<R = unknown>(moduleUrl: string | URL, exportName: string, ...args: unknown[]): Operation<R>;
export function toThread(target: ((...args: unknown[]) => unknown) | string | URL, ...rest: unknown[]): Operation<unknown> {
  let job: Omit<ThreadJob, "id">;
  let label: string;
  if (typeof target === "function") {
    job = { source: Function.prototype.toString.call(target), args: rest };
    label = target.name === "" ? "anonymous function" : target.name;
    if (/\{\s*\[native code\]\s*\}\s*$/.test(job.source!)) throw new TypeError(`toThread(): ${label} is a built-in or bound function; its source cannot be sent to a worker`);
  } else if (typeof target === "string" || isUrl(target)) {
    const url = String(target);
    const [exportName, ...args] = rest;
    if (typeof exportName !== "string" || exportName === "") throw new TypeError("toThread(moduleUrl, exportName, ...args): exportName must be a non-empty string");
    job = { url, exportName, args };
    label = exportName;
  } else {
    throw new TypeError(`toThread(): expected a function or a module URL, got ${target === null ? "null" : typeof target}`);
  }
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const pool = poolFor(loop);
      const pending: Pending = {
        job: { ...job, id: nextJobId++ },
        wait: new IoWait<unknown>(loop, "thread", label, () => pool.abandon(pending)),
      };
      pool.submit(pending);
      return yield* pending.wait;
    },
  };
}

function isUrl(value: unknown): value is URL {
  return typeof value === "object" && value !== null && typeof (value as URL).href === "string" && typeof (value as URL).protocol === "string";
}

