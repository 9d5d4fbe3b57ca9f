/**
 * What a document has in flight, read off the batches its agent ships: runtime tasks that have
 * spawned and not exited, and native operations that have started and not ended. The agent
 * answers `--until-idle`'s query with these counts.
 *
 * Repeating native operations (setInterval, requestAnimationFrame) are left out: pages run
 * them as loops for as long as they are open, so a page that only polls or animates counts as
 * idle. One-shot timers, requests and idle callbacks count.
 *
 * Page-side code: it calls no built-in the page could have replaced — ids are kept as keys of
 * null-prototype objects (made with the Object.create captured at module load), and batches
 * are read by indexing typed arrays.
 */
import { EV_EXIT, EV_NATIVE_END, EV_NATIVE_START, EV_SPAWN, OPS_PER_EVENT, nativeKindCode, type TraceBatch } from "../trace/encoding.ts";

const createObject = Object.create;

/** Native kinds that repeat until cleared, and workers (which may live as long as the page): not activity on their own. */
const REPEATING_KINDS: readonly number[] = [nativeKindCode("setInterval"), nativeKindCode("requestAnimationFrame"), nativeKindCode("worker")];

type IdSet = Record<number, true>;

export class PageActivity {
  private tasks: IdSet = createObject(null) as IdSet;
  private native: IdSet = createObject(null) as IdSet;
  pendingTasks = 0;
  nativeInFlight = 0;
  /** Events seen in the batches so far. */
  recorded = 0;

  /** Forgets everything (a new recording stream). */
  reset(): void {
    this.tasks = createObject(null) as IdSet;
    this.native = createObject(null) as IdSet;
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
        if (this.tasks[id] !== true) {
          this.tasks[id] = true;
          this.pendingTasks++;
        }
      } else if (k === EV_EXIT) {
        if (this.tasks[id] === true) {
          delete this.tasks[id];
          this.pendingTasks--;
        }
      } else if (k === EV_NATIVE_START) {
        const code = ops[i * OPS_PER_EVENT + 1]!;
        if (code !== REPEATING_KINDS[0] && code !== REPEATING_KINDS[1] && code !== REPEATING_KINDS[2] && this.native[id] !== true) {
          this.native[id] = true;
          this.nativeInFlight++;
        }
      } else if (k === EV_NATIVE_END) {
        if (this.native[id] === true) {
          delete this.native[id];
          this.nativeInFlight--;
        }
      }
    }
  }
}
