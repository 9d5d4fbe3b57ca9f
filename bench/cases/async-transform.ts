/**
 * The build transform's cost: a call of an async function as the app wrote it, against the
 * same function instrumented by the transform — while nothing records (the extension absent
 * or idle: one check per call) and while a recorder records every call and await.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { addInstrument, removeInstrument } from "../../src/runtime/index.ts";
import { Recorder } from "../../src/trace/index.ts";
import { transformAsyncFunctions } from "../../src/transform/transform.ts";
import type { BenchRow } from "../harness.ts";

const CALLS = 100_000;

/** The workload, as an app would write it: an async function awaited in a loop. */
const SOURCE = `
export async function leaf(x) {
  await null;
  return x + 1;
}
export async function noAwait(x) {
  return x + 1;
}
export async function callLeaves(n) {
  let sum = 0;
  for (let k = 0; k < n; k++) sum += await leaf(k);
  return sum;
}
export async function callNoAwait(n) {
  let sum = 0;
  for (let k = 0; k < n; k++) sum += await noAwait(k);
  return sum;
}
`;

interface Workload {
  callLeaves(n: number): Promise<number>;
  callNoAwait(n: number): Promise<number>;
}

async function load(): Promise<{ plain: Workload; instrumented: Workload }> {
  const dir = mkdtempSync(join(tmpdir(), "aioscope-bench-transform-"));
  const prelude = fileURLToPath(new URL("../../src/transform/prelude.ts", import.meta.url));
  const transformed = transformAsyncFunctions(SOURCE, { id: "workload.js", preludeImport: pathToFileURL(prelude).href });
  if (transformed === null) throw new Error("the workload has async functions: the transform must change it");
  writeFileSync(join(dir, "plain.mjs"), SOURCE);
  writeFileSync(join(dir, "instrumented.mjs"), transformed.code);
  try {
    return {
      plain: (await import(pathToFileURL(join(dir, "plain.mjs")).href)) as Workload,
      instrumented: (await import(pathToFileURL(join(dir, "instrumented.mjs")).href)) as Workload,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true }); // loaded modules no longer need their files
  }
}

async function recording(body: () => Promise<unknown>): Promise<void> {
  // A recorder as the extension runs it; its buffer is emptied after each run, as the page agent does.
  const recorder = new Recorder({ capacity: 1 << 22 });
  addInstrument(recorder);
  try {
    await body();
  } finally {
    removeInstrument(recorder);
    recorder.takeBatch();
  }
}

/**
 * Median ns per operation of each body, their runs interleaved (a, b, c, a, b, c…) so that a
 * busy machine slows every variant alike rather than whichever ran during the busy moment.
 */
async function measureInterleaved(bodies: readonly (() => Promise<unknown>)[], ops: number, runs = 15, warmups = 5): Promise<number[]> {
  for (let k = 0; k < warmups; k++) for (const body of bodies) await body();
  const samples: number[][] = bodies.map(() => []);
  for (let k = 0; k < runs; k++) {
    for (let b = 0; b < bodies.length; b++) {
      const start = process.hrtime.bigint();
      await bodies[b]!();
      samples[b]!.push(Number(process.hrtime.bigint() - start) / ops);
    }
  }
  return samples.map((list) => list.sort((x, y) => x - y)[list.length >> 1]!);
}

export async function asyncTransformCases(): Promise<BenchRow[]> {
  const { plain, instrumented } = await load();
  const rows: BenchRow[] = [];
  const cases: [string, (w: Workload) => Promise<number>][] = [
    [`${CALLS.toLocaleString("en-US")} calls of an async function awaiting once`, (w) => w.callLeaves(CALLS)],
    [`${CALLS.toLocaleString("en-US")} calls of an async function that never awaits`, (w) => w.callNoAwait(CALLS)],
  ];
  for (const [group, body] of cases) {
    if ((await body(plain)) !== (await body(instrumented))) throw new Error(`${group}: the instrumented workload computes something else`);
    // Recording allocates (events, chunks) and leaves the collector work that would land on
    // whichever run follows it: it is measured on its own, after the two it is compared with.
    const [asWritten, idle] = await measureInterleaved([() => body(plain), () => body(instrumented)], CALLS);
    const [recorded] = await measureInterleaved([() => recording(() => body(instrumented))], CALLS);
    rows.push({ group, variant: "as written", ops: CALLS, nsPerOp: asWritten!, baseline: true });
    rows.push({ group, variant: "instrumented, not recording", ops: CALLS, nsPerOp: idle!, budget: 1.5 });
    rows.push({ group, variant: "instrumented, recording", ops: CALLS, nsPerOp: recorded! });
  }
  return rows;
}
