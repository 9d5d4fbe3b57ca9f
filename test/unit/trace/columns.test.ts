/**
 * The import worker's columns (src/trace/columns.ts) give back the very trace
 * they were made from — every record, every null, members in the same order, so the exported
 * file is byte for byte the same — and move their buffers instead of copying them.
 */
import { describe, expect, test } from "vitest";
import { fromColumns, partsOf, toColumns, transferOfPart } from "../../../src/trace/columns.ts";
import { exportAioscope, type Trace } from "../../../src/trace/index.ts";
import { syntheticSession } from "../../../bench/browser/panel-session.ts";
import { PROGRAMS } from "../trace/programs.ts";

function expectSameTrace(trace: Trace): void {
  const columns = toColumns(trace);
  const transfer = partsOf(columns).flatMap(transferOfPart);
  // What structured clone does to the messages: the columns survive it, and only the small collections are objects.
  const copy = structuredClone(columns, { transfer });
  expect(transfer.every((buffer) => buffer.byteLength === 0)).toBe(true);
  const back = fromColumns(copy);
  expect(back).toEqual(trace);
  expect(exportAioscope(back)).toBe(exportAioscope(trace));
}

describe("a trace as columns", () => {
  for (const [name, program] of PROGRAMS) {
    test(`the ${name} trace comes back whole`, async () => {
      expectSameTrace(await program());
    });
  }

  test("a synthetic session with errors, pending and cancelled tasks, locks and queues comes back whole", () => {
    const trace = syntheticSession({ tasks: 2000, records: 20_000, lengthMs: 2000 });
    expect(trace.tasks.some((t) => t.error !== null)).toBe(true);
    expect(trace.tasks.some((t) => t.outcome === "cancelled")).toBe(true);
    expect(trace.resourceOps.length).toBeGreaterThan(0);
    expectSameTrace(trace);
  });

  test("pending tasks with wake-ups, no site, or a site without a function, and operations without a value, come back whole", async () => {
    const base = await PROGRAMS[0]![1]();
    expect(base.tasks.length).toBeGreaterThan(2);
    // The columns carry records as they are; the importer has checked them before.
    const tasks = base.tasks.map((task, k) => (k === 0 ? { ...task, site: null } : k === 1 ? { ...task, site: { file: "a.js", line: 1, column: 2, function: null } } : task));
    tasks[2] = { ...tasks[2]!, end: null, outcome: "pending", ready: { time: tasks[2]!.created, kind: "timer", waker: null } };
    expectSameTrace({ ...base, tasks, resourceOps: base.resourceOps.map((op) => ({ ...op, value: null, task: null })) });
  });
});
