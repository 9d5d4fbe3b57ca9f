/**
 * The native kinds read from Resource Timing and workers, as the trace's readers see them: their
 * names on the timeline (relative to the page's origin; a part's label alone), their colour
 * groups, their counts in the analysis and in the CLI summary, and a running worker that does
 * not keep `--until-idle` waiting.
 */
import { describe, expect, test } from "vitest";
import { analyze, type Recorder } from "../../../src/trace/index.ts";
import { formatSummary } from "../../../src/cli/summary.ts";
import { nativeGroupOf, nativeName, PART_KINDS } from "../../../src/trace/native-names.ts";
import { NATIVE_KINDS, type NativeKind, type NativeOpRecord } from "../../../src/trace/model.ts";
import { PageActivity } from "../../../src/content/page-activity.ts";
import { deterministicRecorder, record } from "./helpers.ts";

const ORIGIN = "https://app.test";
const noPaint = (_style: string, text: string): string => text;

function op(kind: NativeKind, label: string): NativeOpRecord {
  return { id: 1, source: 0, kind, label, start: 0, end: 1, outcome: "ok", task: null, parent: null, cause: null, detail: null, ticks: [] };
}

function page(body: (recorder: Recorder) => void) {
  return record(async (recorder) => {
    body(recorder);
    recorder.mark("recordingStop");
  });
}

function loads(recorder: Recorder): void {
  for (const [kind, url, outcome] of [["script", "/a.js", "ok"], ["script", "/missing.js", "error"], ["module", "/m.mjs", "ok"]] as const) {
    const id = recorder.nativeStart(kind, `${ORIGIN}${url}`, { at: 0, task: 0 });
    recorder.nativeEnd(id, outcome, { at: 3 });
  }
  for (const [at, running] of [[5, false], [6, true]] as const) {
    const worker = recorder.nativeStart("worker", `${ORIGIN}/w.js`, { at, task: 0 });
    for (const label of ["postMessage → worker", "message ← worker", "message ← worker"]) {
      const message = recorder.nativeStart("workerMessage", label, { at: at + 1, task: 0, parent: worker });
      recorder.nativeEnd(message, "ok", { at: at + 1 });
    }
    if (!running) recorder.nativeEnd(worker, "ok", { at: 20 });
  }
  for (const queued of [0.2, 250]) {
    const fetch = recorder.nativeStart("fetch", `GET ${ORIGIN}/slow`, { at: 30, task: 0 });
    recorder.nativeEnd(fetch, "ok", { at: 400 });
    const queue = recorder.nativeStart("requestQueue", "queued", { at: 30, task: 0, parent: fetch });
    recorder.nativeEnd(queue, "ok", { at: 30 + queued, detail: JSON.stringify({ queued, waiting: 100 }) });
  }
}

describe("script, module, worker and queueing operations", () => {
  test("are named from the page's origin, a part by its label alone, each kind in its colour group", () => {
    expect(nativeName(op("script", `${ORIGIN}/static/app.js?v=3`), ORIGIN)).toBe("script /static/app.js?v=3");
    expect(nativeName(op("module", "https://cdn.test/lib.mjs"), ORIGIN)).toBe("module https://cdn.test/lib.mjs");
    expect(nativeName(op("worker", `${ORIGIN}/worker.js`), ORIGIN)).toBe("worker /worker.js");
    expect(nativeName(op("worker", `blob:${ORIGIN}/4a1e`), ORIGIN)).toBe(`worker blob:${ORIGIN}/4a1e`);
    expect(nativeName(op("workerMessage", "postMessage → worker"), ORIGIN)).toBe("postMessage → worker");
    expect(nativeName(op("requestQueue", "queued"), ORIGIN)).toBe("queued");
    expect(["script", "module", "worker", "workerMessage", "requestQueue"].map((k) => nativeGroupOf(k as NativeKind)))
      .toEqual(["script", "script", "worker", "worker", "request"]);
    expect([...PART_KINDS].sort()).toEqual(["requestQueue", "workerMessage"]);
    // Appended after the kinds batches already name by index.
    expect(NATIVE_KINDS.indexOf("script")).toBeGreaterThan(NATIVE_KINDS.indexOf("other"));
  });

  test("are counted by the analysis and told by the summary", async () => {
    const trace = await page(loads);
    const [stats] = analyze(trace).native;
    expect(stats!.scripts).toEqual({ ok: 1, error: 1, aborted: 0, cancelled: 0, pending: 0 });
    expect(stats!.modules).toEqual({ ok: 1, error: 0, aborted: 0, cancelled: 0, pending: 0 });
    expect(stats!.workers).toEqual({ started: 2, running: 1, toWorkers: 2, fromWorkers: 4 });
    // A request counts as queued from a millisecond of waiting.
    expect([stats!.queuedRequests, stats!.longestQueue]).toEqual([1, 250]);
    expect(stats!.requests.ok).toBe(2);
    const summary = formatSummary(trace, analyze(trace), noPaint);
    expect(summary).toMatch(/^Requests +2: 2 ok; 1 queued for a connection \(longest 250 ms\)/m);
    expect(summary).toMatch(/^Scripts +2: 1 ok · 1 failed$/m);
    expect(summary).toMatch(/^Modules +1: 1 ok$/m);
    expect(summary).toMatch(/^Workers +2 workers \(1 still running\): 2 messages to them, 4 from them$/m);
  });

  test("a running worker is not activity for --until-idle; its messages are instants", () => {
    const recorder = deterministicRecorder();
    const activity = new PageActivity();
    const worker = recorder.nativeStart("worker", `${ORIGIN}/w.js`);
    const message = recorder.nativeStart("workerMessage", "message ← worker", { parent: worker });
    recorder.nativeEnd(message, "ok");
    activity.feed(recorder.takeBatch());
    expect(activity.nativeInFlight).toBe(0);
  });
});
