/**
 * The event loop (asyncio/base_events.py), driven by the host's own event loop.
 *
 * Invariants:
 * - `_ready` is FIFO. One iteration (`_runOnce`, as asyncio's `_run_once`) first moves due
 *   timers to the ready queue, then runs exactly the callbacks that were ready when it
 *   began; callbacks they schedule run in the next iteration. So no task can starve another.
 * - The loop runs iterations back to back for at most SLICE_BUDGET_MS, then gives the host
 *   a macrotask turn (input, rendering, I/O) before going on. A single long callback is the
 *   user's: it is never split, only reported in debug mode.
 * - Virtual clock: when nothing is ready and no awaited host promise is outstanding, time
 *   jumps to the next timer. Order of events is the same as on the real clock.
 */
import { RuntimeError } from "./errors.ts";
import { getEventLoop, getRunningLoop, openLoops, registerDefaultLoopFactory, running } from "./current.ts";
import { Future } from "./future.ts";
import { LiveTaskList } from "./live-task-list.ts";
import { RingQueue } from "./ring-queue.ts";
import { hostClearTimer, hostMacrotask, hostNow, hostSetTimer, type HostTimer } from "./host.ts";
import { Task, type CoroutineSource, type TaskOptions } from "./task.ts";
import { ensureFuture, type Awaitable } from "./ensure-future.ts";

/** How long the loop may run iterations before it yields to the host. */
const SLICE_BUDGET_MS = 8;
/** Iterations between clock reads when they are cheap, at most. */
const MAX_CHECK_EVERY = 64;
/** Iterations this fast since the last clock read count as cheap. */
const CHEAP_INTERVAL_MS = 0.25;
/** A host pause longer than this means the host ran its own work: a new slice starts. */
const HOST_TURN_GAP_MS = 1;
/** Hosts run a longer setTimeout delay (over 2^31-1 ms) at once: arm at most this, then re-arm. */
const MAX_HOST_TIMER_MS = 0x7fffffff;

export interface RunOptions {
  /** Report task steps longer than `slowStepMs` (instrument hook and console.warn). */
  debug?: boolean;
  /** The slow-step threshold in debug mode, in ms; default 100. */
  slowStepMs?: number;
  /** "virtual": time jumps to the next timer whenever nothing else can happen. */
  clock?: "real" | "virtual";
  /** The main task's name (`run` only). */
  name?: string;
}

export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  handle?: Handle;
}

export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

type Callback = (...args: never[]) => unknown;

/**
 * What the ready queue holds: a Handle, or a Task whose next step is due (tasks schedule
 * themselves, sparing a Handle per step on the hottest path).
 */
export interface Runnable {
  readonly _cancelled?: boolean;
  _run(): void;
}

/** A callback scheduled on the loop; `cancel()` keeps it from running. */
export class Handle {
  /** @internal */ _callback: Callback | null;
  /** @internal */ _args: readonly unknown[] | null;
  /** @internal */ _a: unknown;
  /** @internal */ _b: unknown;
  /** @internal */ _cancelled = false;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal The task this callback was scheduled for (see `running.origin`). */
  _origin: Task<unknown> | null;

  constructor(loop: EventLoop, callback: Callback, args: readonly unknown[] | null, a?: unknown, b?: unknown) {
    this._loop = loop;
    this._origin = running.task ?? running.origin;
    this._callback = callback;
    this._args = args;
    this._a = a;
    this._b = b;
  }

  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    this._callback = null;
    this._args = null;
    this._a = this._b = undefined;
  }

  cancelled(): boolean {
    return this._cancelled;
  }

  /** @internal */
  _run(): void {
    const callback = this._callback as ((...args: unknown[]) => unknown) | null;
    if (callback === null) return;
    // Work that is not a task step runs between steps: the next step is not chained.
    this._loop._afterStep = false;
    const outerOrigin = running.origin;
    running.origin = this._origin;
    try {
      if (this._args !== null) callback(...this._args);
      else callback(this._a, this._b);
    } catch (error) {
      this._loop.callExceptionHandler({ message: `Exception in callback ${callback.name || "anonymous"}`, exception: error, handle: this });
    } finally {
      running.origin = outerOrigin;
    }
  }
}

