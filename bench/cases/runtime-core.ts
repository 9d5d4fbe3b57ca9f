/**
 * Runtime core: the cost of a task and of a step, against the same work written with plain
 * Promises and async functions, with and without a recording instrument.
 */
import { run, sleep, gather, createTask, waitFor, TimeoutError, type Task } from "../../src/runtime/index.ts";
import { takeRecordedBatch, withRecording } from "../recording.ts";
import { measureAlternating, type BenchRow } from "../harness.ts";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const SPAWN_TASKS = 100_000;
const YIELDS = 200_000;
const CANCELLED_TASKS = 20_000;
const TIMED_OUT_CALLS = 20_000;

async function spawnGather(): Promise<void> {
  await run(function* () {
    const children: Generator<unknown, void, unknown>[] = [];
    for (let k = 0; k < SPAWN_TASKS; k++) children.push(sleepOnce());
    yield* gather(children);
  });
}

function* sleepOnce(): Generator<unknown, void, unknown> {
  yield* sleep(0);
}

async function plainSpawnGather(): Promise<void> {
  const children: Promise<void>[] = [];
  for (let k = 0; k < SPAWN_TASKS; k++) children.push((async () => { await null; })());
  await Promise.all(children);
}

async function yieldLoop(): Promise<void> {
  await run(function* () {
    for (let k = 0; k < YIELDS; k++) yield* sleep(0);
  });
}

async function plainYieldLoop(): Promise<void> {
  for (let k = 0; k < YIELDS; k++) await null;
}

async function cancelGather(): Promise<void> {
  await run(function* () {
    const tasks: Task<void>[] = [];
    for (let k = 0; k < CANCELLED_TASKS; k++) tasks.push(createTask(sleep(60_000)));
    yield* sleep(0);
    for (const t of tasks) t.cancel();
    yield* gather(tasks, { returnExceptions: true });
  });
}

async function plainCancelGather(): Promise<void> {
  const controllers: AbortController[] = [];
  const sleepers: Promise<void>[] = [];
  for (let k = 0; k < CANCELLED_TASKS; k++) {
    const controller = new AbortController();
    controllers.push(controller);
    sleepers.push(new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 60_000);
      controller.signal.addEventListener("abort", () => { clearTimeout(timer); reject(controller.signal.reason); }, { once: true });
    }));
  }
  await null;
  for (const c of controllers) c.abort();
  await Promise.allSettled(sleepers);
}

/** Tasks each waiting on a long sleep with a 1 ms timeout: every waitFor times out. */
async function waitForTimeouts(): Promise<void> {
  await run(function* () {
    const tasks: Task<void>[] = [];
    for (let k = 0; k < TIMED_OUT_CALLS; k++) tasks.push(createTask(timesOut));
    yield* gather(tasks);
  });
}

function* timesOut(): Generator<unknown, void, unknown> {
  try {
    yield* waitFor(sleep(60_000), 1);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
  }
}

/** The same with promises: race a long sleep against a 1 ms timer, then clear the loser. */
async function plainWaitForTimeouts(): Promise<void> {
  const calls: Promise<void>[] = [];
  for (let k = 0; k < TIMED_OUT_CALLS; k++) calls.push(plainTimesOut());
  await Promise.all(calls);
}

async function plainTimesOut(): Promise<void> {
  let sleeper: ReturnType<typeof setTimeout> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const sleeping = new Promise<string>((resolve) => { sleeper = setTimeout(resolve, 60_000, "slept"); });
  const timedOut = new Promise<string>((resolve) => { deadline = setTimeout(resolve, 1, "timeout"); });
  try {
    if (await Promise.race([sleeping, timedOut]) !== "timeout") throw new Error("the sleep should have timed out");
  } finally {
    clearTimeout(sleeper);
    clearTimeout(deadline);
  }
}

interface CoreCase {
  readonly group: string;
  readonly ops: number;
  readonly runtime: () => Promise<void>;
  readonly plain: () => Promise<void>;
  /** The case's name in bench/cpython/asyncio_cases.py. */
  readonly cpython: CpythonCase;
  /** The runtime's budget: a ratio to the plain baseline, or "faster than CPython". */
  readonly runtimeBudget: number | "cpython";
  /** The recorder's budget, a ratio to the unrecorded runtime. */
  readonly recorderBudget?: number;
}

