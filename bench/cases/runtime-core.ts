/**
 * Runtime core: the cost of a task and of a step, against the same work written with plain
 * Promises and async functions, with and without a recording instrument.
 */
import { run, sleep, gather, createTask, waitFor, TimeoutError, type Task } from "../../src/runtime/index.ts";
import { takeRecordedBatch, withRecording } from "../recording.ts";
import { measureAlternating, type BenchRow } from "../harness.ts";
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { createInterface } from "node:readline";
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
  process.stderr.write("starting CPython asyncio (python3)…\n");
  const cpython = await CpythonContender.start();
  try {
    for (const c of cases) {
      const { group, ops } = c;
      const [plain, runtime, recorded, python] = await measureAlternating([
        { body: c.plain },
        { body: c.runtime },
        { body: () => withRecording(c.runtime), between: takeRecordedBatch },
        ...(cpython !== null ? [{ timedBody: () => cpython.run(c.cpython) }] : []),
      ], ops, { runs: 15 });
      const cpythonRow = cpython !== null
        ? { variant: cpython.variant, nsPerOp: python! }
        : { variant: "CPython 3.11 asyncio", nsPerOp: CPYTHON_FROM_ISSUE[c.cpython], note: "issue 13's figures: python3 did not run here" };
      rows.push({ group, variant: "plain Promise / async fn", ops, nsPerOp: plain!, baseline: true });
      rows.push({ group, ops, ...cpythonRow });
      const runtimeBudget = c.runtimeBudget === "cpython" ? { budget: 1, against: cpythonRow.variant } : { budget: c.runtimeBudget };
      rows.push({ group, variant: "runtime", ops, nsPerOp: runtime!, ...runtimeBudget });
      rows.push({
        group, variant: "runtime + recording instrument", ops, nsPerOp: recorded!,
        ...(c.recorderBudget !== undefined ? { budget: c.recorderBudget, against: "runtime" } : {}),
      });
    }
  } finally {
    cpython?.close();
  }
  const memory = await finishedTaskMemory();
  console.log(`memory: a finished task retains ${memory.perTask.toFixed(0)} bytes; holding its generator too would make it ${memory.perTaskWithGenerator.toFixed(0)} bytes (${RETAINED_TASKS.toLocaleString("en-US")} tasks)`);
  return rows;
}

type CpythonCase = "spawn+gather" | "yield" | "cancel" | "waitFor";

/** The figures of issue 13 (CPython 3.11 on this machine), used when python3 is not installed. */
const CPYTHON_FROM_ISSUE: Record<CpythonCase, number> = { "spawn+gather": 20_701, yield: 4_550, cancel: 10_443, waitFor: 46_537 };

/**
 * The same programs on CPython's asyncio (bench/cpython/asyncio_cases.py), in one python3
 * process that runs a case each time it is asked: a contender in the alternation like the
 * others, so the "faster than CPython" ratios see the same machine load on both sides.
 */
class CpythonContender {
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;
  /** "CPython 3.11.7 asyncio", once the process has said which. */
  variant = "CPython asyncio";

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on("line", (line) => this.deliver(line));
    child.on("close", () => {
      this.closed = true;
      this.deliver(null);
    });
  }

  /** A running python3 with asyncio_cases.py, or null when there is none. */
  static async start(): Promise<CpythonContender | null> {
    const script = fileURLToPath(new URL("../cpython/asyncio_cases.py", import.meta.url));
    const child = spawn("python3", [script], { stdio: ["pipe", "pipe", "inherit"] });
    const spawned = await new Promise<boolean>((resolve) => {
      child.once("spawn", () => resolve(true));
      child.once("error", () => resolve(false));
    });
    if (!spawned) return null;
    const contender = new CpythonContender(child);
    const hello = await contender.nextLine();
    if (hello === null) return null;
    contender.variant = `CPython ${(JSON.parse(hello) as { python: string }).python} asyncio`;
    return contender;
  }

  /** Runs `name` once in python3: the ns per operation it measured. */
  async run(name: CpythonCase): Promise<number> {
    this.child.stdin.write(`${name}\n`);
    const line = await this.nextLine();
    const ns = line === null ? NaN : Number(line);
    if (!Number.isFinite(ns)) throw new Error(`CPython's ${name} case did not answer with a time (${line ?? "python3 exited"})`);
    return ns;
  }

  close(): void {
    this.child.stdin.end();
  }

  private deliver(line: string | null): void {
    if (this.waiting !== null) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting(line);
    } else if (line !== null) {
      this.lines.push(line);
    }
  }

  private nextLine(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }
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
