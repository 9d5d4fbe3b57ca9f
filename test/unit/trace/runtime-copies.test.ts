/**
 * Which runtime copies reported into a source — aioscope's injected one, or one the page
 * bundled itself — is part of the trace: both file formats carry it, the importer checks it,
 * and a file without it (recorded outside the extension, or older) still reads.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { addInstrument, createTask, gather, removeInstrument, run, sleep } from "../../../src/runtime/index.ts";
import { exportAioscope, exportChrome, importTrace, SessionBuilder, type Trace } from "../../../src/trace/index.ts";
import { pageBundledRuntime } from "../../../src/trace/model.ts";
import { deterministicRecorder } from "./helpers.ts";

const schema = JSON.parse(readFileSync(new URL("../../../docs/trace-format.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

async function twoFrames(): Promise<Trace> {
  const recorder = deterministicRecorder();
  addInstrument(recorder);
  try {
    await run(function* () {
      yield* gather([createTask(function* () { yield* sleep(1); }, { name: "child" })]);
    }, { clock: "virtual", name: "main" });
  } finally {
    removeInstrument(recorder);
  }
  const batch = recorder.takeBatch();
  const builder = new SessionBuilder({ url: "https://example.test/", title: "runtimes", userAgent: "vitest" });
  const page = builder.addSource({ label: "page", url: "https://example.test/", frameId: 0, runtimes: [{ version: "1.0.0", origin: "aioscope" }] });
  builder.addSource({ label: "frame 3", url: "https://frame.test/", frameId: 3 });
  expect(builder.append(batch, page).ok).toBe(true);
  // The page loads its own bundled copy later: the source says so from then on.
  builder.describeSource(page, { runtimes: [{ version: "1.0.0", origin: "aioscope" }, { version: "0.9.2", origin: "page" }] });
  return builder.trace();
}

describe("runtime copies of a source", () => {
  test("a page-bundled copy marks its source; a source without the list knows nothing", async () => {
    const trace = await twoFrames();
    expect(trace.sources[0]!.runtimes).toEqual([{ version: "1.0.0", origin: "aioscope" }, { version: "0.9.2", origin: "page" }]);
    expect(pageBundledRuntime(trace.sources[0])).toBe(true);
    expect("runtimes" in trace.sources[1]!).toBe(false);
    expect(pageBundledRuntime(trace.sources[1])).toBe(false);
  });

  test("both file formats carry the copies, and the aioscope file is valid against the schema", async () => {
    const trace = await twoFrames();
    const aioscope = exportAioscope(trace);
    expect(validate(JSON.parse(aioscope))).toBe(true);
    expect(importTrace(aioscope)).toEqual({ ok: true, trace, format: "aioscope" });
    expect(importTrace(exportChrome(trace))).toEqual({ ok: true, trace, format: "chrome" });
  });

  test("a copy with an unknown origin is refused, with where and why", async () => {
    const file = JSON.parse(exportAioscope(await twoFrames())) as { sources: { runtimes?: unknown[] }[] };
    file.sources[0]!.runtimes = [{ version: "1.0.0", origin: "elsewhere" }];
    const result = importTrace(JSON.stringify(file));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.path).toBe("$.sources[0].runtimes[0].origin");
      expect(result.error.message).toBe('expected one of "aioscope", "page", got the string "elsewhere"');
    }
  });
});
