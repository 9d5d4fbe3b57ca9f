/**
 * The timeline model of a live session is built from the model before it: whatever batches the
 * recording arrives in, the model after the last one is the model one full build gives — also
 * when the panel builds it in slices (ModelJob), pausing wherever its time is up.
 */
import { describe, expect, test } from "vitest";
import { addInstrument, createTask, gather, removeInstrument, run, sleep, Lock } from "../../../src/runtime/index.ts";
import { SessionBuilder, type Recorder, type Trace, type TraceBatch } from "../../../src/trace/index.ts";
import { OPS_PER_EVENT } from "../../../src/trace/encoding.ts";
import { buildTimelineModel, nodeOfKey, keyOfNode, type TimelineModel } from "../../../src/devtools/timeline/model.ts";
import { deterministicRecorder, seededRandom } from "../trace/helpers.ts";
import { ModelJob } from "../../../src/devtools/session/model-job.ts";
import { ManualScheduler } from "./manual-scheduler.ts";
import { SnapshotPace } from "../../../src/devtools/session/snapshot-pace.ts";

/** Tasks under tasks, a lock, cancellations, and native work: series (a timer re-armed from one site), causes, parts. */
async function recordedBatch(): Promise<TraceBatch> {
  const recorder: Recorder = deterministicRecorder();
  addInstrument(recorder);
  try {
    recorder.mark("recordingStart");
    await run(function* main() {
      const lock = new Lock();
      const click = recorder.nativeStart("event", "click on button#go", { task: null });
      let cause = click;
      const workers = [1, 2, 3, 4, 5].map((n) => createTask(function* worker() {
        const fetch = recorder.nativeStart("fetch", `GET /item/${n}`);
        yield* sleep(n);
        recorder.nativeEnd(fetch, n === 3 ? "error" : "ok", { detail: "200" });
        yield* lock.acquire();
        try {
          const inner = createTask(function* inner() {
            yield* sleep(2);
          }, { name: `inner ${n}` });
          yield* sleep(1);
          if (n === 2) inner.cancel("not needed");
          yield* gather([inner], { returnExceptions: true });
        } finally {
          lock.release();
        }
      }, { name: `worker ${n}` }));
      for (let k = 0; k < 6; k++) {
        const timer = recorder.nativeStart("setTimeout", "setTimeout(3)", { task: null, cause, detail: '{"site":"app.js:7:3"}' });
        yield* sleep(3);
        recorder.nativeEnd(timer, "ok");
        cause = timer;
      }
      recorder.nativeEnd(click, "ok");
      yield* gather(workers);
    }, { clock: "virtual", name: "main" });
    recorder.mark("recordingStop");
  } finally {
    removeInstrument(recorder);
  }
  return recorder.takeBatch();
}

/** `batch` cut at `cuts` (sorted event positions) into consecutive batches; strings travel with the first. */
function split(batch: TraceBatch, cuts: readonly number[]): TraceBatch[] {
  const bounds = [0, ...cuts, batch.count];
  return bounds.slice(1).map((to, k) => {
    const from = bounds[k]!;
    return {
      ...batch, seq: k, count: to - from,
      time: batch.time.slice(from, to), kind: batch.kind.slice(from, to), ops: batch.ops.slice(from * OPS_PER_EVENT, to * OPS_PER_EVENT),
      stringBase: k === 0 ? batch.stringBase : batch.stringBase + batch.strings.length, strings: k === 0 ? batch.strings : [],
    };
  });
}

/** The session after each batch, and the model built from the one before at each step. */
function grow(batch: TraceBatch, cuts: readonly number[]): { trace: Trace; model: TimelineModel | null } {
  const builder = new SessionBuilder();
  let model: TimelineModel | null = null;
  let trace: Trace | null = null;
  for (const part of split(batch, cuts)) {
    expect(builder.append(part).ok).toBe(true);
    trace = builder.trace();
    if (trace.tasks.length + trace.nativeOps.length > 0) model = buildTimelineModel(trace, model);
  }
  return { trace: trace!, model };
}

