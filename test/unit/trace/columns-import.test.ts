/**
 * The import worker's path, a file's bytes read straight into columns (importColumnsAsync),
 * accepts and refuses exactly what the importer does (importTrace), with the same errors:
 * for the recorded programs' traces, for mutants of them that break one rule or another, and
 * with arrays cut into batches of any size.
 */
import { describe, expect, test } from "vitest";
import { fromColumns, TraceRebuilder, type ColumnsPart } from "../../../src/trace/columns.ts";
import { exportAioscope, exportChrome, importTrace, type Trace } from "../../../src/trace/index.ts";
import { importColumnsAsync } from "../../../src/trace/import.ts";
import { PROGRAMS } from "./programs.ts";
import { normalized } from "./helpers.ts";

type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What importColumnsAsync makes of `text` given as a file, as an ImportResult with a trace. */
async function viaColumns(text: string, batchBytes?: number): Promise<unknown> {
  const result = await importColumnsAsync(new Blob([text]), { batchBytes });
  return result.ok ? { ok: true, trace: fromColumns(result.columns), format: result.format } : result;
}

/** Mutations of a file, each in one of the collections read a batch at a time or in its head. */
function mutants(file: Json): [string, Json][] {
  const out: [string, Json][] = [];
  const values: unknown[] = [0, -1, 0.5, 2 ** 32, 1e306, null, "", "x", true, [], {}];
  for (const collection of ["tasks", "steps", "awaits", "resourceOps", "resources"]) {
    const records = file[collection] as Json[];
    for (const index of [0, Math.floor(records.length / 2), records.length - 1]) {
      const record = records[index];
      if (record === undefined) continue;
      for (const key of Object.keys(record)) {
        for (const value of values) {
          const mutant = structuredClone(file);
          (mutant[collection] as Json[])[index]![key] = value;
          out.push([`${collection}[${index}].${key} = ${JSON.stringify(value)}`, mutant]);
        }
        const inner = record[key] as unknown;
        if (inner === null || typeof inner !== "object" || Array.isArray(inner)) continue;
        for (const innerKey of Object.keys(inner)) {
          for (const value of [-1, 0.5, null, "x\n\"é", true, {}]) {
            const mutant = structuredClone(file);
            ((mutant[collection] as Json[])[index]![key] as Json)[innerKey] = value;
            out.push([`${collection}[${index}].${key}.${innerKey} = ${JSON.stringify(value)}`, mutant]);
          }
        }
      }
      for (const value of [null, 7, "x", []]) {
        const replaced = structuredClone(file);
        (replaced[collection] as unknown[])[index] = value;
        out.push([`${collection}[${index}] = ${JSON.stringify(value)}`, replaced]);
      }
      const dropped = structuredClone(file);
      (dropped[collection] as unknown[]).splice(index, 1);
      out.push([`${collection}[${index}] left out`, dropped]);
    }
  }
  for (const key of ["end", "droppedEvents", "sources", "tasks", "steps", "format", "version"]) {
    for (const value of [null, 3, "x", []]) {
      const mutant = structuredClone(file);
      mutant[key] = value;
      out.push([`${key} = ${JSON.stringify(value)}`, mutant]);
    }
  }
  return out;
}

describe("a file read into columns", () => {
  for (const [name, program] of PROGRAMS) {
    test(`the ${name} trace, and mutants of it, give what importTrace gives`, { timeout: 120_000 }, async () => {
      const trace: Trace = normalized(await program());
      const text = exportAioscope(trace);
      for (const batchBytes of [1, 97, undefined]) expect(await viaColumns(text, batchBytes)).toEqual(importTrace(text));
      let refused = 0;
      for (const [what, mutant] of mutants(JSON.parse(text) as Json)) {
        const mutantText = JSON.stringify(mutant);
        const expected = importTrace(mutantText);
        if (!expected.ok) refused++;
        expect(await viaColumns(mutantText, 256), what).toEqual(expected);
      }
      expect(refused).toBeGreaterThan(0);
    });
  }

  test("malformed JSON in a batch read late is named by line and column, as the importer does", async () => {
    const trace = normalized(await PROGRAMS[0]![1]());
    const text = exportAioscope(trace);
    const broken = text.replace(/"awaits":\[\{"task":(\d+)/, '"awaits":[{"task":$1,,');
    expect(broken).not.toBe(text);
    const result = await importColumnsAsync(new Blob([broken]), { batchBytes: 64 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/^the file is not valid JSON at line 1, column \d+ \(/);
  });

  test("a truncated file, a Chrome export and bytes that are not UTF-8 take the importer's usual paths", async () => {
    const trace = normalized(await PROGRAMS[0]![1]());
    const text = exportAioscope(trace);
    const truncated = await importColumnsAsync(new Blob([text.slice(0, text.length >> 1)]));
    expect(!truncated.ok && truncated.error.message).toMatch(/^the file is truncated/);
    const chrome = await importColumnsAsync(new Blob([exportChrome(trace)]));
    expect(chrome.ok && fromColumns(chrome.columns)).toEqual(trace);
    const notUtf8 = await importColumnsAsync(new Blob([new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x5b, 0x5d, 0x7d])]));
    expect(notUtf8).toEqual({ ok: false, error: { path: "$", message: "the file is not UTF-8 text (JSON must be UTF-8)" } });
  });

  /** The parts handed on while `file` is imported, and the trace a rebuilder makes of them with the result's rest. */
  async function viaParts(file: string): Promise<{ collections: string[]; trace: Trace | null; ok: boolean }> {
    const parts: ColumnsPart[] = [];
    const result = await importColumnsAsync(new Blob([file]), { batchBytes: 97, onPart: (part) => parts.push(structuredClone(part)) });
    const rebuilder = new TraceRebuilder();
    for (const part of parts) for (const _ of rebuilder.add(part));
    return { collections: parts.map((part) => part.collection), ok: result.ok, trace: result.ok ? rebuilder.trace(result.columns.rest) : null };
  }

  test.each(PROGRAMS.map(([name, program]) => [name, program] as const))("the %s trace's parts, each handed on once checked, rebuild the trace, from our file and from our Chrome export", async (_name, program) => {
    const trace = normalized(await program());
    for (const file of [exportAioscope(trace), exportChrome(trace)]) {
      const { collections, trace: rebuilt } = await viaParts(file);
      expect(collections).toEqual(["tasks", "steps", "awaits", "resourceOps"]);
      expect(rebuilt).toEqual(trace);
    }
  });

  test("a file refused after some parts were handed on is refused all the same", async () => {
    const file = JSON.parse(exportAioscope(normalized(await PROGRAMS[0]![1]()))) as Json;
    (file.awaits as Json[]).at(-1)!.task = 999_999;
    const { collections, ok } = await viaParts(JSON.stringify(file));
    expect(collections).toEqual(["tasks", "steps"]);
    expect(ok).toBe(false);
  });
});
