/**
 * The command lines of `aioscope run` and `aioscope view`, and what `run` quotes of a failed
 * program's stderr.
 */
import { describe, expect, test } from "vitest";
import { parseCommandLine } from "../../../src/cli/args.ts";
import { CliError } from "../../../src/cli/errors.ts";
import { lastWords } from "../../../src/cli/run.ts";

function refusal(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof CliError) return error.message;
    throw error;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("aioscope run's command line", () => {
  test("the script's arguments follow it; aioscope's options may come anywhere before --", () => {
    expect(parseCommandLine(["run", "main.mjs", "a", "--out", "t.json", "b", "--", "--verbose", "-x"])).toEqual({
      command: "run", script: "main.mjs", args: ["a", "b", "--verbose", "-x"], out: "t.json", chromeTrace: null,
      budget: { warnings: false, deadlock: false, slowStepMs: null, maxConcurrency: null, insights: [] },
    });
  });

  test("--chrome-trace and --fail-on as for record", () => {
    const command = parseCommandLine(["run", "--chrome-trace", "c.json", "--fail-on", "deadlock,lost-error", "main.mjs"]);
    expect(command).toMatchObject({ command: "run", script: "main.mjs", out: "trace.json", chromeTrace: "c.json", budget: { deadlock: true, insights: ["lost-error"] } });
  });

  test("no script, an option of the program's before --, a bad budget", () => {
    expect(refusal(["run"])).toBe("aioscope run needs a Node program: aioscope run script.mjs [its arguments]");
    expect(refusal(["run", "main.mjs", "--port", "8080"])).toContain("the program's own options go after --: aioscope run script.mjs -- --port");
    expect(refusal(["run", "main.mjs", "--fail-on", "slowness"])).toMatch(/^--fail-on "slowness" is not a check/);
  });
});

describe("aioscope view's command line", () => {
  test("a file, a port, --no-open", () => {
    expect(parseCommandLine(["view", "t.json"])).toEqual({ command: "view", file: "t.json", port: 0, open: true });
    expect(parseCommandLine(["view", "t.json", "--port", "8123", "--no-open"])).toEqual({ command: "view", file: "t.json", port: 8123, open: false });
  });

  test("no file, two files, a port that is not one", () => {
    expect(refusal(["view"])).toBe("aioscope view needs a trace file: aioscope view trace.json");
    expect(refusal(["view", "a.json", "b.json"])).toBe("aioscope view takes one trace file, got 2: a.json b.json");
    expect(refusal(["view", "t.json", "--port", "80000"])).toBe('--port "80000" is not a port: a whole number from 0 to 65535');
    expect(refusal(["view", "t.json", "--port", "http"])).toBe('--port "http" is not a port: a whole number from 0 to 65535');
  });
});

describe("what run quotes of a failed program's stderr", () => {
  test("an uncaught error: its message, not Node's excerpt, stack or version line", () => {
    const stderr = [
      "file:///tmp/app.mjs:3",
      "    throw new RangeError(\"negative count\");",
      "    ^",
      "",
      "RangeError: negative count",
      "    at main (file:///tmp/app.mjs:3:11)",
      "    at Task._step (file:///tmp/node_modules/aioscope/dist/runtime/task.js:227:52)",
      "",
      "Node.js v20.20.2",
      "",
    ].join("\n");
    expect(lastWords(stderr)).toEqual(["RangeError: negative count"]);
    expect(lastWords(`aioscope: Task exception was never retrieved\n${stderr}`)).toEqual(["aioscope: Task exception was never retrieved", "RangeError: negative count"]);
  });

  test("a program that said nothing", () => {
    expect(lastWords("")).toEqual([]);
  });
});
