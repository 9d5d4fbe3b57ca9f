/**
 * A live session's snapshots are made incrementally (only the tasks changed since the last
 * snapshot get new records): whatever batches the recording arrives in and however often it
 * is snapshotted, each snapshot is the trace a builder that never took one gives for the same
 * batches, and a snapshot taken earlier never changes when later batches land.
 */
import { describe, expect, test } from "vitest";
import { addInstrument, createTask, gather, removeInstrument, run, sleep, waitFor, Lock, Queue, TimeoutError } from "../../../src/runtime/index.ts";
import { SessionBuilder, type Trace, type TraceBatch } from "../../../src/trace/index.ts";
import { columnsGrownByAppends, type PositionedColumn } from "../../../src/trace/session.ts";
import { OPS_PER_EVENT } from "../../../src/trace/encoding.ts";
import { deterministicRecorder, seededRandom } from "./helpers.ts";

/** Workers behind a lock, a queue, a timeout, a cancellation, an error, and native work. */
async function recordedBatch(): Promise<TraceBatch> {
  const recorder = deterministicRecorder();
  addInstrument(recorder);
  try {
    await run(function* main() {
      const lock = new Lock();
      const queue = new Queue<number>(1);
      const fetches = [1, 2, 3, 4].map((n) => createTask(function* worker() {
        const op = recorder.nativeStart("fetch", `GET /item/${n}`);
        yield* sleep(n);
        recorder.nativeEnd(op, "ok");
        yield* lock.acquire();
        try {
          yield* sleep(2);
          yield* queue.put(n);
        } finally {
          lock.release();
        }
      }, { name: `worker ${n}` }));
      const consumer = createTask(function* consume() {
        for (let k = 0; k < 4; k++) {
          yield* queue.get();
          yield* sleep(1);
        }
      }, { name: "consumer" });
      const failing = createTask(function* fail() {
        yield* sleep(1);
        throw new Error("boom");
      }, { name: "failing" });
      const slow = createTask(sleep(1000), { name: "slow" });
      try {
        yield* waitFor(sleep(500), 7);
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
      }
      slow.cancel("no longer needed");
      yield* gather([...fetches, consumer, failing, slow], { returnExceptions: true });
    }, { clock: "virtual", name: "main" });
  } finally {
    removeInstrument(recorder);
  }
  return recorder.takeBatch();
}

/** The events of `batch` at positions [from, to), as a batch numbered `seq` carrying `strings` from `stringBase`. */
function eventsOf(batch: TraceBatch, from: number, to: number, seq: number, first: boolean): TraceBatch {
  return {
    ...batch, seq, count: to - from,
    time: batch.time.slice(from, to), kind: batch.kind.slice(from, to), ops: batch.ops.slice(from * OPS_PER_EVENT, to * OPS_PER_EVENT),
    stringBase: first ? batch.stringBase : batch.stringBase + batch.strings.length, strings: first ? batch.strings : [],
  };
}

/** `batch` cut at `cuts` into consecutive batches; the events in `lost` ([from, to)) are left out, as a page drops them. */
function split(batch: TraceBatch, cuts: readonly number[], lost: readonly [number, number] = [0, 0]): TraceBatch[] {
  const bounds = [0, ...cuts, batch.count];
  return bounds.slice(1).map((to, k) => {
    const part = eventsOf(batch, bounds[k]!, to, k, k === 0);
    const keep = Array.from({ length: part.count }, (_, i) => i).filter((i) => bounds[k]! + i < lost[0] || bounds[k]! + i >= lost[1]);
    if (keep.length === part.count) return part;
    return {
      ...part, count: keep.length,
      time: Float64Array.from(keep, (i) => part.time[i]!), kind: Uint8Array.from(keep, (i) => part.kind[i]!),
      ops: Int32Array.from(keep.flatMap((i) => Array.from(part.ops.subarray(i * OPS_PER_EVENT, (i + 1) * OPS_PER_EVENT)))),
      droppedEvents: part.droppedEvents + (part.count - keep.length),
    };
  });
}

function randomCuts(rand: () => number, count: number): number[] {
  const cuts = new Set<number>();
  const wanted = 1 + Math.floor(rand() * 12);
  while (cuts.size < wanted) cuts.add(1 + Math.floor(rand() * (count - 1)));
  return [...cuts].sort((x, y) => x - y);
}

/** The trace a builder that takes no snapshot on the way gives for `parts` (each with its source). */
function fullBuild(parts: readonly (readonly [TraceBatch, number])[], sources: number): Trace {
  const builder = new SessionBuilder();
  for (let k = 0; k < sources; k++) builder.addSource();
  for (const [part, source] of parts) expect(builder.append(part, source).ok).toBe(true);
  return builder.trace();
}

/** What stays the same when a record is replaced: the entity a record is about. */
const IDENTITY: Record<PositionedColumn, (record: never) => number> = {
  tasks: (r: { id: number }) => r.id,
  steps: (r: { task: number }) => r.task,
  awaits: (r: { task: number }) => r.task,
  cancellations: (r: { task: number }) => r.task,
  timeouts: (r: { task: number }) => r.task,
  nativeOps: (r: { id: number }) => r.id,
};

