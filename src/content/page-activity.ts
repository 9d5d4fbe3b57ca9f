/**
 * What a document has in flight, read off the batches its agent ships: runtime tasks that have
 * spawned and not exited, and native operations that have started and not ended. The agent
 * answers `--until-idle`'s query with these counts.
 *
 * Repeating native operations (setInterval, requestAnimationFrame) are left out: pages run
 * them as loops for as long as they are open, so a page that only polls or animates counts as
 * idle. One-shot timers, requests and idle callbacks count.
 *
 * Page-side code: it calls no built-in the page could have replaced — ids are kept in Sets
 * whose methods are the originals (`safeSet`), and batches are read by indexing typed arrays.
 * Not integer keys of a plain object: ids only grow, and deleting them from an object's
 * elements makes V8 scan and re-shape its backing store again and again (up to hundreds of ms
 * a second on a page that starts 10 000 timers a second).
 */
import { EV_EXIT, EV_NATIVE_END, EV_NATIVE_START, EV_SPAWN, OPS_PER_EVENT, nativeKindCode, type TraceBatch } from "../trace/encoding.ts";
import { safeSet } from "../trace/primordials.ts";

/** Native kinds that repeat until cleared, and workers (which may live as long as the page): not activity on their own. */
const REPEATING_KINDS: readonly number[] = [nativeKindCode("setInterval"), nativeKindCode("requestAnimationFrame"), nativeKindCode("worker")];

export class PageActivity {
  private tasks = safeSet<number>();
  private native = safeSet<number>();
  pendingTasks = 0;
  nativeInFlight = 0;
  /** Events seen in the batches so far. */
  recorded = 0;

  /** Forgets everything (a new recording stream). */
  reset(): void {
    this.tasks = safeSet<number>();
    this.native = safeSet<number>();
    this.pendingTasks = 0;
    this.nativeInFlight = 0;
    this.recorded = 0;
  }

  /** Counts what `batch` started and ended. */
  feed(batch: TraceBatch): void {
    const { kind, ops, count } = batch;
    this.recorded += count;
    for (let i = 0; i < count; i++) {
      const k = kind[i];
      const id = ops[i * OPS_PER_EVENT]!;
      if (k === EV_SPAWN) {
        if (!this.tasks.has(id)) {
          this.tasks.add(id);
          this.pendingTasks++;
        }
      } else if (k === EV_EXIT) {
        if (this.tasks.delete(id)) this.pendingTasks--;
      } else if (k === EV_NATIVE_START) {
        const code = ops[i * OPS_PER_EVENT + 1]!;
        if (code !== REPEATING_KINDS[0] && code !== REPEATING_KINDS[1] && code !== REPEATING_KINDS[2] && !this.native.has(id)) {
          this.native.add(id);
          this.nativeInFlight++;
        }
      } else if (k === EV_NATIVE_END) {
        if (this.native.delete(id)) this.nativeInFlight--;
      }
    }
  }
}