describe("the timeline model of a growing session", () => {
  test("appending batches in any split gives the model of one full build", async () => {
    const batch = await recordedBatch();
    expect(batch.count).toBeGreaterThan(100);
    const full = buildTimelineModel(grow(batch, []).trace);
    expect(full.seriesSize.some((size) => size > 1)).toBe(true);
    expect(full.nodeCount).toBeGreaterThan(full.taskCount);
    const splits: number[][] = [Array.from({ length: batch.count - 1 }, (_, k) => k + 1)];
    for (let seed = 1; seed <= 40; seed++) {
      const rand = seededRandom(seed);
      const cuts = new Set<number>();
      const count = 1 + Math.floor(rand() * 12);
      while (cuts.size < count) cuts.add(1 + Math.floor(rand() * (batch.count - 1)));
      splits.push([...cuts].sort((x, y) => x - y));
    }
    for (const cuts of splits) {
      const { model } = grow(batch, cuts);
      expect(model, `cut at ${cuts.join(",")}`).toEqual(full);
    }
  });

  test("two frames whose records interleave: any order of their batches gives the model of one full build", async () => {
    const batch = await recordedBatch();
    // The second frame's clock starts 0.3 ms later: its records fall between the first's.
    const later = { ...batch, timeOrigin: batch.timeOrigin + 0.3 };
    for (let seed = 1; seed <= 30; seed++) {
      const rand = seededRandom(seed);
      const cutsOf = (): number[] => [...new Set(Array.from({ length: 1 + Math.floor(rand() * 8) }, () => 1 + Math.floor(rand() * (batch.count - 1))))].sort((x, y) => x - y);
      const queues = [split(batch, cutsOf()), split(later, cutsOf())];
      const builder = new SessionBuilder();
      builder.addSource();
      builder.addSource();
      let model: TimelineModel | null = null;
      while (queues[0]!.length + queues[1]!.length > 0) {
        const source = queues[1]!.length === 0 || (queues[0]!.length > 0 && rand() < 0.5) ? 0 : 1;
        expect(builder.append(queues[source]!.shift()!, source).ok).toBe(true);
        const trace = builder.trace();
        if (trace.tasks.length + trace.nativeOps.length > 0) model = buildTimelineModel(trace, model);
      }
      expect(model, `seed ${seed}`).toEqual(buildTimelineModel(model!.trace));
    }
  });

  test("an earlier model still finds its own nodes, and none of the later ones", async () => {
    const batch = await recordedBatch();
    const builder = new SessionBuilder();
    const [first, second] = split(batch, [batch.count >> 1]);
    builder.append(first!);
    const early = buildTimelineModel(builder.trace());
    builder.append(second!);
    const late = buildTimelineModel(builder.trace(), early);
    expect(late.taskCount).toBeGreaterThan(early.taskCount);
    for (let node = 0; node < early.nodeCount; node++) expect(nodeOfKey(early, keyOfNode(early, node))).toBe(node);
    for (let node = 0; node < late.nodeCount; node++) {
      const key = keyOfNode(late, node);
      expect(nodeOfKey(late, key)).toBe(node);
      const known = key >= 0 ? early.trace.tasks.some((t) => t.id === key) : early.trace.nativeOps.some((op) => op.id === -key - 1);
      if (!known) expect(nodeOfKey(early, key)).toBe(-1);
    }
  });

  test("a session whose earlier tasks moved is built afresh, and still right", async () => {
    const batch = await recordedBatch();
    const other = buildTimelineModel(grow(batch, [batch.count >> 2]).trace);
    // A model of another session (another time origin) is no base for this one.
    const shifted = { ...batch, timeOrigin: batch.timeOrigin + 1 };
    const builder = new SessionBuilder();
    builder.append(shifted);
    const trace = builder.trace();
    expect(buildTimelineModel(trace, other)).toEqual(buildTimelineModel(trace));
  });
});

