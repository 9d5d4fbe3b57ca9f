/**
 * Page-supplied text reaches the terminal only as plain text: a task name, a URL, a title or
 * a warning cannot colour, retitle or clear the terminal, nor forge a line of the summary.
 */
import { describe, expect, test } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import { formatSummary } from "../../../src/cli/summary.ts";
import { terminalSafe, type Io } from "../../../src/cli/terminal.ts";
import { analyze } from "../../../src/trace/analysis.ts";
import { exportAioscope } from "../../../src/trace/export-aioscope.ts";
import type { Trace } from "../../../src/trace/model.ts";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crawler, taskCycle } from "../trace/programs.ts";
import { normalized } from "../trace/helpers.ts";

const plain = (_style: string, text: string): string => text;
/** Anything a terminal would act on, in the text as printed. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const FORGED_NAME = "fetch\n\x1b[32mWarnings     none\x1b[0m";
const FORGED_URL = "http://x.test/\x1b]0;owned\x07\x1b[2J";

function forged(trace: Trace): Trace {
  return {
    ...trace,
    metadata: { ...trace.metadata, url: FORGED_URL, title: "title\r\u202eevil" },
    tasks: trace.tasks.map((task, i) => (i === 0 ? { ...task, name: FORGED_NAME } : task)),
  };
}

describe("terminalSafe", () => {
  test("escapes newlines, ESC, BEL, C1 controls, line separators and bidi overrides", () => {
    expect(terminalSafe("a\nb\r\tc")).toBe("a\\nb\\r\\tc");
    expect(terminalSafe("\x1b[2J\x1b]0;t\x07")).toBe("\\e[2J\\e]0;t\\x07");
    expect(terminalSafe("\u009b31m")).toBe("\\x9b31m");
    expect(terminalSafe("x\u2028y\u202ez")).toBe("x\\u2028y\\u202ez");
    expect(terminalSafe("\x7f")).toBe("\\x7f");
  });

  test("leaves ordinary text, including non-Latin scripts and emoji, as it is", () => {
    const text = "fetch /api/items?x=1 — données 日本語 🙂 C:\\path";
    expect(terminalSafe(text)).toBe(text);
  });
});

describe("the summary prints page-supplied text safely", () => {
  test("a task name and a URL full of control sequences stay on their own lines, escaped", async () => {
    const trace = forged(normalized(await crawler()));
    const summary = formatSummary(trace, analyze(trace), plain);
    expect(summary).not.toMatch(CONTROL);
    const lines = summary.split("\n");
    // One "Warnings" line only: the task name did not forge a second one.
    expect(lines.filter((line) => line.startsWith("Warnings"))).toHaveLength(1);
    expect(lines[0]).toBe("aioscope http://x.test/\\e]0;owned\\x07\\e[2J · title\\r\\u202eevil");
  });

  test("aioscope analyze of a forged file, with a budget that quotes a task name, prints no control character", async () => {
    const base = normalized(await taskCycle());
    const trace = { ...base, tasks: base.tasks.map((task) => ({ ...task, name: `${task.name}\n\x1b[2J` })) };
    const dir = mkdtempSync(join(tmpdir(), "aioscope-safe-"));
    const file = join(dir, "forged.json");
    writeFileSync(file, exportAioscope(trace));
    let stdout = "";
    let stderr = "";
    const io: Io = {
      stdout: { write: (chunk: string) => ((stdout += chunk), true) } as unknown as Io["stdout"],
      stderr: { write: (chunk: string) => ((stderr += chunk), true) } as unknown as Io["stderr"],
      env: { NO_COLOR: "1" },
    };
    const status = await runCli(["analyze", file, "--fail-on", "deadlock"], io);
    expect(status).toBe(1);
    expect(stdout).toContain("\\e[2J");
    expect(stderr).toMatch(/^aioscope: budget broken: --fail-on deadlock: /);
    expect(stdout).not.toMatch(CONTROL);
    expect(stderr).not.toMatch(CONTROL);
  });
});