/** A callback scheduled for a time on the loop's clock. */
export class TimerHandle extends Handle {
  /** @internal */ readonly _when: number;
  /** @internal */ readonly _seq: number;
  /** @internal */ _inHeap = true;

  constructor(loop: EventLoop, when: number, seq: number, callback: Callback, args: readonly unknown[] | null, a?: unknown, b?: unknown) {
    super(loop, callback, args, a, b);
    this._when = when;
    this._seq = seq;
    // What a timer wakes was woken by time, not by the task that armed it.
    this._origin = null;
  }

  /** The loop time (ms) the callback is scheduled for. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (!this._cancelled && this._inHeap) this._loop._timerCancelled();
    super.cancel();
  }
}

/** When a slice of the loop's work began (host clock). */
export interface SliceMark {
  readonly start: number;
}

const NO_SLICE: SliceMark = Object.freeze({ start: -Infinity });

/**
 * An asyncio event loop on top of the host's. Build one with `new EventLoop(options)` or
 * let `run()` do it; pages usually use the long-lived default from `getEventLoop()`.
 *
 * @example
 * const loop = new EventLoop({ clock: "virtual" });
 * loop.callLater(1000, () => console.warn("a second later, at once"));
 * await loop.runUntilComplete(sleep(1000));
 */
export class EventLoop {
  /** @internal */ readonly _ready = new RingQueue<Runnable>();
  /** @internal */ readonly _timers: TimerHandle[] = [];
  /** @internal */ _timerSeq = 0;
  /** @internal */ _cancelledTimers = 0;
  /** @internal */ readonly _virtual: boolean;
  /** @internal */ _virtualNow = 0;
  /** @internal */ _debug: boolean;
  /** @internal */ readonly _slowStepMs: number;
  /** @internal */ _closed = false;
  /** @internal */ _runDepth = 0;
  /** @internal */ _inDrain = false;
  /** @internal A runUntilComplete() future completed: stop after the current iteration. */
  _stopping = false;
  /** @internal */ _wakePending = false;
  /**
   * @internal The last thing this loop ran in the current drain was a task step: the next
   * step starts where it ended (instruments may date it by that step's end, see `beforeTaskStep`).
   */
  _afterStep = false;
  /**
   * @internal When the current slice of work began, as an object a waiting task can point to:
   * a number stored on every task would be a boxed double, allocated with each task.
   */
  _slice: SliceMark = NO_SLICE;
  /** @internal */ _lastDrainEnd = -Infinity;
  /** @internal */ _hostTimer: HostTimer | null = null;
  /** @internal */ _hostTimerWhen = Infinity;
  /** @internal Awaited host promises not yet settled: the virtual clock may not jump past them. */
  _pendingHostOps = 0;
  /** @internal Tasks not yet done. */
  readonly _tasks = new LiveTaskList();
  /** @internal Failed tasks whose error nobody has read; reported when the loop closes. */
  readonly _unretrieved = new Set<Task<unknown>>();
  /** @internal */ _exceptionHandler: ExceptionHandler | null = null;

  constructor(options: RunOptions = {}) {
    this._virtual = options.clock === "virtual";
    this._debug = options.debug === true;
    this._slowStepMs = options.slowStepMs ?? 100;
    openLoops.add(this);
  }

