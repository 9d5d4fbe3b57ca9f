/**
 * The aioscope file written in pieces (what `aioscope record` streams to disk) is the very
 * same bytes as the file written at once, for traces with every kind of record and for
 * arrays longer than one piece.
 */
import { describe, expect, test } from "vitest";
import { createTask, gather, run, sleep } from "../../../src/runtime/index.ts";
import { aioscopeChunks, exportAioscope } from "../../../src/trace/export-aioscope.ts";
import { PROGRAMS } from "./programs.ts";
import { record } from "./helpers.ts";

describe("the aioscope file in pieces", () => {
  test.each(PROGRAMS)("%s: the pieces join into the same bytes", async (_name, program) => {
    const trace = await program();
    expect([...aioscopeChunks(trace)].join("")).toBe(exportAioscope(trace));
  });

  test("arrays longer than one piece are cut into several, and still join into the same bytes", async () => {
    const trace = await record(() => run(function* () {
      const tasks = [];
      for (let k = 0; k < 5000; k++) tasks.push(createTask(function* () { yield* sleep(0); }, { name: `t-${k}` }));
      yield* gather(tasks);
    }));
    const pieces = [...aioscopeChunks(trace)];
    expect(trace.tasks.length).toBeGreaterThan(5000);
    // Tasks, steps and awaits each span more than one piece.
    expect(pieces.length).toBeGreaterThan(10);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(exportAioscope(trace).length / 4);
    expect(pieces.join("")).toBe(exportAioscope(trace));
  });
});
