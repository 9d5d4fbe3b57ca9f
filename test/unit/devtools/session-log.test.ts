/**
 * The session log the panel keeps in storage while it records: replaying it gives the very
 * trace the panel's session builder holds, through a structured clone (what IndexedDB does),
 * however the recording was cut into batches.
 */
import { describe, expect, test } from "vitest";
import { createTask, gather, run, sleep, Lock } from "../../../src/runtime/index.ts";
import { addInstrument, removeInstrument } from "../../../src/runtime/index.ts";
import { SessionBuilder, type TraceBatch } from "../../../src/trace/index.ts";
import { OPS_PER_EVENT } from "../../../src/trace/encoding.ts";
import { SessionLogger, isSessionLog, replaySessionLog } from "../../../src/devtools/session/session-log.ts";
import { deterministicRecorder } from "../trace/helpers.ts";

async function recordedBatch(): Promise<TraceBatch> {
  const recorder = deterministicRecorder();
  addInstrument(recorder);
  try {
    await run(function* main() {
      const lock = new Lock();
      const workers = [1, 2, 3, 4].map((n) => createTask(function* worker() {
        yield* sleep(n);
        yield* lock.acquire();
        try {
          yield* sleep(2);
        } finally {
          lock.release();
        }
      }, { name: `worker ${n}` }));
      yield* gather(workers);
    }, { clock: "virtual" });
  } finally {
    removeInstrument(recorder);
  }
  return recorder.takeBatch();
}

/** `batch` cut at `cuts` (event positions) into consecutive batches, all strings in the first. */
function split(batch: TraceBatch, cuts: readonly number[]): TraceBatch[] {
  const bounds = [0, ...cuts, batch.count];
  return bounds.slice(1).map((to, k) => {
    const from = bounds[k]!;
    return {
      ...batch,
      seq: k,
      count: to - from,
      time: batch.time.slice(from, to),
      kind: batch.kind.slice(from, to),
      ops: batch.ops.slice(from * OPS_PER_EVENT, to * OPS_PER_EVENT),
      stringBase: k === 0 ? batch.stringBase : batch.stringBase + batch.strings.length,
      strings: k === 0 ? batch.strings : [],
    };
  });
}

describe("session log", () => {
  test("replayed after a structured clone, it gives the trace its builder holds, in any cut", async () => {
    const batch = await recordedBatch();
    expect(batch.count).toBeGreaterThan(40);
    for (const cuts of [[], [1], [batch.count >> 1], [3, 7, 20, batch.count - 1]]) {
      const builder = new SessionBuilder();
      const logger = new SessionLogger();
      const options = { label: "page", url: "https://example.test/", frameId: 0 };
      builder.addSource(options);
      logger.addSource(options);
      builder.describe({ title: "kept", url: "https://example.test/" });
      logger.describe({ title: "kept", url: "https://example.test/" });
      for (const part of split(batch, cuts)) {
        expect(builder.append(part, 0).ok).toBe(true);
        logger.appended(part, 0);
      }
      const kept: unknown = structuredClone(logger.log());
      expect(isSessionLog(kept)).toBe(true);
      expect(replaySessionLog(kept as ReturnType<SessionLogger["log"]>)).toEqual(builder.trace());
    }
  });

  test("a log with a batch missing is refused with which batch and why", async () => {
    const batch = await recordedBatch();
    const logger = new SessionLogger();
    logger.addSource({});
    const [first, , third] = split(batch, [5, 10]);
    logger.appended(first!, 0);
    logger.appended(third!, 0);
    expect(() => replaySessionLog(logger.log())).toThrow(/batch 1 of the kept recording was refused: \$\.batch\.seq: batch 2 arrived but batch 1 was expected/);
  });

  test("a log taken earlier does not change as the recording goes on", async () => {
    const batch = await recordedBatch();
    const logger = new SessionLogger();
    logger.addSource({});
    const [first, second] = split(batch, [5]);
    logger.appended(first!, 0);
    const early = logger.log();
    logger.appended(second!, 0);
    logger.describeSource(0, { runtimes: [{ version: "1.0.0", origin: "page" }], notRecorded: ["Promise.prototype.then"] });
    expect(early.batches).toHaveLength(1);
    expect(early.sources[0]!.runtimes).toBeUndefined();
    expect(logger.log().sources[0]!).toEqual({ runtimes: [{ version: "1.0.0", origin: "page" }], notRecorded: ["Promise.prototype.then"] });
    expect(replaySessionLog(logger.log()).sources[0]).toMatchObject({ notRecorded: ["Promise.prototype.then"] });
  });
});