  /** The loop's clock in milliseconds: `performance.now()`, or virtual time from 0. */
  time(): number {
    return this._virtual ? this._virtualNow : hostNow();
  }

  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed();
    const handle = new Handle(this, callback as Callback, args);
    this._ready.push(handle);
    this._wake();
    return handle;
  }

  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this.callAt(this.time() + delayMs, callback, ...args);
  }

  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    this._checkClosed();
    return this._addTimer(new TimerHandle(this, when, this._timerSeq++, callback as Callback, args));
  }

  createFuture<T>(): Future<T> {
    return new Future<T>(this);
  }

  createTask<T>(source: CoroutineSource<T>, options: Omit<TaskOptions, "loop"> = {}): Task<T> {
    this._checkClosed();
    return new Task(source, { ...options, loop: this });
  }

  /**
   * Runs `awaitable` on this loop and settles with its result. Other tasks on the loop run
   * meanwhile, as they always do.
   */
  async runUntilComplete<T>(awaitable: Awaitable<T>): Promise<T> {
    this._checkClosed();
    if (running.loop === this) throw new RuntimeError("runUntilComplete() called from inside this loop's own callback: await the awaitable instead");
    const future = ensureFuture(awaitable, this);
    // As asyncio's _run_until_complete_cb stops the loop: once the future is done, the loop
    // finishes that iteration and lets the awaiter resume before it runs on. Otherwise the
    // virtual clock would race ahead (run() would find leftover tasks far in the future).
    if (!future.done()) future.addDoneCallback(this._stopAfterThisIteration);
    this._runDepth++;
    try {
      return await future._asPromise();
    } finally {
      this._runDepth--;
    }
  }

  isRunning(): boolean {
    return this._runDepth > 0 || this._inDrain;
  }

  isClosed(): boolean {
    return this._closed;
  }

  /** Closes the loop: pending callbacks and timers are dropped; unread task errors are reported. */
  close(): void {
    // As asyncio: a pending runUntilComplete() would never settle on a closed loop.
    if (this.isRunning()) throw new RuntimeError("Cannot close a running event loop");
    if (this._closed) return;
    this._closed = true;
    openLoops.delete(this);
    this._ready.clear();
    this._timers.length = 0;
    if (this._hostTimer !== null) hostClearTimer(this._hostTimer);
    this._hostTimer = null;
    for (const task of this._unretrieved) {
      this.callExceptionHandler({ message: `Task exception was never retrieved: ${task}`, exception: task._exception, future: task });
    }
    this._unretrieved.clear();
  }

  getDebug(): boolean {
    return this._debug;
  }

  setDebug(enabled: boolean): void {
    this._debug = enabled;
  }

  setExceptionHandler(handler: ExceptionHandler | null): void {
    this._exceptionHandler = handler;
  }

  /** Reports an error no one can catch (a failing callback, an unread task error). */
  callExceptionHandler(context: ExceptionContext): void {
    if (this._exceptionHandler !== null) {
      try {
        this._exceptionHandler(this, context);
        return;
      } catch (error) {
        console.error("aioscope: the exception handler threw:", error);
      }
    }
    console.error(`aioscope: ${context.message}`, context.exception ?? "");
  }

  toString(): string {
    const state = this._closed ? "closed" : this.isRunning() ? "running" : "idle";
    return `<EventLoop ${state} clock=${this._virtual ? "virtual" : "real"} ready=${this._ready.length} timers=${this._timers.length - this._cancelledTimers} debug=${this._debug}>`;
  }

  /** @internal callSoon without the rest-args array: the hot path for task steps and wake-ups. */
  _callSoonInternal(callback: (a: unknown, b: unknown) => unknown, a?: unknown, b?: unknown): Handle {
    this._checkClosed();
    const handle = new Handle(this, callback as Callback, null, a, b);
    this._ready.push(handle);
    if (!this._inDrain && !this._wakePending) this._scheduleDrain();
    return handle;
  }

  /** @internal Queue a task step (or anything runnable) for the next iteration. */
  _schedule(runnable: Runnable): void {
    this._checkClosed();
    this._ready.push(runnable);
    if (!this._inDrain && !this._wakePending) this._scheduleDrain();
  }

  /** @internal */
  _callLaterInternal(delayMs: number, callback: (a: unknown, b: unknown) => unknown, a?: unknown, b?: unknown): TimerHandle {
    this._checkClosed();
    return this._addTimer(new TimerHandle(this, this.time() + delayMs, this._timerSeq++, callback as Callback, null, a, b));
  }

  /** @internal callAt without the rest-args array (timeout scopes arm one per call). */
  _callAtInternal(when: number, callback: (a: unknown, b: unknown) => unknown, a?: unknown, b?: unknown): TimerHandle {
    this._checkClosed();
    return this._addTimer(new TimerHandle(this, when, this._timerSeq++, callback as Callback, null, a, b));
  }

  /** @internal An awaited host promise settled or was abandoned. */
  _hostOpDone(): void {
    this._pendingHostOps--;
    // The virtual clock may have been held still for this promise alone.
    if (this._virtual && this._pendingHostOps === 0 && !this._closed) this._wake();
  }

  /** @internal */
  _timerCancelled(): void {
    this._cancelledTimers++;
    // As asyncio does: rebuild the heap when cancelled timers outnumber live ones.
    if (this._cancelledTimers > 100 && this._cancelledTimers * 2 > this._timers.length) this._compactTimers();
  }

  private _addTimer(timer: TimerHandle): TimerHandle {
    heapPush(this._timers, timer);
    if (!this._inDrain) {
      if (this._virtual) this._wake();
      else this._armHostTimer();
    }
    return timer;
  }

  private _checkClosed(): void {
    if (this._closed) throw new RuntimeError("Event loop is closed");
  }

  private _wake(): void {
    if (!this._inDrain && !this._wakePending && !this._closed) this._scheduleDrain();
  }

  /**
   * Work arrived from outside the loop (a promise settled, an event handler made a task).
   * Run it in a microtask, as `await` would, unless the loop has been busy for a whole slice:
   * then the host gets its macrotask turn first.
   */
  private _scheduleDrain(): void {
    this._wakePending = true;
    const now = hostNow();
    if (now - this._lastDrainEnd > HOST_TURN_GAP_MS) this._startSlice(now);
    if (now - this._slice.start < SLICE_BUDGET_MS) queueMicrotask(this._drain);
    else hostMacrotask(this._drainInNewSlice);
  }

  private _startSlice(now: number): void {
    this._slice = { start: now };
  }

  /** runUntilComplete's future is done: pause after this iteration (asyncio's `loop.stop()`). */
  private readonly _stopAfterThisIteration = (): void => {
    this._stopping = true;
  };

  private readonly _drainInNewSlice = (): void => {
    this._startSlice(hostNow());
    this._drain();
  };

  private readonly _onHostTimer = (): void => {
    this._hostTimer = null;
    this._hostTimerWhen = Infinity;
    if (this._inDrain || this._wakePending) return;
    this._startSlice(hostNow());
    this._drain();
  };

  private readonly _drain = (): void => {
    this._wakePending = false;
    if (this._closed) return;
    const outerLoop = running.loop;
    running.loop = this;
    this._inDrain = true;
    // The host ran its own work since the last drain: the first step here is not chained.
    this._afterStep = false;
    // Reading the clock costs as much as a cheap iteration, so while iterations are short
    // it is read every 2, 4 … 64 iterations; one slow interval brings it back to every one.
    let checkEvery = 1;
    let sinceCheck = 0;
    let lastCheck = this._slice.start;
    try {
      for (;;) {
        this._runOnce();
        if (this._stopping) {
          // Let the awaiter of runUntilComplete resume (in microtasks) before going on.
          this._stopping = false;
          this._wakePending = true;
          hostMacrotask(this._drainInNewSlice);
          break;
        }
        if (this._ready.length === 0) {
          if (this._virtual && this._pendingHostOps === 0 && this._advanceVirtualClock()) continue;
          break;
        }
        if (++sinceCheck < checkEvery) continue;
        sinceCheck = 0;
        const now = hostNow();
        if (now - this._slice.start >= SLICE_BUDGET_MS) {
          this._wakePending = true;
          hostMacrotask(this._drainInNewSlice);
          break;
        }
        checkEvery = now - lastCheck < CHEAP_INTERVAL_MS ? Math.min(checkEvery * 2, MAX_CHECK_EVERY) : 1;
        lastCheck = now;
      }
    } finally {
      this._inDrain = false;
      running.loop = outerLoop;
      this._lastDrainEnd = hostNow();
    }
    if (!this._wakePending) this._armHostTimer();
  };

  /** One iteration: due timers join the ready queue, then the callbacks ready now run. */
  private _runOnce(): void {
    const timers = this._timers;
    if (timers.length !== 0) {
      const now = this.time();
      while (timers.length !== 0) {
        const top = timers[0]!;
        if (top._cancelled) {
          heapPop(timers);
          top._inHeap = false;
          this._cancelledTimers--;
          continue;
        }
        if (top._when > now) break;
        heapPop(timers);
        top._inHeap = false;
        this._ready.push(top);
      }
    }
    // Only what is ready now runs in this iteration; what it schedules waits for the next.
    const ready = this._ready;
    for (let todo = ready.length; todo > 0; todo--) {
      const runnable = ready.shift();
      if (runnable._cancelled !== true) runnable._run();
    }
  }

  /** Moves virtual time to the next live timer; false if there is none. */
  private _advanceVirtualClock(): boolean {
    const timers = this._timers;
    while (timers.length !== 0 && timers[0]!._cancelled) {
      heapPop(timers)!._inHeap = false;
      this._cancelledTimers--;
    }
    // A timer at Infinity (sleep(Infinity)) never fires, as on the real clock.
    if (timers.length === 0 || timers[0]!._when === Infinity) return false;
    this._virtualNow = Math.max(this._virtualNow, timers[0]!._when);
    return true;
  }

  private _armHostTimer(): void {
    if (this._virtual || this._closed) return;
    const timers = this._timers;
    while (timers.length !== 0 && timers[0]!._cancelled) {
      heapPop(timers)!._inHeap = false;
      this._cancelledTimers--;
    }
    if (timers.length === 0) return;
    const when = timers[0]!._when;
    if (when === Infinity) return; // sleep(Infinity): nothing to wake up for
    if (this._hostTimer !== null) {
      if (this._hostTimerWhen <= when) return;
      hostClearTimer(this._hostTimer);
    }
    this._hostTimerWhen = when;
    // Host timers have whole-millisecond granularity; firing early just re-arms.
    this._hostTimer = hostSetTimer(this._onHostTimer, Math.min(MAX_HOST_TIMER_MS, Math.max(0, Math.ceil(when - hostNow()))));
  }

  private _compactTimers(): void {
    const live = this._timers.filter((t) => {
      if (t._cancelled) t._inHeap = false;
      return !t._cancelled;
    });
    this._timers.length = 0;
    for (const t of live) heapPush(this._timers, t);
    this._cancelledTimers = 0;
  }
}

function before(a: TimerHandle, b: TimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

function heapPush(heap: TimerHandle[], item: TimerHandle): void {
  heap.push(item);
  let k = heap.length - 1;
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (!before(item, heap[parent]!)) break;
    heap[k] = heap[parent]!;
    k = parent;
  }
  heap[k] = item;
}

function heapPop(heap: TimerHandle[]): TimerHandle | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  let k = 0;
  const n = heap.length;
  for (;;) {
    const left = 2 * k + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
    if (!before(heap[child]!, last)) break;
    heap[k] = heap[child]!;
    k = child;
  }
  heap[k] = last;
  return top;
}

// A default loop is made only here, where the class is; current.ts hands it out.
registerDefaultLoopFactory(() => new EventLoop());

export { getRunningLoop, getEventLoop };
