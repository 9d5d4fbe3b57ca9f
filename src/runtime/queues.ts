/**
 * Queue: a FIFO between producer and consumer tasks (asyncio/queues.py, CPython 3.13).
 * PriorityQueue and LifoQueue (queue-variants.ts) change only its storage.
 *
 * Invariants:
 * - A getter parks only while the queue is empty, a putter only while it is full; each
 *   `putNowait` wakes the first pending getter and each `getNowait` the first pending
 *   putter, taking them out of line (queues.py `_wakeup_next`). A woken task re-checks when
 *   it runs, so it never takes an item or a slot that is not there.
 * - A getter (putter) cancelled after it was woken passes the wake-up to the next in line
 *   if the queue still has an item (a free slot): nothing is lost, and a cancelled `get`
 *   never removes an item.
 * - `_unfinished` counts items put and not yet marked done with `taskDone()`; `join()`
 *   waits while it is above zero.
 * - After `shutdown()`, puts throw `QueueShutDown`; gets drain what is left, then throw it.
 *   `shutdown(true)` drops the items (marking them done) so gets throw at once.
 * - Subclasses change the order by overriding `_init`, `_put`, `_get` and `_qsize`, as in
 *   queues.py; those may not rely on fields initialised after `super()`.
 */
import { QueueEmpty, QueueFull, QueueShutDown } from "./errors.ts";
import { running } from "./current.ts";
import type { Operation } from "./future.ts";
import { emit, instruments, type AwaitKind, type AwaitTarget } from "./instrument.ts";
import { LoopBoundResource, ParkingLot, READY_VOID, Ready } from "./parking-lot.ts";
import { describeNextAwait } from "./task.ts";

const INITIAL_CAPACITY = 16;

/**
 * A FIFO queue for tasks; `maxsize <= 0` means unbounded. `put` waits while it is full,
 * `get` while it is empty. Instruments see it as a `"queue"` resource reporting `create`,
 * `put`, `get` and `shutdown` with the queue's size as the value, and `taskDone` with the
 * number of unfinished items.
 *
 * @example
 * const jobs = new Queue<string>(64);
 * function* worker() {
 *   for (;;) {
 *     const url = yield* jobs.get();
 *     try { yield* download(url) } finally { jobs.taskDone() }
 *   }
 * }
 * for (const url of urls) yield* jobs.put(url);
 * yield* jobs.join(); // every job done
 */
export class Queue<T> extends LoopBoundResource {
  /** @internal */ readonly _maxsize: number;
  /** @internal */ readonly _getters = new ParkingLot<void>();
  /** @internal */ readonly _putters = new ParkingLot<void>();
  /** @internal Tasks in `join()`: asyncio's `_finished` Event, without a resource of its own. */
  readonly _joiners = new ParkingLot<void>();
  /** @internal */ _unfinished = 0;
  /** @internal */ _isShutdown = false;
  /** @internal The last wait targets shown, for get, put and join, and the sizes they show. */
  readonly _targets: (AwaitTarget | undefined)[] = [undefined, undefined, undefined];
  /** @internal */ readonly _targetSizes = [-1, -1, -1];
  /** @internal */ readonly _getOp: Operation<T> = { [Symbol.iterator]: () => this._get1() };
  /** @internal */ readonly _joinOp: Operation<void> = { [Symbol.iterator]: () => (this._unfinished > 0 ? this._joinSlowly() : READY_VOID) };
  // The FIFO ring buffer. Declared, not initialised, so that `_init` (called from the
  // constructor, as in queues.py) sets them and no field initialiser resets them afterwards.
  /** @internal */ declare _ring: (T | undefined)[];
  /** @internal */ declare _ringHead: number;
  /** @internal */ declare _ringSize: number;

  constructor(maxsize = 0) {
    super();
    this._maxsize = maxsize;
    this._init(maxsize);
    if (instruments.length !== 0) emit("resourceOp", this, "create", running.task, this._qsize());
  }

  get kind(): "queue" {
    return "queue";
  }

  /** Items allowed in the queue; 0 (or less) for no limit. */
  get maxsize(): number {
    return this._maxsize;
  }

  label(): string {
    return `${this._typeName()}#${this.id} (${this._qsize()}/${this._maxsize > 0 ? this._maxsize : "∞"})`;
  }

  /** Number of items in the queue. */
  qsize(): number {
    return this._qsize();
  }

  /** True if the queue holds no item. */
  empty(): boolean {
    return this._qsize() === 0;
  }

