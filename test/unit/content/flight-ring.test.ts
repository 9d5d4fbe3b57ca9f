/**
 * The flight recorder's ring (src/content/flight-ring.ts): it keeps the recorder's own batches,
 * evicts the oldest by time and by size, counts every evicted event exactly, and what it keeps
 * becomes a stream a SessionBuilder accepts from seq 0 — strings of evicted time included — with
 * the recorder's later batches following it.
 */
import { describe, expect, test } from "vitest";
import { FlightRing } from "../../../src/content/flight-ring.ts";
import { Recorder } from "../../../src/trace/recorder.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";
import { BYTES_PER_EVENT, type TraceBatch } from "../../../src/trace/encoding.ts";

/** A recorder on a clock the test sets, and a way to make one batch of native work at a time. */
function source() {
  let now = 0;
  const recorder = new Recorder({ clock: () => now, timeOrigin: 1_700_000_000_000 });
  return {
    recorder,
    /** `ops` native operations, each with its own label, started and ended at `at`; the batch holding them. */
    batchAt(at: number, ops: number, label = "op"): TraceBatch {
      now = at;
      for (let k = 0; k < ops; k++) {
        const id = recorder.nativeStart("fetch", `${label} ${at}/${k}`);
        recorder.nativeEnd(id, "ok");
      }
      return recorder.takeBatch();
    },
  };
}

const LIMITS = { windowMs: 30_000, maxBytes: 1 << 30, maxEvents: 1 << 30 };

describe("the flight recorder's ring", () => {
  test("evicts the batches whose last event is older than the window, and counts their events exactly", () => {
    const { recorder, batchAt } = source();
    const ring = new FlightRing(LIMITS);
    // One batch a second for 100 s, 3 operations each (native start + end: 6 events).
    for (let s = 0; s <= 100; s++) ring.keep(batchAt(s * 1000, 3), s * 1000);
    const stats = ring.stats();
    // Kept: the batches of seconds 70…100 (31 batches; second 69's last event is 31 s old).
    expect(stats.batches).toBe(31);
    expect(stats.events).toBe(31 * 6);
    expect(stats.evictedEvents).toBe(70 * 6);
    expect(stats.events + stats.evictedEvents).toBe(recorder.stats().recorded);
  });

  test("evicts the oldest batches past the byte bound and past the event bound, exactly", () => {
    const bytes = source();
    const bySize = new FlightRing({ ...LIMITS, maxBytes: 20_000 });
    for (let s = 0; s < 50; s++) {
      bySize.keep(bytes.batchAt(s, 20), s);
      expect(bySize.stats().bytes).toBeLessThanOrEqual(20_000);
    }
    const kept = bySize.stats();
    expect(kept.events).toBeGreaterThan(0);
    expect(kept.events * BYTES_PER_EVENT).toBeLessThan(20_000);
    expect(kept.events + kept.evictedEvents).toBe(bytes.recorder.stats().recorded);

    const events = source();
    const byCount = new FlightRing({ ...LIMITS, maxEvents: 100 });
    for (let s = 0; s < 50; s++) byCount.keep(events.batchAt(s, 7), s);
    // 14 events a batch: 7 batches (98 events) fit in 100.
    expect(byCount.stats().events).toBe(98);
    expect(byCount.stats().evictedEvents).toBe(50 * 14 - 98);
  });

  test("what it keeps is a stream from seq 0 with the evicted batches' strings, and the recorder's next batches follow it", () => {
    const { recorder, batchAt } = source();
    const ring = new FlightRing({ ...LIMITS, windowMs: 10_000 });
    // A resource named in evicted time, used again in kept time: its label is a string of evicted time.
    for (let s = 0; s <= 40; s++) ring.keep(batchAt(s * 1000, 1, s < 20 ? `early` : `late`), s * 1000);
    // Repeated labels ("early 0/0"…) are new strings each second; an old string used again later:
    recorder.mark("user", "early 0/0");
    const taken = (() => {
      ring.keep(recorder.takeBatch(), 40_000);
      return ring.take();
    })();
    expect(taken.evictedEvents).toBe(30 * 2);
    expect(taken.batches[0]!.seq).toBe(0);
    expect(taken.batches.map((b) => b.seq)).toEqual(taken.batches.map((_, k) => k));
    expect(taken.batches[0]!.stringBase).toBe(1);
    expect(taken.firstTime).toBe(30_000);

    const builder = new SessionBuilder();
    for (const batch of taken.batches) expect(builder.append(batch)).toEqual({ ok: true });
    // The recorder goes on; its next batch, shifted, continues the stream.
    recorder.mark("user", "after the save");
    const next = recorder.takeBatch();
    expect(builder.append({ ...next, seq: next.seq - taken.seqShift, droppedEvents: next.droppedEvents - taken.droppedShift })).toEqual({ ok: true });
    const trace = builder.trace();
    expect(trace.nativeOps.map((op) => op.label)).toEqual(Array.from({ length: 11 }, (_, k) => `late ${(30 + k) * 1000}/0`));
    // The marker's label was interned in evicted time: the kept stream still resolves it.
    expect(trace.markers.map((m) => m.label)).toEqual(["early 0/0", "after the save"]);
    // Taking empties the ring.
    expect(ring.stats()).toMatchObject({ batches: 0, events: 0, evictedEvents: 0 });
  });

  test("drops counted before the window are not the window's", () => {
    let now = 0;
    const recorder = new Recorder({ clock: () => now, capacity: 4 });
    const ring = new FlightRing({ ...LIMITS, windowMs: 1000 });
    // Each second: 6 marks into a 4-event buffer, so 2 dropped a second.
    for (let s = 0; s < 5; s++) {
      now = s * 1000;
      for (let k = 0; k < 6; k++) recorder.mark("user", "m");
      ring.keep(recorder.takeBatch(), now);
    }
    const taken = ring.take();
    // Kept: seconds 3 and 4, after a batch of the strings of evicted time ("m"); their own drops: 2 each.
    expect(taken.batches.map((b) => b.count)).toEqual([0, 4, 4]);
    expect(taken.batches.map((b) => b.droppedEvents)).toEqual([0, 2, 4]);
    expect(taken.batches[0]!.strings).toEqual(["m"]);
    expect(taken.evictedEvents).toBe(3 * 4);
    expect(taken.droppedShift).toBe(3 * 2);
  });

  test("says when the strings of evicted time outgrow a quarter of the byte bound, and clear counts what it held as evicted", () => {
    const { batchAt } = source();
    const ring = new FlightRing({ windowMs: 1, maxBytes: 40_000, maxEvents: 1 << 30 });
    let s = 0;
    while (!ring.tableFull) {
      ring.keep(batchAt(s * 1000, 10, "a long label that takes room in the string table"), s * 1000);
      s++;
      expect(s).toBeLessThan(1000);
    }
    const before = ring.stats();
    expect(2 * before.keptStringChars).toBeGreaterThan(10_000);
    ring.clear();
    expect(ring.stats()).toMatchObject({ batches: 0, events: 0, evictedEvents: before.evictedEvents + before.events, keptStringChars: 0 });
    expect(ring.tableFull).toBe(false);
  });
});
