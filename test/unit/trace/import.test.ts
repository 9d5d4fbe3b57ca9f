/**
 * Bad input: each gets one precise error (where, and what was wrong), never a throw and
 * never part of a session.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { exportAioscope, exportChrome, importTrace, importTraceAsync, MAX_IMPORT_BYTES, type Trace } from "../../../src/trace/index.ts";
import { crawler, withNativeOps } from "./programs.ts";
import { normalized } from "./helpers.ts";

let trace: Trace;
let text: string;
beforeAll(async () => {
  trace = normalized(await crawler());
  text = exportAioscope(trace);
});

type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The exported file, changed by `edit`, imported again. */
function importEdited(edit: (file: Json) => void): unknown {
  const file = JSON.parse(text) as Json;
  edit(file);
  return importTrace(JSON.stringify(file));
}

const failure = (path: string, message: string): unknown => ({ ok: false, error: { path, message } });

describe("importing bad input", () => {
  test("truncated JSON is named as truncated, with where the text stops", () => {
    const cut = text.slice(0, 1000);
    const result = importTrace(cut) as { ok: false; error: { path: string; message: string } };
    expect(result.ok).toBe(false);
    expect(result.error.path).toBe("$");
    expect(result.error.message).toMatch(/^the file is truncated: it ends before the JSON does at line 1, column 100[01] \(/);
  });

  test("a file cut where JSON.parse names no position is placed at its end", () => {
    // V8 says only "Unexpected end of JSON input" when the text stops after a comma or a colon.
    const result = importTrace('{\n  "format": "aioscope",\n  "tasks": [1,') as { ok: false; error: { path: string; message: string } };
    expect(result.error).toEqual({ path: "$", message: "the file is truncated: it ends before the JSON does at line 3, column 15 (Unexpected end of JSON input)" });
  });

  test("a syntax error gives its line and column (and the engine's own words)", () => {
    const result = importTrace('{\n  "format": "aioscope-trace",\n  "version": 1,,\n}');
    expect(result).toEqual(failure("$", expect.stringMatching(/^the file is not valid JSON at line 3, column 16 \(.+\)$/) as unknown as string));
  });

  test("an empty file is refused as empty", () => {
    expect(importTrace("")).toEqual(failure("$", "the file is empty"));
  });

  test("a newer version is refused, naming both versions", () => {
    expect(importEdited((f) => { f.version = 2; })).toEqual(
      failure("$.version", "this is an aioscope trace of version 2, newer than this aioscope reads (version 1): update aioscope to open it"),
    );
  });

  test("another format is refused", () => {
    expect(importTrace('{"format":"pprof","version":1}')).toEqual(failure("$.format", 'not an aioscope trace: format is "pprof", expected "aioscope-trace"'));
    expect(importTrace('{"traceEvents":[]}')).toEqual(
      failure("$.otherData", "this Chrome trace was not written by aioscope (it has no otherData.aioscope): aioscope imports only traces it exported"),
    );
    expect(importTrace("[]")).toEqual(
      failure("$", "this is a Chrome trace in array form, not written by aioscope: aioscope imports its own files (aioscope JSON, or its Chrome export with otherData.aioscope)"),
    );
    expect(importTrace("42")).toEqual(failure("$", "expected a JSON object (an aioscope trace), got number"));
  });

  test("a missing field is named with its path", () => {
    expect(importEdited((f) => { delete f.tasks[2].name; })).toEqual(failure("$.tasks[2].name", "expected a string, got nothing (the field is missing)"));
    expect(importEdited((f) => { delete f.awaits; })).toEqual(failure("$.awaits", "expected an array, got nothing (the field is missing)"));
  });

  test("a wrong type is named with what was found", () => {
    expect(importEdited((f) => { f.steps[3].start = "12"; })).toEqual(failure("$.steps[3].start", 'expected a time (finite number of ms), got the string "12"'));
    expect(importEdited((f) => { f.tasks[0].kind = "thread"; })).toEqual(failure("$.tasks[0].kind", 'expected one of "coroutine", "async", "native", got the string "thread"'));
    expect(importEdited((f) => { f.metadata.timeOrigin = null; })).toEqual(failure("$.metadata.timeOrigin", "expected a finite number, got null"));
  });

  test("a negative time is refused", () => {
    expect(importEdited((f) => { f.awaits[1].start = -5; })).toEqual(failure("$.awaits[1].start", "expected a time ≥ 0, got -5"));
  });

  test("times that go back are refused, and so is an end before its start", () => {
    expect(importEdited((f) => { [f.steps[4], f.steps[5]] = [f.steps[5], f.steps[4]]; })).toEqual(
      failure("$.steps[5].start", `steps go back in time: ${trace.steps[4]!.start} comes after ${trace.steps[5]!.start} (records must be in non-decreasing time order)`),
    );
    const a = trace.awaits[0]!;
    expect(importEdited((f) => { f.awaits[0].end = a.start - 0.5; })).toEqual(failure("$.awaits[0].end", `ends (${a.start - 0.5}) before it starts (${a.start})`));
    expect(importEdited((f) => { f.tasks[1].end = 1e9; })).toEqual(failure("$.tasks[1].end", `1000000000 is after the end of the trace (${trace.end})`));
  });

  test("dangling ids are refused", () => {
    expect(importEdited((f) => { f.steps[0].task = 999; })).toEqual(failure("$.steps[0].task", "task 999 does not exist in tasks"));
    expect(importEdited((f) => { f.tasks[3].parent = 777; })).toEqual(failure("$.tasks[3].parent", "task 777 does not exist in tasks"));
    expect(importEdited((f) => { f.resourceOps[0].resource = 55; })).toEqual(failure("$.resourceOps[0].resource", "resource 55 does not exist in resources"));
  });

  test("bad data in a Chrome trace points at the event that holds it", () => {
    const chrome = JSON.parse(exportChrome(trace)) as Json;
    const k = (chrome.traceEvents as Json[]).findIndex((e) => e.ph === "X");
    chrome.traceEvents[k].args.task = 999;
    expect(importTrace(JSON.stringify(chrome))).toEqual(failure(`$.traceEvents[${k}]`, "steps[0].task: task 999 does not exist in tasks"));
    chrome.traceEvents[k].ts = -1;
    expect(importTrace(JSON.stringify(chrome))).toEqual(failure(`$.traceEvents[${k}].ts`, "expected a timestamp ≥ 0, got -1"));
    chrome.otherData.aioscope.version = 3;
    expect(importTrace(JSON.stringify(chrome))).toEqual(
      failure("$.otherData.aioscope.version", "this is an aioscope trace of version 3, newer than this aioscope reads (version 1): update aioscope to open it"),
    );
  });

  test("bytes that are not UTF-8 are refused", () => {
    expect(importTrace(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toEqual(failure("$", "the file is not UTF-8 text (JSON must be UTF-8)"));
  });

  test("a 2 GB file is refused by its size before anything is read", async () => {
    let read = false;
    const huge = { size: 2 * 1024 ** 3, text: async () => { read = true; return ""; } };
    expect(await importTraceAsync(huge)).toEqual(
      failure("$", "the file is too large to import: 2.0 GB (2147483648 bytes); aioscope imports files of up to 1.0 GB (1073741824 bytes)"),
    );
    expect(read).toBe(false);
    expect(MAX_IMPORT_BYTES).toBe(1073741824);
  });

  test("text or bytes above a smaller limit are refused by their size", () => {
    expect(importTrace(text, { maxBytes: 1000 })).toEqual(failure("$", `the file is too large to import: ${text.length} characters; aioscope imports files of up to 1000 bytes`));
    expect(importTrace(new TextEncoder().encode(text), { maxBytes: 2048 })).toEqual(
      failure("$", `the file is too large to import: ${(text.length / 1024).toFixed(1)} KB (${text.length} bytes); aioscope imports files of up to 2.0 KB (2048 bytes)`),
    );
  });
});

describe("native operations' causes", () => {
  let native: string;
  beforeAll(async () => {
    native = exportAioscope(normalized(await withNativeOps()));
  });
  const edited = (edit: (file: Json) => void): unknown => {
    const file = JSON.parse(native) as Json;
    edit(file);
    return importTrace(JSON.stringify(file));
  };
  const positionOf = (file: Json, label: string): number => (file.nativeOps as { label: string }[]).findIndex((op) => op.label === label);

  test("a cause survives both formats, and the chain it forms reads back to the click", () => {
    const direct = importTrace(native);
    const chrome = importTrace(exportChrome((direct as { trace: Trace }).trace));
    for (const result of [direct, chrome]) {
      const ops = (result as { ok: true; trace: Trace }).trace.nativeOps;
      const byId = new Map(ops.map((op) => [op.id, op]));
      const chain: string[] = [];
      for (let op = ops.find((o) => o.label === "GET /c"); op !== undefined; op = op.cause === null ? undefined : byId.get(op.cause)) chain.push(op.label);
      expect(chain).toEqual(["GET /c", "setTimeout(10)", "click on button#go"]);
    }
  });

  test("a file written before causes were recorded (no cause member) reads as no cause", () => {
    const result = edited((f) => { for (const op of f.nativeOps as Json[]) delete op.cause; });
    expect((result as { ok: true; trace: Trace }).trace.nativeOps.every((op) => op.cause === null)).toBe(true);
  });

  test("a cause that is missing, later, of another type or from another source is refused precisely", () => {
    let at = 0;
    expect(edited((f) => { at = positionOf(f, "GET /c"); f.nativeOps[at].cause = 4000; }))
      .toEqual(failure(`$.nativeOps[${at}].cause`, expect.stringMatching(/^a cause is an earlier operation: expected an id below \d+, got 4000$/) as unknown as string));
    expect(edited((f) => { at = positionOf(f, "setTimeout(10)"); f.nativeOps[at].cause = f.nativeOps[positionOf(f, "GET /c")].id; }))
      .toEqual(failure(`$.nativeOps[${at}].cause`, expect.stringMatching(/^a cause is an earlier operation/) as unknown as string));
    expect(edited((f) => { at = positionOf(f, "GET /c"); f.nativeOps[at].cause = "3"; }))
      .toEqual(failure(`$.nativeOps[${at}].cause`, 'expected an integer ≥ 1, got the string "3"'));
    expect(edited((f) => { at = positionOf(f, "GET /c"); f.nativeOps[at].cause = 2 ** 32 + 1; }))
      .toEqual(failure(`$.nativeOps[${at}].cause`, `native operation ${2 ** 32 + 1} belongs to source 1, not 0`));
    expect(edited((f) => {
      at = positionOf(f, "GET /c");
      f.nativeOps = (f.nativeOps as Json[]).filter((op) => op.label !== "click on button#go");
      at = positionOf(f, "setTimeout(10)");
    })).toEqual(failure(`$.nativeOps[${at}].cause`, expect.stringMatching(/^native operation \d+ does not exist in nativeOps$/) as unknown as string));
  });
});