  /** True if the queue holds `maxsize` items; never for an unbounded queue. */
  full(): boolean {
    return this._maxsize > 0 && this._qsize() >= this._maxsize;
  }

  /**
   * Puts `item` into the queue, waiting for a free slot while it is full. Throws
   * `QueueShutDown` once the queue is shut down.
   *
   * @example
   * yield* queue.put({ url, attempt: 1 });
   */
  put(item: T): Operation<void> {
    return new PutOperation(this, item);
  }

  /**
   * Puts `item` into the queue at once; throws `QueueFull` if it is full and `QueueShutDown`
   * if it is shut down.
   *
   * @example
   * try { queue.putNowait(event) } catch (e) { if (e instanceof QueueFull) dropped++ }
   */
  putNowait(item: T): void {
    if (this._isShutdown) throw new QueueShutDown(`${this.label()} is shut down`);
    if (this.full()) throw new QueueFull(`${this.label()} is full`);
    this._putChecked(item);
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. Throws
   * `QueueShutDown` once the queue is shut down and empty.
   *
   * @example
   * const job = yield* queue.get();
   */
  get(): Operation<T> {
    return this._getOp;
  }

  /**
   * Removes and returns the next item at once; throws `QueueEmpty` if there is none, or
   * `QueueShutDown` if the queue is empty and shut down.
   *
   * @example
   * while (!queue.empty()) batch.push(queue.getNowait());
   */
  getNowait(): T {
    if (this._qsize() === 0) {
      if (this._isShutdown) throw new QueueShutDown(`${this.label()} is shut down and empty`);
      throw new QueueEmpty(`${this.label()} is empty`);
    }
    return this._getChecked();
  }

  /**
   * Marks one item taken with `get` as processed; `join()` returns once every item put is.
   * Throws `RangeError` if called more times than items were put.
   *
   * @example
   * const job = yield* queue.get();
   * try { yield* handle(job) } finally { queue.taskDone() }
   */
  taskDone(): void {
    if (this._unfinished <= 0) throw new RangeError("taskDone() called too many times");
    this._unfinished--;
    if (this._unfinished === 0) this._joiners.wakeAll();
    if (instruments.length !== 0) emit("resourceOp", this, "taskDone", running.task, this._unfinished);
  }

  /**
   * Waits until every item put into the queue has been marked done with `taskDone()`.
   *
   * @example
   * yield* queue.join();
   */
  join(): Operation<void> {
    return this._joinOp;
  }

  /**
   * Shuts the queue down: `put` throws `QueueShutDown` from now on, and so does `get` once
   * the queue is empty. Blocked `put`s and `get`s are woken to re-check. With `immediate`,
   * the items left are dropped and marked done (which may release `join()`).
   *
   * @example
   * queue.shutdown();      // consumers drain what is left, then stop
   * queue.shutdown(true);  // consumers stop now
   */
  shutdown(immediate = false): void {
    this._isShutdown = true;
    if (immediate) {
      while (this._qsize() !== 0) {
        this._get();
        if (this._unfinished > 0) this._unfinished--;
      }
      if (this._unfinished === 0) this._joiners.wakeAll();
    }
    this._getters.popAll();
    this._putters.popAll();
    if (instruments.length !== 0) emit("resourceOp", this, "shutdown", running.task, this._qsize());
  }

  override toString(): string {
    let text = `<${this._typeName()}#${this.id} maxsize=${this._maxsize} qsize=${this._qsize()}`;
    if (this._getters.size !== 0) text += ` getters[${this._getters.size}]`;
    if (this._putters.size !== 0) text += ` putters[${this._putters.size}]`;
    if (this._unfinished !== 0) text += ` tasks=${this._unfinished}`;
    if (this._isShutdown) text += " shutdown";
    return `${text}>`;
  }

  // Overridable storage (queues.py `_init`, `_put`, `_get`); `_qsize` stands for `len(_queue)`.

  /** Sets up the storage; called from the constructor, before subclass fields exist. */
  protected _init(_maxsize: number): void {
    this._ring = new Array<T | undefined>(INITIAL_CAPACITY);
    this._ringHead = 0;
    this._ringSize = 0;
  }

  /** Adds an item to the storage. */
  protected _put(item: T): void {
    let ring = this._ring;
    if (this._ringSize === ring.length) ring = this._growRing();
    ring[(this._ringHead + this._ringSize) & (ring.length - 1)] = item;
    this._ringSize++;
  }

  /** Removes the next item from the storage; only called when it is not empty. */
  protected _get(): T {
    const ring = this._ring;
    const item = ring[this._ringHead] as T;
    ring[this._ringHead] = undefined; // let the item be collected
    this._ringHead = (this._ringHead + 1) & (ring.length - 1);
    this._ringSize--;
    return item;
  }

  /** The number of items in the storage. */
  protected _qsize(): number {
    return this._ringSize;
  }

  /** @internal Spelled out rather than read from `constructor.name`, which minifiers rename. */
  _typeName(): string {
    return "Queue";
  }

  /** @internal `putNowait` once its checks passed. */
  _putChecked(item: T): void {
    this._put(item);
    this._unfinished++;
    this._getters.popNext();
    if (instruments.length !== 0) emit("resourceOp", this, "put", running.task, this._qsize());
  }

  /** @internal */
  _put1(item: T): Iterator<unknown, void, unknown> {
    if (this._isShutdown || this.full()) return this._putSlowly(item);
    this._putChecked(item);
    return READY_VOID;
  }

  /** @internal queues.py `Queue.put`, slow path. */
  *_putSlowly(item: T): Generator<unknown, void, unknown> {
    while (this.full()) {
      if (this._isShutdown) throw new QueueShutDown(`${this.label()} is shut down`);
      const putter = this._putters.park(this._getLoop());
      try {
        describeNextAwait(this._target("queue.put"));
        yield putter;
      } catch (error) {
        putter.cancel(); // in case it was not done yet
        this._putters.unpark(putter);
        // Woken by a get, but leaving: pass the free slot on to the next putter.
        if (!this.full() && !putter.cancelled()) this._putters.popNext();
        throw error;
      }
    }
    this.putNowait(item);
  }

  /** @internal `getNowait` once it knows there is an item. */
  _getChecked(): T {
    const item = this._get();
    this._putters.popNext();
    if (instruments.length !== 0) emit("resourceOp", this, "get", running.task, this._qsize());
    return item;
  }

  /** @internal */
  _get1(): Iterator<unknown, T, unknown> {
    return this._qsize() !== 0 ? new Ready(this._getChecked()) : this._getSlowly();
  }

  /** @internal queues.py `Queue.get`, slow path. */
  *_getSlowly(): Generator<unknown, T, unknown> {
    while (this._qsize() === 0) {
      if (this._isShutdown) throw new QueueShutDown(`${this.label()} is shut down and empty`);
      const getter = this._getters.park(this._getLoop());
      try {
        describeNextAwait(this._target("queue.get"));
        yield getter;
      } catch (error) {
        getter.cancel(); // in case it was not done yet
        this._getters.unpark(getter);
        // Woken by a put, but leaving without the item: wake the next getter for it.
        if (this._qsize() !== 0 && !getter.cancelled()) this._getters.popNext();
        throw error;
      }
    }
    return this.getNowait();
  }

  /** @internal */
  *_joinSlowly(): Generator<unknown, void, unknown> {
    const joiner = this._joiners.park(this._getLoop());
    try {
      describeNextAwait(this._target("queue.join"));
      yield joiner;
    } finally {
      this._joiners.unpark(joiner);
    }
  }

  /**
   * @internal What a task waiting on this queue is shown as waiting on: an immutable
   * snapshot of the size. Consecutive waits of one kind at the same size share it (getters
   * mostly wait at 0, putters at maxsize).
   */
  _target(kind: AwaitKind): AwaitTarget {
    const size = this._qsize();
    const slot = kind === "queue.get" ? 0 : kind === "queue.put" ? 1 : 2;
    const cached = this._targets[slot];
    if (cached !== undefined && this._targetSizes[slot] === size) return cached;
    this._targetSizes[slot] = size;
    return this._targets[slot] = Object.freeze({ kind, label: this.label(), id: this.id });
  }

  /** @internal Doubles the ring, moving the items to the front in order. */
  _growRing(): (T | undefined)[] {
    const old = this._ring;
    const grown = new Array<T | undefined>(old.length * 2);
    for (let k = 0; k < this._ringSize; k++) grown[k] = old[(this._ringHead + k) & (old.length - 1)];
    this._ring = grown;
    this._ringHead = 0;
    return grown;
  }
}

/** `queue.put(item)` as an operation: the check happens when it is awaited, as with a coroutine. */
class PutOperation<T> implements Operation<void> {
  constructor(private readonly queue: Queue<T>, private readonly item: T) {}
  [Symbol.iterator](): Iterator<unknown, void, unknown> {
    return this.queue._put1(this.item);
  }
}
