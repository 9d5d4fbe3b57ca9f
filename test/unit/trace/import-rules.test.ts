/**
 * The importer refuses what the format forbids (docs/trace-format.md), each with the JSONPath
 * of the record that breaks the rule: parent cycles, ids out of their source's range, times
 * that are not times. And whatever it does accept, the exporters write back as a file the
 * format's own schema accepts: a mutant of a real trace either is refused, or survives.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, test } from "vitest";
import { exportAioscope, exportChrome, importTrace, type Trace } from "../../../src/trace/index.ts";
import { MAX_TRACE_TIME_MS } from "../../../src/trace/validate.ts";
import { PROGRAMS, crawler, taskCycle, withNativeOps } from "./programs.ts";
import { normalized } from "./helpers.ts";

type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const schema = JSON.parse(readFileSync(new URL("../../../docs/trace-format.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const failure = (path: string, message: string): unknown => ({ ok: false, error: { path, message } });

function edited(trace: Trace, edit: (file: Json) => void): unknown {
  const file = JSON.parse(exportAioscope(trace)) as Json;
  edit(file);
  return importTrace(JSON.stringify(file));
}

let crawlerTrace: Trace;
let stuckTrace: Trace;
let nativeTrace: Trace;
beforeAll(async () => {
  crawlerTrace = normalized(await crawler());
  stuckTrace = normalized(await taskCycle());
  nativeTrace = normalized(await withNativeOps());
});

describe("the importer refuses what the format forbids", () => {
  test("a cycle in the tasks' parents, naming the tasks on it", () => {
    const child = crawlerTrace.tasks.findIndex((task) => task.parent !== null);
    const parent = crawlerTrace.tasks.findIndex((task) => task.id === crawlerTrace.tasks[child]!.parent);
    const [c, p] = [crawlerTrace.tasks[child]!.id, crawlerTrace.tasks[parent]!.id];
    expect(edited(crawlerTrace, (f) => { f.tasks[parent].parent = c; })).toEqual(
      failure(`$.tasks[${parent}].parent`, `the tasks' parents form a cycle: task ${p} → task ${c} → task ${p}`),
    );
  });

  test("a longer cycle of three tasks", () => {
    expect(crawlerTrace.tasks.length).toBeGreaterThanOrEqual(3);
    const [a, b, c] = crawlerTrace.tasks.slice(0, 3).map((task) => task.id);
    const result = edited(crawlerTrace, (f) => {
      f.tasks[0].parent = c;
      f.tasks[1].parent = a;
      f.tasks[2].parent = b;
    });
    expect(result).toEqual(failure("$.tasks[0].parent", `the tasks' parents form a cycle: task ${a} → task ${c} → task ${b} → task ${a}`));
  });

  test("a cycle in the native operations' parents", () => {
    const [a, b] = nativeTrace.nativeOps.map((op) => op.id);
    const result = edited(nativeTrace, (f) => {
      f.nativeOps[0].parent = b;
      f.nativeOps[1].parent = a;
    });
    expect(result).toEqual(failure("$.nativeOps[0].parent", `the native operations' parents form a cycle: native operation ${a} → native operation ${b} → native operation ${a}`));
  });

  test("a waker of 0, which is no task id", () => {
    const k = stuckTrace.tasks.findIndex((task) => task.outcome === "pending");
    expect(k).toBeGreaterThanOrEqual(0);
    const created = stuckTrace.tasks[k]!.created;
    expect(edited(stuckTrace, (f) => { f.tasks[k].ready = { time: created, kind: "task", waker: 0 }; })).toEqual(
      failure(`$.tasks[${k}].ready.waker`, "expected a task id (an integer ≥ 1) or null, got number 0"),
    );
  });

  test("ids outside their source's range", () => {
    const id = 2 ** 32;
    expect(edited(crawlerTrace, (f) => { f.tasks[0].id = id; })).toEqual(
      failure("$.tasks[0].id", `task id ${id} is out of range: its source's own id (${id} mod 2^32) must be ≥ 1`),
    );
    expect(edited(crawlerTrace, (f) => { f.resources[0].id = 7 * id + 1; })).toEqual(
      failure("$.resources[0].id", `resource id ${7 * id + 1} is out of range: it belongs to source 7, and there are 1`),
    );
    expect(edited(nativeTrace, (f) => { f.nativeOps[0].id = 3 * id + 5; })).toEqual(
      failure("$.nativeOps[0].id", `native operation id ${3 * id + 5} is out of range: it belongs to source 3, and there are 1`),
    );
  });

  test("absurd times: beyond 10⁹ ms, and so large they would overflow to Infinity", () => {
    expect(edited(crawlerTrace, (f) => { f.end = 1e306; })).toEqual(
      failure("$.end", `expected a time of at most ${MAX_TRACE_TIME_MS} ms (11.6 days) from the trace's origin, got 1e+306`),
    );
    expect(edited(crawlerTrace, (f) => { f.timeouts[0].deadline = 2e9; })).toEqual(
      failure("$.timeouts[0].deadline", `expected a time of at most ${MAX_TRACE_TIME_MS} ms (11.6 days) from the trace's origin, got 2000000000`),
    );
    expect(edited(crawlerTrace, (f) => { f.metadata.timeOrigin = 1e300; })).toEqual(
      failure("$.metadata.timeOrigin", "expected an epoch time in ms (at most 8640000000000000), got 1e+300"),
    );
  });

  test("a task's await that begins before its previous one ended, or while it is still open", () => {
    const awaits = crawlerTrace.awaits;
    // Two awaits of one task, the later of which lasts a while.
    const later = awaits.findIndex((a, k) => a.end !== null && a.end > a.start && awaits.slice(0, k).some((b) => b.task === a.task));
    expect(later).toBeGreaterThan(0);
    const earlier = awaits.findLastIndex((a, k) => k < later && a.task === awaits[later]!.task);
    const { task, end } = awaits[later]!;
    expect(edited(crawlerTrace, (f) => { f.awaits[earlier].end = end; })).toEqual(
      failure(`$.awaits[${later}].start`, `overlaps task ${task}'s previous await, which ended at ${end}`),
    );
    // Still open: only a pending task may leave an await open, so the task is made pending.
    const owner = crawlerTrace.tasks.findIndex((t) => t.id === task);
    expect(edited(crawlerTrace, (f) => {
      Object.assign(f.tasks[owner], { end: null, outcome: "pending", error: null, errorRetrieved: null });
      Object.assign(f.awaits[earlier], { end: null, outcome: null });
    })).toEqual(failure(`$.awaits[${later}].start`, `task ${task} begins an await while its previous one is still open`));
  });

  test("the same rules hold for a Chrome export, pointing at the event", () => {
    const chrome = JSON.parse(exportChrome(crawlerTrace)) as Json;
    const k = (chrome.traceEvents as Json[]).findIndex((event) => event.ph === "X");
    chrome.traceEvents[k].ts = 1e306;
    expect(importTrace(JSON.stringify(chrome))).toEqual(
      failure(`$.traceEvents[${k}]`, `steps[0].start: expected a time of at most ${MAX_TRACE_TIME_MS} ms (11.6 days) from the trace's origin, got 1e+303`),
    );
  });
});

/** Every leaf of `value`, as a path of keys, keeping only the first `perArray` items of each array. */
function leaves(value: unknown, perArray: number, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.slice(0, perArray).flatMap((item, i) => leaves(item, perArray, [...path, i]));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, item]) => leaves(item, perArray, [...path, key]));
  return [path];
}

