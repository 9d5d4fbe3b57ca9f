/**
 * Record → export → import → the identical trace and analysis, for both formats; every
 * exported aioscope file is valid against docs/trace-format.schema.json, and every exported
 * Chrome file is read by DevTools' own trace engine as the Performance panel reads it.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { addInstrument, removeInstrument, run, sleep, createTask } from "../../../src/runtime/index.ts";
import {
  Recorder, SessionBuilder, analyze, exportAioscope, exportChrome, exportChromeBytes, importTrace, importTraceAsync,
  type ImportProgress, type Trace,
} from "../../../src/trace/index.ts";
import { PROGRAMS } from "./programs.ts";
import { deterministicRecorder, plain } from "./helpers.ts";
import { checkChromeExport } from "./devtools-engine.ts";

const schema = JSON.parse(readFileSync(new URL("../../../docs/trace-format.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function expectSchemaValid(text: string): void {
  const valid = validate(JSON.parse(text));
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
}

/** Both formats rebuild the trace; the Chrome file is also read by DevTools' own engine. */
async function expectRoundTrip(trace: Trace): Promise<void> {
  const aioscope = exportAioscope(trace);
  expectSchemaValid(aioscope);
  const fromAioscope = importTrace(aioscope);
  expect(fromAioscope).toEqual({ ok: true, trace, format: "aioscope" });
  const chrome = exportChrome(trace);
  await checkChromeExport(trace, chrome);
  const fromChrome = importTrace(chrome);
  expect(fromChrome).toEqual({ ok: true, trace, format: "chrome" });
  if (!fromAioscope.ok || !fromChrome.ok) return;
  const expected = plain(analyze(trace));
  expect(plain(analyze(fromAioscope.trace))).toEqual(expected);
  expect(plain(analyze(fromChrome.trace))).toEqual(expected);
}

describe("round trips", () => {
  for (const [name, program] of PROGRAMS) {
    test(`the ${name} trace survives both formats with an identical analysis`, async () => {
      await expectRoundTrip(await program());
    });
  }

  test("a cancellation from DevTools keeps its canceller through both formats", async () => {
    const recorder = new Recorder();
    addInstrument(recorder);
    try {
      await run(function* main() {
        const stuck = createTask(sleep(60_000), { name: "stuck" });
        yield* sleep(0);
        recorder.cancelFromOutside("DevTools", () => stuck.cancel("cancelled from DevTools"));
        yield* sleep(0);
      }, { clock: "virtual" });
    } finally {
      removeInstrument(recorder);
    }
    const builder = new SessionBuilder({ url: "node:test" });
    expect(builder.append(recorder.takeBatch())).toEqual({ ok: true });
    const trace = builder.trace();
    expect(trace.cancellations.map((c) => [c.message, c.canceller])).toEqual([["cancelled from DevTools", "DevTools"]]);
    await expectRoundTrip(trace);
  });

  test("a trace recorded on the host clock with creation sites survives both formats", async () => {
    const recorder = new Recorder({ creationSites: true });
    addInstrument(recorder);
    try {
      await run(function* main() {
        const child = createTask(sleep(1, "x"), { name: "child" });
        yield* child;
      });
    } finally {
      removeInstrument(recorder);
    }
    const builder = new SessionBuilder();
    builder.append(recorder.takeBatch());
    const trace = builder.trace();
    expect(trace.tasks.map((t) => t.site?.file.endsWith("roundtrip.test.ts"))).toEqual([true, true]);
    await expectRoundTrip(trace);
  });

  test("a session of two sources (frames) keeps both apart and survives both formats", async () => {
    const top = deterministicRecorder();
    const frame = deterministicRecorder();
    const builder = new SessionBuilder({ url: "https://example.test/" });
    const topId = builder.addSource({ label: "top", url: "https://example.test/", frameId: 0 });
    const frameId = builder.addSource({ label: "ad frame", url: "https://ads.test/", frameId: 3 });
    for (const recorder of [top, frame]) {
      addInstrument(recorder);
      try {
        await run(function* main() {
          yield* sleep(5);
        }, { clock: "virtual", name: "main" });
      } finally {
        removeInstrument(recorder);
      }
    }
    expect(builder.append(top.takeBatch(), topId)).toEqual({ ok: true });
    expect(builder.append(frame.takeBatch(), frameId)).toEqual({ ok: true });
    const trace = builder.trace();
    expect(trace.sources.map((s) => [s.id, s.label, s.frameId])).toEqual([[0, "top", 0], [1, "ad frame", 3]]);
    expect(trace.tasks.map((t) => [t.source, t.name])).toEqual([[0, "main"], [1, "main"]]);
    expect(trace.tasks.filter((t) => t.source === 1).every((t) => t.id > 2 ** 32)).toBe(true);
    await expectRoundTrip(trace);
  });

  test("script and module loads, a worker with its messages and a queued request survive both formats", async () => {
    const recorder = deterministicRecorder();
    const script = recorder.nativeStart("script", "https://app.test/main.js", { at: 0, task: 0 });
    recorder.nativeEnd(script, "ok", { at: 4, detail: JSON.stringify({ status: 200, transferSize: 0, decodedSize: 512, cached: true, loadedBy: "element" }) });
    const module = recorder.nativeStart("module", "https://app.test/lazy.mjs", { at: 5, task: 0 });
    recorder.nativeEnd(module, "error", { at: 9, detail: JSON.stringify({ status: 404, loadedBy: "import" }) });
    const worker = recorder.nativeStart("worker", "https://app.test/worker.js", { at: 10, task: 0 });
    const message = recorder.nativeStart("workerMessage", "postMessage → worker", { at: 11, task: 0, parent: worker });
    recorder.nativeEnd(message, "ok", { at: 11, detail: JSON.stringify({ bytes: 1024 }) });
    const fetch = recorder.nativeStart("fetch", "GET https://app.test/data", { at: 12, task: 0 });
    recorder.nativeEnd(fetch, "ok", { at: 60 });
    const queue = recorder.nativeStart("requestQueue", "queued", { at: 12, task: 0, parent: fetch });
    recorder.nativeEnd(queue, "ok", { at: 40, detail: JSON.stringify({ queued: 28, waiting: 19, download: 1 }) });
    recorder.mark("recordingStop", "", { at: 70 });
    const builder = new SessionBuilder();
    expect(builder.append(recorder.takeBatch())).toEqual({ ok: true });
    const trace = builder.trace();
    expect(trace.nativeOps.map((op) => op.kind)).toEqual(["script", "module", "worker", "workerMessage", "fetch", "requestQueue"]);
    // The worker still runs at the end: open, in both formats.
    expect(trace.nativeOps[2]!.end).toBeNull();
    await expectRoundTrip(trace);
  });

  test("the Chrome export as bytes is the same document as the text", async () => {
    const trace = await PROGRAMS[0]![1]();
    expect(new TextDecoder().decode(exportChromeBytes(trace))).toBe(exportChrome(trace));
  });

  test("the asynchronous import reports progress and gives the same trace", async () => {
    const trace = await PROGRAMS[0]![1]();
    const phases: ImportProgress["phase"][] = [];
    const blob = new Blob([exportAioscope(trace)]);
    const result = await importTraceAsync(blob, { onProgress: (p) => { if (!phases.includes(p.phase)) phases.push(p.phase); }, sliceMs: 0 });
    expect(result).toEqual({ ok: true, trace, format: "aioscope" });
    expect(phases).toEqual(["read", "parse", "check"]);
  });
});
