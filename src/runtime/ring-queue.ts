/**
 * A FIFO queue on a growable ring buffer: O(1) push and shift with no array shifting or
 * resizing per loop iteration (the event loop's ready queue lives here).
 */
export class RingQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;
  private mask: number;

  constructor(initialCapacity = 64) {
    let capacity = 8;
    while (capacity < initialCapacity) capacity *= 2;
    this.items = new Array<T | undefined>(capacity);
    this.mask = capacity - 1;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count > this.mask) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Removes and returns the oldest item; the queue must not be empty. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined; // let it be collected
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const old = this.items;
    const capacity = old.length * 2;
    const items = new Array<T | undefined>(capacity);
    for (let k = 0; k < this.count; k++) items[k] = old[(this.head + k) & this.mask];
    this.items = items;
    this.head = 0;
    this.mask = capacity - 1;
  }
}
