/**
 * The other orders of a Queue (asyncio/queues.py): PriorityQueue, smallest item first, on a
 * binary heap; LifoQueue, last in first out, on an array. Each overrides only the storage
 * hooks (`_init`, `_put`, `_get`, `_qsize`); waiting, wake-ups, `join` and `shutdown` are
 * Queue's. Their fields are `declare`d and set in `_init`, which Queue's constructor calls
 * before a subclass's field initialisers would run.
 */
import { Queue } from "./queues.ts";

/**
 * The order PriorityQueue uses by default, close to Python's `<`: numbers, strings, bigints
 * and dates compare by value; arrays (tuples such as `[priority, item]`) element by element,
 * then by length. Values that do not compare (plain objects) count as equal.
 *
 * @example
 * [[2, "b"], [1, "z"], [1, "a"]].sort(naturalOrder); // [[1, "a"], [1, "z"], [2, "b"]]
 */
export function naturalOrder(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let k = 0; k < n; k++) {
      const c = naturalOrder(a[k], b[k]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return (a as number) < (b as number) ? -1 : (b as number) < (a as number) ? 1 : 0;
}

/**
 * A queue that hands out its smallest item first (a binary heap), by `compare` or by
 * `naturalOrder`. Items that compare equal come out in no particular order, as with
 * Python's heapq.
 *
 * @example
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([2, "later"]); q.putNowait([1, "first"]);
 * q.getNowait(); // [1, "first"]
 */
export class PriorityQueue<T> extends Queue<T> {
  /** @internal */ declare _heap: T[];
  /** @internal */ declare _compare: (a: T, b: T) => number;

  constructor(maxsize = 0, compare: (a: T, b: T) => number = naturalOrder) {
    super(maxsize);
    this._compare = compare;
  }

  protected override _init(_maxsize: number): void {
    this._heap = [];
  }

  protected override _put(item: T): void {
    const heap = this._heap;
    const compare = this._compare;
    let k = heap.length;
    heap.push(item);
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (compare(item, heap[parent]!) >= 0) break;
      heap[k] = heap[parent]!;
      k = parent;
    }
    heap[k] = item;
  }

  protected override _get(): T {
    const heap = this._heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return top;
    const compare = this._compare;
    let k = 0;
    for (;;) {
      const left = 2 * k + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && compare(heap[right]!, heap[left]!) < 0 ? right : left;
      if (compare(heap[child]!, last) >= 0) break;
      heap[k] = heap[child]!;
      k = child;
    }
    heap[k] = last;
    return top;
  }

  protected override _qsize(): number {
    return this._heap.length;
  }

  /** @internal */
  override _typeName(): string {
    return "PriorityQueue";
  }
}

/**
 * A queue that hands out the item put last first (a stack).
 *
 * @example
 * const undo = new LifoQueue<string>();
 * undo.putNowait("a"); undo.putNowait("b");
 * undo.getNowait(); // "b"
 */
export class LifoQueue<T> extends Queue<T> {
  /** @internal */ declare _stack: T[];

  protected override _init(_maxsize: number): void {
    this._stack = [];
  }

  protected override _put(item: T): void {
    this._stack.push(item);
  }

  protected override _get(): T {
    return this._stack.pop()!;
  }

  protected override _qsize(): number {
    return this._stack.length;
  }

  /** @internal */
  override _typeName(): string {
    return "LifoQueue";
  }
}
