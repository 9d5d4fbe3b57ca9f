/**
 * What a page says of its source is part of the trace: which runtime copies reported into it
 * (aioscope's injected one, or one the page bundled itself), and what its recording could not
 * wrap because the page froze it first (`SourceInfo.notRecorded`). The session builder learns
 * both from the page as they change, both file formats carry them, the importer checks them, a
 * file without them (recorded outside the extension, or older) still reads, and the warnings
 * say what a source's frozen functions leave out.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { addInstrument, createTask, gather, removeInstrument, run, sleep } from "../../../src/runtime/index.ts";
import { analyze, exportAioscope, exportChrome, importTrace, SessionBuilder, type Trace, type TraceBatch } from "../../../src/trace/index.ts";
import { pageBundledRuntime } from "../../../src/trace/model.ts";
import { deterministicRecorder } from "./helpers.ts";

const schema = JSON.parse(readFileSync(new URL("../../../docs/trace-format.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

async function recordedBatch(): Promise<TraceBatch> {
  const recorder = deterministicRecorder();
  addInstrument(recorder);
  try {
    await run(function* () {
      yield* gather([createTask(function* () { yield* sleep(1); }, { name: "child" })]);
    }, { clock: "virtual", name: "main" });
  } finally {
    removeInstrument(recorder);
  }
  return recorder.takeBatch();
}

/** Whether both file formats give `trace` back, and the aioscope file is valid against the schema. */
function expectBothFormatsCarry(trace: Trace): void {
  const aioscope = exportAioscope(trace);
  expect(validate(JSON.parse(aioscope))).toBe(true);
  expect(importTrace(aioscope)).toEqual({ ok: true, trace, format: "aioscope" });
  expect(importTrace(exportChrome(trace))).toEqual({ ok: true, trace, format: "chrome" });
}

async function twoFrames(): Promise<Trace> {
  const batch = await recordedBatch();
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
    expectBothFormatsCarry(await twoFrames());
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

/** A page and a frame; the page froze `Promise.prototype.then` before its recording started, and `fetch` during it. */
async function frozenPage(frames = 2): Promise<Trace> {
  const batch = await recordedBatch();
  const builder = new SessionBuilder({ url: "https://wallet.test/", title: "frozen", userAgent: "vitest" });
  const page = builder.addSource({ label: "page", url: "https://wallet.test/", frameId: 0, notRecorded: ["Promise.prototype.then"] });
  if (frames > 1) builder.addSource({ label: "frame 3", url: "https://frame.test/", frameId: 3 });
  expect(builder.append(batch, page).ok).toBe(true);
  // A hello that says nothing of runtimes leaves them as they were.
  builder.describeSource(page, { notRecorded: ["Promise.prototype.then", "fetch"] });
  return builder.trace();
}

describe("functions a recording could not wrap", () => {
  test("are its source's, as the page said last; a source that wrapped everything has no list", async () => {
    const trace = await frozenPage();
    expect(trace.sources[0]!.notRecorded).toEqual(["Promise.prototype.then", "fetch"]);
    expect("notRecorded" in trace.sources[1]!).toBe(false);
  });

  test("both file formats carry them, and the aioscope file is valid against the schema", async () => {
    expectBothFormatsCarry(await frozenPage());
  });

  test("a name that is not a non-empty string is refused, with where and why", async () => {
    const file = JSON.parse(exportAioscope(await frozenPage())) as { sources: { notRecorded?: unknown }[] };
    for (const [notRecorded, path, message] of [
      [["fetch", 7], "$.sources[0].notRecorded[1]", "expected a function's name, got number 7"],
      [["fetch", ""], "$.sources[0].notRecorded[1]", 'expected a function\'s name, got the string ""'],
      ["fetch", "$.sources[0].notRecorded", 'expected an array, got the string "fetch"'],
    ] as const) {
      file.sources[0]!.notRecorded = notRecorded;
      const result = importTrace(JSON.stringify(file));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ path, message });
      expect(validate(file)).toBe(false);
    }
  });

  test("are a warning that says what is missing, naming the source when the trace has several", async () => {
    const one = analyze(await frozenPage(1)).warnings.filter((w) => w.kind === "notRecorded");
    expect(one).toEqual([{
      kind: "notRecorded", source: 0, names: ["Promise.prototype.then", "fetch"],
      message: "the page froze Promise.prototype.then and fetch before the recording could wrap them: what went through fetch is missing from the trace; "
        + ".then, .catch and .finally continuations carry no cause (which operation's callback started what)",
    }]);
    // A file may name anything, also what an object's prototype has.
    const lone = await frozenPage(1);
    const odd = analyze({ ...lone, sources: [{ ...lone.sources[0]!, notRecorded: ["constructor", "toString"] }] }).warnings;
    expect(odd.filter((w) => w.kind === "notRecorded").map((w) => w.message)).toEqual([
      "the page froze constructor and toString before the recording could wrap them: what went through constructor and toString is missing from the trace",
    ]);
    const two = analyze(await frozenPage(2)).warnings.filter((w) => w.kind === "notRecorded");
    expect(two.map((w) => w.message)).toEqual([
      "the page froze Promise.prototype.then and fetch before the recording could wrap them in page (https://wallet.test/): what went through fetch is missing from the trace; "
        + ".then, .catch and .finally continuations carry no cause (which operation's callback started what)",
    ]);
  });
});