export async function runtimeCoreCases(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const n = (k: number): string => k.toLocaleString("en-US");
  const cases: CoreCase[] = [
    { group: `spawn+gather ${n(SPAWN_TASKS)} tasks (sleep(0) once)`, ops: SPAWN_TASKS, runtime: spawnGather, plain: plainSpawnGather, cpython: "spawn+gather", runtimeBudget: 1.5, recorderBudget: 1.3 },
    { group: `one task yielding ${n(YIELDS)} times`, ops: YIELDS, runtime: yieldLoop, plain: plainYieldLoop, cpython: "yield", runtimeBudget: 2, recorderBudget: 2 },
    { group: `${n(CANCELLED_TASKS)} sleeping tasks cancelled + gathered`, ops: CANCELLED_TASKS, runtime: cancelGather, plain: plainCancelGather, cpython: "cancel", runtimeBudget: "cpython" },
    { group: `${n(TIMED_OUT_CALLS)} concurrent waitFor(sleep(60 s), 1 ms) timing out`, ops: TIMED_OUT_CALLS, runtime: waitForTimeouts, plain: plainWaitForTimeouts, cpython: "waitFor", runtimeBudget: "cpython" },
  ];
  const cpython = measureCpython(cases.map((c) => c.cpython));
  for (const c of cases) {
    const { group, ops } = c;
    const [plain, runtime, recorded] = await measureAlternating([
      { body: c.plain },
      { body: c.runtime },
      { body: () => withRecording(c.runtime), between: takeRecordedBatch },
    ], ops);
    rows.push({ group, variant: "plain Promise / async fn", ops, nsPerOp: plain!, baseline: true });
    rows.push({ group, variant: cpython.variant, ops, nsPerOp: cpython.nsPerOp[c.cpython], ...(cpython.note !== undefined ? { note: cpython.note } : {}) });
    const runtimeBudget = c.runtimeBudget === "cpython" ? { budget: 1, against: cpython.variant } : { budget: c.runtimeBudget };
    rows.push({ group, variant: "runtime", ops, nsPerOp: runtime!, ...runtimeBudget });
    rows.push({
      group, variant: "runtime + recording instrument", ops, nsPerOp: recorded!,
      ...(c.recorderBudget !== undefined ? { budget: c.recorderBudget, against: "runtime" } : {}),
    });
  }
  const memory = await finishedTaskMemory();
  console.log(`memory: a finished task retains ${memory.perTask.toFixed(0)} bytes; holding its generator too would make it ${memory.perTaskWithGenerator.toFixed(0)} bytes (${RETAINED_TASKS.toLocaleString("en-US")} tasks)`);
  return rows;
}

type CpythonCase = "spawn+gather" | "yield" | "cancel" | "waitFor";

/** The figures of issue 13 (CPython 3.11 on this machine), used when python3 is not installed. */
const CPYTHON_FROM_ISSUE: Record<CpythonCase, number> = { "spawn+gather": 20_701, yield: 4_550, cancel: 10_443, waitFor: 46_537 };

/**
 * The same programs on CPython's asyncio (bench/cpython/asyncio_cases.py), measured in this
 * run when python3 is there, so the comparison sees the same machine load.
 */
function measureCpython(names: readonly CpythonCase[]): { variant: string; nsPerOp: Record<CpythonCase, number>; note?: string } {
  const script = fileURLToPath(new URL("../cpython/asyncio_cases.py", import.meta.url));
  process.stderr.write("measuring CPython asyncio (python3)…\n");
  const child = spawnSync("python3", [script, ...names], { encoding: "utf8", timeout: 600_000 });
  if (child.status === 0) {
    try {
      const parsed = JSON.parse(child.stdout) as Record<CpythonCase, number> & { python: string };
      if (names.every((name) => typeof parsed[name] === "number")) return { variant: `CPython ${parsed.python} asyncio`, nsPerOp: parsed };
    } catch {
      // fall through to the issue's figures
    }
  }
  return { variant: "CPython 3.11 asyncio", nsPerOp: CPYTHON_FROM_ISSUE, note: "issue 13's figures: python3 did not run here" };
}

const RETAINED_TASKS = 1_000_000;

declare const gc: (() => void) | undefined;

function heapAfterGc(): number {
  if (typeof gc !== "function") throw new Error("run the benchmarks with node --expose-gc (npm run bench does)");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Bytes of heap per finished task that is still referenced — with the task alone, and with
 * its generator also held, which is what a task that kept its coroutine would cost.
 */
export async function finishedTaskMemory(): Promise<{ perTask: number; perTaskWithGenerator: number }> {
  const measureRetained = async (keepGenerators: boolean): Promise<number> => {
    const tasks: Task<number>[] = [];
    const generators: Generator[] = [];
    const before = heapAfterGc();
    await run(function* () {
      for (let k = 0; k < RETAINED_TASKS; k++) {
        const coroutine = finishAt(k);
        if (keepGenerators) generators.push(coroutine);
        tasks.push(createTask(coroutine));
        if (k % 10_000 === 9_999) yield* sleep(0);
      }
      yield* gather(tasks.slice(-10_000));
    });
    const after = heapAfterGc();
    if (tasks.some((t) => !t.done() || t.getCoro() !== null)) throw new Error("a finished task still holds its coroutine");
    return (after - before) / RETAINED_TASKS;
  };
  return { perTask: await measureRetained(false), perTaskWithGenerator: await measureRetained(true) };
}

function* finishAt(k: number): Generator<unknown, number, unknown> {
  const scratch = new Array<number>(8).fill(k); // locals a suspended coroutine would pin
  yield* sleep(0);
  return scratch.length;
}
