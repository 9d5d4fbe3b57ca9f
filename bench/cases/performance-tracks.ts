/**
 * The cost of "Show in Performance panel" (issue 11): the page-side instrument that emits each
 * task's lifetime and awaits as Performance-panel track entries, beside the recorder, against
 * the recorder alone, on the same runtime program in one run. Budget: ≤ 1.5× the recorder
 * alone. (In Node the console's `timeStamp` is called but records nothing, as in a page while
 * no Performance recording runs.)
 */
import { addInstrument, removeInstrument, type Instrument } from "../../src/runtime/index.ts";
import { Recorder } from "../../src/trace/index.ts";
import { PerformanceTracks } from "../../src/content/performance-tracks.ts";
import type { BenchRow } from "../harness.ts";
import { workerProgram } from "./trace.ts";

const WORKERS = 300;
const ROUNDS = 100;

const program = (): Promise<void> => workerProgram(WORKERS, ROUNDS);

async function withInstruments(make: () => Instrument[]): Promise<void> {
  const instruments = make();
  for (const instrument of instruments) addInstrument(instrument);
  try {
    await program();
  } finally {
    for (const instrument of instruments) removeInstrument(instrument);
  }
}

/** Per-event median of each body, run alternately (A, B, A, B…) so a busy machine slows both alike. */
async function alternately(bodies: readonly (() => Promise<void>)[], events: number, runs = 9, warmups = 2): Promise<number[]> {
  for (let k = 0; k < warmups; k++) for (const body of bodies) await body();
  const samples = bodies.map((): number[] => []);
  for (let k = 0; k < runs; k++) {
    for (const [i, body] of bodies.entries()) {
      (globalThis as { gc?: () => void }).gc?.();
      const start = process.hrtime.bigint();
      await body();
      samples[i]!.push(Number(process.hrtime.bigint() - start) / events);
    }
  }
  return samples.map((list) => [...list].sort((a, b) => a - b)[list.length >> 1]!);
}

export async function performanceTracksCases(): Promise<BenchRow[]> {
  const probe = new Recorder({ capacity: 4_000_000 });
  await withInstruments(() => [probe]);
  const events = probe.stats().recorded;
  const group = `record a ${WORKERS}-worker program with Show in Performance panel (per event)`;
  const [recorder, tracks] = await alternately([
    () => withInstruments(() => [new Recorder({ capacity: 4_000_000 })]),
    () => withInstruments(() => [new Recorder({ capacity: 4_000_000 }), new PerformanceTracks()]),
  ], events);
  return [
    { group, variant: "runtime + recorder", ops: events, nsPerOp: recorder!, baseline: true },
    { group, variant: "runtime + recorder + Performance-panel tracks", ops: events, nsPerOp: tracks!, budget: 1.5 },
  ];
}