describe("the timeline model built in slices (ModelJob)", () => {
  test("pausing anywhere, the job ends with the model of one full build of the newest snapshot, and each model it shows is complete", async () => {
    const batch = await recordedBatch();
    for (let seed = 1; seed <= 10; seed++) {
      const rand = seededRandom(seed);
      const cuts = [...new Set(Array.from({ length: 3 + Math.floor(rand() * 8) }, () => 1 + Math.floor(rand() * (batch.count - 1))))].sort((x, y) => x - y);
      const builder = new SessionBuilder();
      const parts = split(batch, cuts);
      builder.append(parts.shift()!);
      const scheduler = new ManualScheduler();
      let shown = 0;
      let last = builder.trace();
      // Each model shown is checked when it is shown: later builds extend its id maps in place (see nodeOfKey).
      const job = new ModelJob(buildTimelineModel(last), (model) => {
        shown++;
        expect(model, `seed ${seed}`).toEqual(buildTimelineModel(model.trace));
      }, scheduler);
      for (const part of parts) {
        expect(builder.append(part).ok).toBe(true);
        last = builder.trace();
        job.want(last);
        // A few slices between two batches: builds are cut short and overtaken by newer snapshots.
        for (let k = Math.floor(rand() * 4); k > 0; k--) scheduler.step();
      }
      scheduler.drain();
      expect(job.latest.trace, `seed ${seed}`).toBe(last);
      expect(job.latest, `seed ${seed}`).toEqual(buildTimelineModel(last));
      // It did pause: more slices ran than models were built.
      expect(shown).toBeGreaterThan(0);
      expect(scheduler.slices).toBeGreaterThan(shown);
    }
  });

  test("a build overtaken by a newer snapshot finishes first, then the next one starts after a rest", async () => {
    const batch = await recordedBatch();
    const [first, second, third] = split(batch, [batch.count >> 2, batch.count >> 1]);
    const builder = new SessionBuilder();
    builder.append(first!);
    const scheduler = new ManualScheduler();
    const shown: Trace[] = [];
    const job = new ModelJob(buildTimelineModel(builder.trace()), (model) => shown.push(model.trace), scheduler);
    builder.append(second!);
    const middle = builder.trace();
    job.want(middle);
    scheduler.step();
    builder.append(third!);
    const newest = builder.trace();
    job.want(newest);
    scheduler.drain();
    expect(shown).toEqual([middle, newest]);
    // The first build started at once; the one after it waited.
    expect(scheduler.delays[0]).toBe(0);
    expect(Math.max(...scheduler.delays)).toBeGreaterThan(0);
  });

  test("a disposed job runs no further slice and shows nothing more", async () => {
    const batch = await recordedBatch();
    const [first, second] = split(batch, [batch.count >> 1]);
    const builder = new SessionBuilder();
    builder.append(first!);
    const scheduler = new ManualScheduler();
    const shown: TimelineModel[] = [];
    const job = new ModelJob(buildTimelineModel(builder.trace()), (model) => shown.push(model), scheduler);
    builder.append(second!);
    job.want(builder.trace());
    scheduler.step();
    job.dispose();
    scheduler.drain();
    expect(shown).toEqual([]);
  });

  test("paced snapshots: one asked for while a build or its rest runs is taken once they are over, and a rest is kept after a build whatever asks", async () => {
    const batch = await recordedBatch();
    const [first, second, third] = split(batch, [batch.count >> 2, batch.count >> 1]);
    const builder = new SessionBuilder();
    builder.append(first!);
    const scheduler = new ManualScheduler();
    const pace = new SnapshotPace();
    const building: boolean[] = [];
    const shown: Trace[] = [];
    const job = new ModelJob(buildTimelineModel(builder.trace()), (model) => shown.push(model.trace), scheduler, (now) => {
      building.push(now);
      pace.setBuilding(now);
    });
    let taken = 0;
    pace.whenReady(() => taken++);
    expect(taken).toBe(1); // nothing being built: at once
    builder.append(second!);
    const middle = builder.trace();
    job.want(middle);
    scheduler.step();
    expect(building).toEqual([true]);
    pace.whenReady(() => taken++);
    pace.whenReady(() => taken++); // replaces the one before: still one snapshot
    while (shown.length === 0) scheduler.step();
    // Built; its rest is still to run: the snapshot still waits.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(taken).toBe(1);
    expect(scheduler.step()).toBe(true); // the rest ends, nothing newer was asked for
    expect(building).toEqual([true, false]);
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(taken).toBe(2);
    // The newer snapshot is built, and the job rests after it before it says it is done.
    builder.append(third!);
    const newest = builder.trace();
    job.want(newest);
    scheduler.drain();
    expect(shown).toEqual([middle, newest]);
    expect(building).toEqual([true, false, true, false]);
  });
});
