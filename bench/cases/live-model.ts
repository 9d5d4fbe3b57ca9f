/**
 * The timeline's models of a growing session (issue 13), in node: the live bench's program
 * (bench/browser/panel-live.ts: LIVE_TASKS tasks, default 100 000, in waves of 500, each task
 * sleeping twice) recorded by the real recorder, its batches then fed to a SessionBuilder as
 * the panel gets them, a snapshot and a model after each batch, each model built from the one
 * before (what the panel's model job does, without its slices and rests). Compared with
 * building the last snapshot's model from nothing: what a build of a grown session costs
 * should follow what was added, not the session's size. Three rounds; medians.
 */
import { median, type BenchFigure } from "../harness.ts";
import { addInstrument, createTask, gather, removeInstrument, run, sleep, type Task } from "../../src/runtime/index.ts";
import { Recorder } from "../../src/trace/index.ts";
import { SessionBuilder } from "../../src/trace/session.ts";
import type { TraceBatch } from "../../src/trace/encoding.ts";
import { buildTimelineModel, type TimelineModel } from "../../src/devtools/timeline/model.ts";

const TASKS = Number(process.env.LIVE_TASKS ?? 100_000);
const WAVE = 500;
const ROUNDS = 3;

/** The live bench's program, recorded; a batch taken every 20 ms, as a page agent ships them. */
async function recordedGrowth(): Promise<TraceBatch[]> {
  const recorder = new Recorder({ capacity: 1 << 22 });
  const batches: TraceBatch[] = [];
  const take = (): void => {
    const batch = recorder.takeBatch();
    if (batch.count > 0) batches.push(batch);
  };
  addInstrument(recorder);
  const timer = setInterval(take, 20);
  try {
    await run(function* main() {
      const waves: Task<unknown>[] = [];
      for (let k = 0; k < TASKS; k += WAVE) {
        const group: Task<void>[] = [];
        for (let j = 0; j < WAVE - 1 && k + j < TASKS; j++) {
          group.push(createTask(function* item() {
            yield* sleep(5 + (j % 7));
            yield* sleep(3);
          }, { name: `item ${j % 50}` }));
        }
        waves.push(createTask(function* wave() {
          yield* gather(group);
        }, { name: `wave ${k / WAVE}` }));
        yield* sleep(8);
      }
      yield* gather(waves);
    }, { name: "main" });
  } finally {
    clearInterval(timer);
    take();
    removeInstrument(recorder);
  }
  if (recorder.droppedEvents !== 0) throw new Error(`bench: the recorder dropped ${recorder.droppedEvents} events (raise its capacity)`);
  return batches;
}

export async function liveModelFigures(): Promise<BenchFigure[]> {
  const batches = await recordedGrowth();
  const all: number[] = [];
  const last: number[] = [];
  const fresh: number[] = [];
  let tasks = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const builder = new SessionBuilder();
    let model: TimelineModel | null = null;
    let total = 0;
    let latest = 0;
    for (const batch of batches) {
      const appended = builder.append(batch);
      if (!appended.ok) throw new Error(`bench: a batch was refused: ${appended.error.message}`);
      const trace = builder.trace();
      const started = performance.now();
      model = buildTimelineModel(trace, model);
      latest = performance.now() - started;
      total += latest;
    }
    const started = performance.now();
    buildTimelineModel(model!.trace);
    fresh.push(performance.now() - started);
    all.push(total);
    last.push(latest);
    tasks = model!.taskCount;
  }
  const runs = (values: readonly number[]): string => `runs: ${values.map((v) => v.toFixed(1)).join(", ")}`;
  return [
    {
      name: "models built while the session grows, each from the one before: in all", value: median(all), unit: "ms",
      note: `${batches.length} batches, a model after each; ${tasks.toLocaleString("en-US")} tasks at the end; ${runs(all)}`,
    },
    { name: "  the last one, from the one before", value: median(last), unit: "ms", note: runs(last) },
    { name: "  the last snapshot's model built from nothing", value: median(fresh), unit: "ms", note: runs(fresh) },
  ];
}
