/**
 * The fast reader of our own Chrome export (src/trace/chrome-layout.ts) reads exactly what the
 * general reader reads: the same trace from every exported file, the same error at the same
 * event for a bad record, and, for a file that is not laid out as we write it or not JSON,
 * the general reader's answer.
 */
import { describe, expect, test } from "vitest";
import { exportChrome, importTrace, importTraceAsync } from "../../../src/trace/index.ts";
import { readOwnLayout } from "../../../src/trace/chrome-layout.ts";
import { PROGRAMS, crawler } from "./programs.ts";

/** The same document, re-serialized on one line: only the general reader can read it. */
const generalOnly = (text: string): string => JSON.stringify(JSON.parse(text));

/** The lines of the export, and a way to put them back together. */
function lines(text: string): string[] {
  return text.split("\n");
}

describe("the fast reader of our Chrome layout", () => {
  for (const [name, program] of PROGRAMS) {
    test(`reads the ${name} trace as the general reader does`, async () => {
      const trace = await program();
      const text = exportChrome(trace);
      expect(readOwnLayout(text)).not.toBeNull();
      expect(readOwnLayout(generalOnly(text))).toBeNull();
      expect(importTrace(text)).toEqual({ ok: true, trace, format: "chrome" });
      expect(importTrace(generalOnly(text))).toEqual({ ok: true, trace, format: "chrome" });
      expect(await importTraceAsync(text, { sliceMs: 0 })).toEqual({ ok: true, trace, format: "chrome" });
    });
  }

  test("steps and awaits written otherwise (escaped names, other key order, other numbers) are read by JSON.parse, alike", async () => {
    const trace = await crawler();
    const text = exportChrome(trace);
    const edited = lines(text).map((line) => {
      if (line.startsWith(`{"ph":"X","cat":"step","name":"fetch"`)) return line.replace(`"name":"fetch"`, `"name":"fe\\u0074ch"`);
      if (line.startsWith(`{"ph":"e","cat":"blink.user_timing"`)) return line.replace(`{"ph":"e","cat":"blink.user_timing"`, `{"cat":"blink.user_timing","ph":"e"`);
      return line.replace(/"ts":(\d+),"dur"/, (_, ts: string) => `"ts":${ts}.0,"dur"`);
    }).join("\n");
    expect(edited).not.toBe(text);
    expect(readOwnLayout(edited)).not.toBeNull();
    expect(importTrace(edited)).toEqual({ ok: true, trace, format: "chrome" });
  });

  test("a bad record is the same error at the same event in both readers", async () => {
    const trace = await crawler();
    const text = exportChrome(trace);
    const all = lines(text);
    // An await on a resource that does not exist, and a step of a task that does not exist: both on lines the fast reader scans.
    const awaitLine = all.findIndex((line) => line.includes(`"await":"sleep"`));
    const stepLine = all.findIndex((line) => line.startsWith(`{"ph":"X","cat":"step"`));
    for (const [k, edit] of [
      [awaitLine, (line: string) => line.replace(`"await":"sleep"`, `"await":"sleep","resource":999`)],
      [stepLine, (line: string) => line.replace(/"args":\{"task":\d+/, `"args":{"task":999999`)],
    ] as const) {
      const bad = all.map((line, i) => (i === k ? edit(line) : line)).join("\n");
      const fast = importTrace(bad);
      expect(fast.ok).toBe(false);
      expect(fast).toEqual(importTrace(generalOnly(bad)));
      // Line 0 is the header: event k - 1.
      if (!fast.ok) expect(fast.error.path).toMatch(new RegExp(`^\\$\\.traceEvents\\[${k - 1}\\]`));
    }
  });

  test("a line that is not JSON gives the general reader's syntax error, line and column included", async () => {
    const trace = await crawler();
    const all = lines(exportChrome(trace));
    const k = all.findIndex((line) => line.startsWith(`{"ph":"X","cat":"step"`));
    all[k] = all[k]!.replace(/"dur":\d+/, `"dur":07`);
    const bad = all.join("\n");
    expect(readOwnLayout(bad)).not.toBeNull();
    const result = importTrace(bad);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(new RegExp(`^the file is not valid JSON at line ${k + 1}, column \\d+`));
  });

  test("an unterminated detail string, or a trailing comma before the end, is not read as ours", async () => {
    const trace = await crawler();
    const all = lines(exportChrome(trace));
    const k = all.findIndex((line) => line.includes(`"detail":"{\\"devtools\\"`) && line.includes(`"await":`));
    const unterminated = all.map((line, i) => (i === k ? line.replace(`","await":`, `\\","await":`) : line)).join("\n");
    expect(importTrace(unterminated).ok).toBe(false);
    const trailing = all.map((line, i) => (i === all.length - 2 ? `${line},` : line)).join("\n");
    const result = importTrace(trailing);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/not valid JSON/);
  });
});
