/**
 * What a recording could not wrap because the page froze it first (`SourceInfo.notRecorded`)
 * is part of the trace: the session builder learns it from the page, both file formats carry
 * it, the importer checks it, and the warnings say what is missing because of it.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { addInstrument, createTask, gather, removeInstrument, run, sleep } from "../../../src/runtime/index.ts";
import { analyze, exportAioscope, exportChrome, importTrace, SessionBuilder, type Trace } from "../../../src/trace/index.ts";
import { deterministicRecorder } from "./helpers.ts";

const schema = JSON.parse(readFileSync(new URL("../../../docs/trace-format.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** A page and a frame; the page froze `Promise.prototype.then` before its recording started, and `fetch` during it. */
async function frozenPage(frames = 2): Promise<Trace> {
  const recorder = deterministicRecorder();
  addInstrument(recorder);
  try {
    await run(function* () {
      yield* gather([createTask(function* () { yield* sleep(1); }, { name: "child" })]);
    }, { clock: "virtual", name: "main" });
  } finally {
    removeInstrument(recorder);
  }
  const builder = new SessionBuilder({ url: "https://wallet.test/", title: "frozen", userAgent: "vitest" });
  const page = builder.addSource({ label: "page", url: "https://wallet.test/", frameId: 0, notRecorded: ["Promise.prototype.then"] });
  if (frames > 1) builder.addSource({ label: "frame 3", url: "https://frame.test/", frameId: 3 });
  expect(builder.append(recorder.takeBatch(), page).ok).toBe(true);
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
    const trace = await frozenPage();
    const aioscope = exportAioscope(trace);
    expect(validate(JSON.parse(aioscope))).toBe(true);
    expect(importTrace(aioscope)).toEqual({ ok: true, trace, format: "aioscope" });
    expect(importTrace(exportChrome(trace))).toEqual({ ok: true, trace, format: "chrome" });
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
    const two = analyze(await frozenPage(2)).warnings.filter((w) => w.kind === "notRecorded");
    expect(two.map((w) => w.message)).toEqual([
      "the page froze Promise.prototype.then and fetch before the recording could wrap them in page (https://wallet.test/): what went through fetch is missing from the trace; "
        + ".then, .catch and .finally continuations carry no cause (which operation's callback started what)",
    ]);
  });
});
