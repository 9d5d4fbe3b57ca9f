/**
 * The flight recorder's ring: the last seconds of a page's recording, kept on the page side
 * while nobody records, so that a trace exists after the fact (Go's flight recorder).
 *
 * It keeps the recorder's batches as they are — the agent takes one every 50 ms, as it does
 * while recording — and never re-encodes an event. The oldest batches go first: those whose
 * last event is older than the window, and then as many as it takes to stay within the
 * bounds in bytes (25 an event, 2 a string character) and in events. Every event that goes is
 * counted exactly (`evictedEvents`).
 *
 * A batch lists only the strings new since the previous one, so the strings of evicted
 * batches stay (later events refer to them) and count against the byte bound; when they alone
 * pass a quarter of it, `tableFull` says the agent should start a fresh recorder (`clear`).
 *
 * `take` turns the ring into the first batches of a recording: string-only batches holding
 * the evicted batches' strings, then the kept batches, numbered from 0; drop counts start at
 * the window (what was dropped before it belongs to evicted time).
 *
 * It runs in the page's realm: built-ins from trace/primordials.ts only.
 */
import { BYTES_PER_EVENT, type TraceBatch } from "../trace/encoding.ts";
import { append, mathMax } from "../trace/primordials.ts";
import { MAX_BATCH_STRING_CHARS, MAX_BATCH_STRINGS } from "../protocol/validate.ts";
import { FLIGHT_WINDOW_MS } from "../protocol/messages.ts";

/** Bytes of events and strings kept at most by default. */
export const FLIGHT_MAX_BYTES = 32 * 1024 * 1024;
/** Events kept at most by default. */
export const FLIGHT_MAX_EVENTS = 1 << 20;

export interface FlightLimits {
  readonly windowMs: number;
  readonly maxBytes: number;
  readonly maxEvents: number;
}

export const DEFAULT_FLIGHT_LIMITS: FlightLimits = { windowMs: FLIGHT_WINDOW_MS, maxBytes: FLIGHT_MAX_BYTES, maxEvents: FLIGHT_MAX_EVENTS };

/** What `take` returns: batches ready to send as a fresh stream, and the counts that go with them. */
export interface FlightTake {
  readonly batches: TraceBatch[];
  /**
   * What to subtract from the recorder's later batches' `seq` and `droppedEvents` so they
   * continue the taken ones (the recorder keeps its own numbering).
   */
  readonly seqShift: number;
  readonly droppedShift: number;
  /** Events that left the ring (by time or size) before `take`, exactly. */
  readonly evictedEvents: number;
  /** Recorder time of the oldest event kept, or null when none is. */
  readonly firstTime: number | null;
}

export interface FlightRingStats {
  readonly batches: number;
  readonly events: number;
  readonly bytes: number;
  readonly evictedEvents: number;
  /** Characters of the strings kept for evicted batches. */
  readonly keptStringChars: number;
}

function batchBytes(batch: TraceBatch): number {
  let chars = 0;
  const strings = batch.strings;
  for (let k = 0; k < strings.length; k++) chars += strings[k]!.length;
  return batch.count * BYTES_PER_EVENT + 2 * chars;
}

export class FlightRing {
  /** Kept batches, oldest first, from index `head` (the array is compacted now and then). */
  private batches: TraceBatch[] = [];
  private head = 0;
  private events = 0;
  private bytes = 0;
  private evicted = 0;
  /** Strings of evicted batches, in id order from 1 (batches list only their new strings). */
  private strings: string[] = [];
  private stringChars = 0;
  /** The cumulative drop count of the latest evicted batch. */
  private droppedBefore = 0;
  /** The latest event time seen: an empty batch lasts until then. */
  private lastTime = 0;
  /** The latest evicted batch (its metadata and numbering), or null. */
  private lastEvicted: TraceBatch | null = null;

  private limitsNow: FlightLimits;

  constructor(limits: FlightLimits = DEFAULT_FLIGHT_LIMITS) {
    this.limitsNow = limits;
  }

  get limits(): FlightLimits {
    return this.limitsNow;
  }

  /** Keeps `windowMs` from now on (a shorter window evicts at the next push). */
  setWindow(windowMs: number): void {
    this.limitsNow = { windowMs, maxBytes: this.limitsNow.maxBytes, maxEvents: this.limitsNow.maxEvents };
  }