function setAt(root: Json, path: readonly (string | number)[], value: unknown): void {
  let node: any = root; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = value;
}

/** Values that break one rule or another: wrong signs, ids of nothing, huge and fractional numbers. */
const MUTANT_VALUES: unknown[] = [0, -1, 1, 0.5, 2 ** 32, 2 ** 53, 1e9 + 1, 1e306, null, "", "x\n\u001b[2J"];

describe("what the importer accepts, the exporters write as schema-valid files", () => {
  for (const [name, program] of PROGRAMS) {
    // Thousands of imports: a generous timeout for a busy machine (it is not a timing check).
    test(`mutants of the ${name} trace are refused or survive a round trip`, { timeout: 120_000 }, async () => {
      const trace = normalized(await program());
      const original = JSON.parse(exportAioscope(trace)) as Json;
      let accepted = 0;
      for (const path of leaves(original, 3)) {
        for (const value of MUTANT_VALUES) {
          const mutant = structuredClone(original);
          setAt(mutant, path, value);
          const result = importTrace(JSON.stringify(mutant));
          if (!result.ok) {
            expect(result.error.path, `${path.join(".")} = ${String(value)}`).toMatch(/^\$/);
            continue;
          }
          accepted++;
          const written = exportAioscope(result.trace);
          const valid = validate(JSON.parse(written));
          expect(validate.errors ?? [], `${path.join(".")} = ${JSON.stringify(value)}`).toEqual([]);
          expect(valid).toBe(true);
          const again = importTrace(written);
          expect(again.ok && again.trace, `${path.join(".")} = ${JSON.stringify(value)}`).toEqual(result.trace);
          const chrome = importTrace(exportChrome(result.trace));
          expect(chrome.ok && chrome.trace, `${path.join(".")} = ${JSON.stringify(value)} via Chrome`).toEqual(result.trace);
        }
      }
      // Some mutants are harmless (a label, a time that stays in order): the test saw both kinds.
      expect(accepted).toBeGreaterThan(0);
    });
  }
});
