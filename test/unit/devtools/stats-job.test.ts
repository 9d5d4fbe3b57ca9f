/**
 * The statistics analyzed in slices (stats/stats-job.ts) are the statistics of one analysis in
 * one go, wherever the slices pause; a live session's statistics follow its newest model
 * without restarting an analysis under way, and another session never shows the figures of
 * the one before.
 */
import { describe, expect, test } from "vitest";
import { StatsFollower, StatsJob } from "../../../src/devtools/stats/stats-job.ts";
import { analyzeSession, type SessionStats } from "../../../src/devtools/stats/session-stats.ts";
import { ManualScheduler } from "./manual-scheduler.ts";
import { buildTimelineModel, type TimelineModel } from "../../../src/devtools/timeline/model.ts";
import type { Trace } from "../../../src/trace/index.ts";
import { PROGRAMS } from "../trace/programs.ts";

/** The statistics as plain data, without the model they were made from. */
function figures(stats: SessionStats | null): unknown {
  if (stats === null) return null;
  const { model: _model, ...rest } = stats;
  return JSON.parse(JSON.stringify(rest, (_key, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value)));
}

describe("statistics analyzed in slices", () => {
  test.each(PROGRAMS)("%s: the sliced analysis is the analysis in one go", async (_name, program) => {
    const model = buildTimelineModel(await program());
    const scheduler = new ManualScheduler();
    const done: SessionStats[] = [];
    const job = new StatsJob(model, (stats) => done.push(stats), scheduler);
    expect(job.start(0)).toBeNull();
    scheduler.drain();
    expect(scheduler.slices).toBeGreaterThan(1);
    expect(done).toHaveLength(1);
    expect(done[0]!.model).toBe(model);
    expect(figures(done[0]!)).toEqual(figures(analyzeSession(model)));
  });

  test("a first slice long enough gives the statistics at once, and no slice follows", async () => {
    const model = buildTimelineModel(await PROGRAMS[0]![1]());
    const scheduler = new ManualScheduler(0);
    const job = new StatsJob(model, () => expect.unreachable("told of an analysis it returned"), scheduler);
    expect(figures(job.start(1))).toEqual(figures(analyzeSession(model)));
    scheduler.drain();
    expect(scheduler.slices).toBe(0);
  });
});

describe("statistics following a live session", () => {
  async function models(): Promise<{ trace: Trace; grown: () => TimelineModel }> {
    const trace = await PROGRAMS[0]![1]();
    // Later models of the same session (same clock); each a model of its own.
    return { trace, grown: () => buildTimelineModel(trace) };
  }

  test("an analysis under way ends first; then the newest model is analyzed, after a rest", async () => {
    const { grown } = await models();
    const scheduler = new ManualScheduler();
    let told = 0;
    const follower = new StatsFollower(() => told++, scheduler);
    const first = grown();
    follower.want(first, 0, true);
    expect(follower.shown).toBeNull();
    scheduler.drain();
    expect([follower.shown?.model === first, told]).toEqual([true, 1]);

    const second = grown();
    const third = grown();
    follower.want(second, 0);
    const waits = scheduler.delays.length;
    follower.want(third, 0); // while the second waits: only what comes next changes
    expect(scheduler.delays.length).toBe(waits);
    scheduler.drain();
    expect(follower.shown?.model).toBe(third);
    expect(figures(follower.shown)).toEqual(figures(analyzeSession(third)));
    expect(told).toBe(2); // the second was never analyzed, so never shown
    expect(scheduler.delays[waits - 1]).toBeGreaterThan(0);
  });

  test("another session shows no statistics until its own are done", async () => {
    const { trace, grown } = await models();
    const scheduler = new ManualScheduler();
    const follower = new StatsFollower(() => {}, scheduler);
    follower.want(grown(), 0, true);
    scheduler.drain();
    const other = buildTimelineModel({ ...trace, metadata: { ...trace.metadata, timeOrigin: trace.metadata.timeOrigin + 1 } });
    follower.want(other, 0);
    expect(follower.shown).toBeNull();
    scheduler.drain();
    expect(follower.shown?.model).toBe(other);
  });

  test("a model analyzed before is shown at once, and a disposed follower tells nothing more", async () => {
    const { grown } = await models();
    const scheduler = new ManualScheduler();
    const model = grown();
    const before = new StatsFollower(() => {}, scheduler);
    before.want(model, 0, true);
    scheduler.drain();
    let told = 0;
    const again = new StatsFollower(() => told++, scheduler);
    const asked = scheduler.delays.length;
    again.want(model, 0, true);
    expect(again.shown?.model).toBe(model);
    expect(scheduler.delays.length).toBe(asked); // no analysis, no slice
    again.want(grown(), 0);
    again.dispose();
    scheduler.drain();
    expect([again.shown?.model, told]).toEqual([model, 0]);
  });
});