  /** Keeps `batch` (the recorder's next one), then evicts what is older than `now − window` or past the bounds. */
  keep(batch: TraceBatch, now: number): void {
    if (batch.count > 0) this.lastTime = mathMax(this.lastTime, batch.time[batch.count - 1]!);
    append(this.batches, batch);
    this.events += batch.count;
    this.bytes += batchBytes(batch);
    this.evict(now);
  }

  /** Evicts batches whose last event is older than `now − window`, then the oldest until within bounds. */
  evict(now: number): void {
    const limits = this.limits;
    const oldest = now - limits.windowMs;
    while (this.head < this.batches.length) {
      const first = this.batches[this.head]!;
      const ends = first.count > 0 ? first.time[first.count - 1]! : this.lastTime;
      const tooOld = ends < oldest;
      const tooBig = this.bytes + 2 * this.stringChars > limits.maxBytes || this.events > limits.maxEvents;
      if (!tooOld && !tooBig) break;
      this.evictFirst();
    }
    if (this.head > 64 && this.head * 2 > this.batches.length) this.compact();
  }

  /** The strings of evicted batches passed a quarter of the byte bound: a fresh recorder should start. */
  get tableFull(): boolean {
    return 2 * this.stringChars > this.limits.maxBytes / 4;
  }

  stats(): FlightRingStats {
    return {
      batches: this.batches.length - this.head, events: this.events, bytes: this.bytes + 2 * this.stringChars,
      evictedEvents: this.evicted, keptStringChars: this.stringChars,
    };
  }

  /**
   * Empties the ring, counting every kept event as evicted (its recorder is being replaced,
   * and a new one's string table starts again at 1). The evicted count stays.
   */
  clear(): void {
    this.evicted += this.events;
    this.batches = [];
    this.head = 0;
    this.events = 0;
    this.bytes = 0;
    this.strings = [];
    this.stringChars = 0;
    this.droppedBefore = 0;
    this.lastEvicted = null;
  }

  /**
   * The kept events as the first batches of a new stream (see the module's comment). The ring
   * is left empty, with its evicted count reset: what it held is the recording's now.
   */
  take(): FlightTake {
    const kept = this.batches;
    const head = this.head;
    const template = head < kept.length ? kept[head]! : this.lastEvicted;
    // The recorder's number for the first batch not evicted (kept, or its next one).
    const firstSeq = head < kept.length ? kept[head]!.seq : this.lastEvicted === null ? 0 : this.lastEvicted.seq + 1;
    const out: TraceBatch[] = [];
    const droppedShift = this.droppedBefore;
    // The evicted batches' strings, in batches within the bounds one batch may carry.
    let from = 0;
    while (template !== null && from < this.strings.length) {
      const slice: string[] = [];
      let chars = 0;
      while (from < this.strings.length && slice.length < MAX_BATCH_STRINGS && chars + this.strings[from]!.length <= MAX_BATCH_STRING_CHARS) {
        chars += this.strings[from]!.length;
        append(slice, this.strings[from]!);
        from++;
      }
      append(out, {
        ...template, seq: out.length, count: 0, time: new Float64Array(0), kind: new Uint8Array(0), ops: new Int32Array(0),
        stringBase: from - slice.length + 1, strings: slice, droppedEvents: 0,
      });
    }
    const seqShift = firstSeq - out.length;
    let firstTime: number | null = null;
    for (let k = head; k < kept.length; k++) {
      const batch = kept[k]!;
      if (firstTime === null && batch.count > 0) firstTime = batch.time[0]!;
      append(out, { ...batch, seq: batch.seq - seqShift, droppedEvents: batch.droppedEvents - droppedShift });
    }
    const evictedEvents = this.evicted;
    this.clear();
    this.evicted = 0;
    return { batches: out, seqShift, droppedShift, evictedEvents, firstTime };
  }

  private evictFirst(): void {
    const first = this.batches[this.head]!;
    this.batches[this.head] = undefined as unknown as TraceBatch; // let it be collected
    this.head++;
    this.events -= first.count;
    this.bytes -= batchBytes(first);
    this.evicted += first.count;
    this.droppedBefore = first.droppedEvents;
    this.lastEvicted = first;
    const strings = first.strings;
    for (let k = 0; k < strings.length; k++) {
      append(this.strings, strings[k]!);
      this.stringChars += strings[k]!.length;
    }
  }

  private compact(): void {
    const rest: TraceBatch[] = [];
    for (let k = this.head; k < this.batches.length; k++) append(rest, this.batches[k]!);
    this.batches = rest;
    this.head = 0;
  }
}