/**
 * Checks columnsGrownByAppends(earlier, later): each column it names has, at each position
 * `earlier` had, a record about the same entity. Returns the columns it names.
 */
function checkAppended(earlier: Trace, later: Trace, what: string): ReadonlySet<PositionedColumn> {
  const appended = columnsGrownByAppends(earlier, later);
  for (const column of appended) {
    const identity = IDENTITY[column] as (record: unknown) => number;
    const before = earlier[column] as readonly unknown[];
    const after = later[column] as readonly unknown[];
    expect(after.length, `${what}: ${column}`).toBeGreaterThanOrEqual(before.length);
    for (let k = 0; k < before.length; k++) expect(identity(after[k]), `${what}: ${column}[${k}]`).toBe(identity(before[k]));
  }
  return appended;
}

/**
 * Appends `parts` in order, snapshotting after each; checks each snapshot against a full build
 * of the same batches, that the columns said to have grown by appends alone did, and at the
 * end that no snapshot changed since it was taken. Returns, per snapshot after the first,
 * how many columns were said to have grown by appends from the one before.
 */
function checkGrowth(parts: readonly (readonly [TraceBatch, number])[], sources: number, what: string): number[] {
  const builder = new SessionBuilder();
  for (let k = 0; k < sources; k++) builder.addSource();
  const taken: { trace: Trace; copy: Trace }[] = [];
  parts.forEach(([part, source], k) => {
    expect(builder.append(part, source).ok).toBe(true);
    const trace = builder.trace();
    expect(trace, `${what}, after batch ${k}`).toEqual(fullBuild(parts.slice(0, k + 1), sources));
    taken.push({ trace, copy: structuredClone(trace) });
  });
  for (const [k, { trace, copy }] of taken.entries()) expect(trace, `${what}: the snapshot after batch ${k}, at the end`).toEqual(copy);
  const first = taken[0]!.trace;
  return taken.slice(1).map(({ trace }, k) => {
    checkAppended(first, trace, `${what}: from the first snapshot to the one after batch ${k + 1}`);
    return checkAppended(taken[k]!.trace, trace, `${what}: after batch ${k + 1}`).size;
  });
}

describe("a growing session's snapshots", () => {
  test("in any split, each snapshot is the full build's, and stays as it was taken", async () => {
    const batch = await recordedBatch();
    expect(batch.count).toBeGreaterThan(100);
    const one = (cuts: readonly number[], lost?: readonly [number, number]): [TraceBatch, number][] => split(batch, cuts, lost).map((part) => [part, 0]);
    const appended = checkGrowth(one(Array.from({ length: batch.count - 1 }, (_, k) => k + 1)), 1, "a batch per event");
    // One frame's records come in time order: every column grows by appends alone.
    expect(new Set(appended)).toEqual(new Set([6]));
    for (let seed = 1; seed <= 20; seed++) {
      const rand = seededRandom(seed);
      checkGrowth(one(randomCuts(rand, batch.count)), 1, `seed ${seed}`);
      // Events lost in the middle: later ones refer to tasks the session never saw created.
      const from = Math.floor(rand() * batch.count);
      checkGrowth(one(randomCuts(rand, batch.count), [from, from + 1 + Math.floor(rand() * 40)]), 1, `seed ${seed}, events from ${from} lost`);
    }
  }, 60_000);

  test("two frames whose records interleave (tasks added out of time order)", async () => {
    const batch = await recordedBatch();
    const later = { ...batch, timeOrigin: batch.timeOrigin + 0.3 };
    for (let seed = 1; seed <= 20; seed++) {
      const rand = seededRandom(seed);
      const queues = [split(batch, randomCuts(rand, batch.count)), split(later, randomCuts(rand, batch.count))];
      const parts: [TraceBatch, number][] = [];
      while (queues[0]!.length + queues[1]!.length > 0) {
        const source = queues[1]!.length === 0 || (queues[0]!.length > 0 && rand() < 0.5) ? 0 : 1;
        parts.push([queues[source]!.shift()!, source]);
      }
      const appended = checkGrowth(parts, 2, `seed ${seed}`);
      // The later frame's records sort between the first's: some columns stop growing by appends.
      expect(Math.min(...appended), `seed ${seed}`).toBeLessThan(6);
    }
  }, 60_000);

  test("snapshots of different builders share no columns' positions", async () => {
    const batch = await recordedBatch();
    const builders = [new SessionBuilder(), new SessionBuilder()];
    for (const builder of builders) expect(builder.append(batch).ok).toBe(true);
    const [one, other] = builders.map((builder) => builder.trace());
    expect(columnsGrownByAppends(one!, other!).size).toBe(0);
    expect(columnsGrownByAppends(one!, structuredClone(one!)).size).toBe(0);
    expect(columnsGrownByAppends(one!, builders[0]!.trace()).size).toBe(6);
  });
});
