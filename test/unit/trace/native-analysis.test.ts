/**
 * The analysis of a page's own work, for pages with no runtime task: main-thread blocking
 * from long tasks and long animation frames, requests and timers by outcome, and a warning
 * for a long task that blocked the loop.
 */
import { describe, expect, test } from "vitest";
import { analyze, type Recorder, type Trace } from "../../../src/trace/index.ts";
import { formatSummary } from "../../../src/cli/summary.ts";
import { record } from "./helpers.ts";

const noPaint = (_style: string, text: string): string => text;

/** A page without runtime tasks: `body` reports native operations at fixed times. */
function page(body: (recorder: Recorder) => void): ReturnType<typeof record> {
  return record(async (recorder) => {
    body(recorder);
    recorder.mark("recordingStop");
  });
}

function longTask(recorder: Recorder, start: number, end: number, kind: "longTask" | "longAnimationFrame" = "longTask", detail?: string): void {
  const id = recorder.nativeStart(kind, kind === "longTask" ? "long task" : "long animation frame", { at: start, task: 0 });
  recorder.nativeEnd(id, "ok", { at: end, ...(detail === undefined ? {} : { detail }) });
}

describe("native analysis", () => {
  test("a 120 ms long task is a warning, with the script the browser named; a 60 ms one is not", async () => {
    const trace = await page((recorder) => {
      longTask(recorder, 10, 70);
      longTask(recorder, 200, 320);
      longTask(recorder, 200, 321, "longAnimationFrame", JSON.stringify({ duration: 121, scripts: ["event-listener BUTTON#go.onclick · https://app/main.js:120 · 118 ms"] }));
    });
    const analysis = analyze(trace);
    const long = analysis.warnings.filter((w) => w.kind === "longTask");
    expect(long).toHaveLength(1);
    expect(long[0]).toMatchObject({ kind: "longTask", start: 200, duration: 121 });
    expect(long[0]!.message).toContain("blocked for 121 ms");
    expect(long[0]!.message).toContain("BUTTON#go.onclick");
    // The long task and the frame that reported the same blocking are one span, not two.
    expect(analysis.native[0]!.blockedSpans.map((span) => [span.start, span.end])).toEqual([[10, 70], [200, 321]]);
    expect(analysis.native[0]!.blocked).toBe(60 + 121);
  });

  test("requests and timers are counted by outcome, with the slowest request", async () => {
    const trace = await page((recorder) => {
      const ok = recorder.nativeStart("fetch", "GET /a", { at: 0, task: 0 });
      recorder.nativeEnd(ok, "ok", { at: 30 });
      const failed = recorder.nativeStart("xhr", "POST /b", { at: 5, task: 0 });
      recorder.nativeEnd(failed, "error", { at: 95 });
      recorder.nativeStart("fetch", "GET /stream", { at: 40, task: 0 });
      const fired = recorder.nativeStart("setTimeout", "setTimeout(10)", { at: 1, task: 0 });
      recorder.nativeEnd(fired, "ok", { at: 11 });
      const cleared = recorder.nativeStart("setTimeout", "setTimeout(500)", { at: 2, task: 0 });
      recorder.nativeEnd(cleared, "cancelled", { at: 50 });
    });
    const [stats] = analyze(trace).native;
    expect(stats!.requests).toEqual({ ok: 1, error: 1, aborted: 0, cancelled: 0, pending: 1 });
    expect(stats!.timers).toEqual({ ok: 1, error: 0, aborted: 0, cancelled: 1, pending: 0 });
    expect(stats!.slowestRequest).toMatchObject({ name: "xhr POST /b", duration: 90 });
  });

  test("the summary of a page with no tasks tells of its long tasks and requests, not of an idle loop", async () => {
    const trace = await page((recorder) => {
      longTask(recorder, 100, 266);
      const ok = recorder.nativeStart("fetch", "GET /a", { at: 0, task: 0 });
      recorder.nativeEnd(ok, "ok", { at: 30 });
    });
    const text = formatSummary(trace, analyze(trace), noPaint);
    expect(text).not.toContain("Event loop");
    expect(text).toMatch(/Main thread {2}blocked 166 ms \(\d+(\.\d)?%\) in 1 long task; longest 166 ms at 100 ms/);
    expect(text).toMatch(/Requests {5}1: 1 ok/);
    expect(text).toMatch(/Warnings \(1\)\n {2}! the main thread was blocked for 166 ms/);
  });

  test("a slow task step inside a long task is warned about once, with its task's name", async () => {
    const recorded = await page((recorder) => longTask(recorder, 0, 160));
    const trace: Trace = {
      ...recorded,
      tasks: [{
        id: 1, source: 0, name: "busy", parent: null, kind: "coroutine", created: 0, end: 155, site: null,
        outcome: "done", error: null, errorRetrieved: null, preexisting: false, ready: null,
      }],
      steps: [{ task: 1, start: 2, end: 155, ready: 0, wake: "spawn", waker: null }],
    };
    const warnings = analyze(trace).warnings;
    expect(warnings.map((w) => w.kind)).toEqual(["slowStep"]);
    expect(warnings[0]!.message).toContain("a step of busy blocked the event loop");
  });

  test("a long task made mostly of a 90 ms task step names that task, and the blocked-loop insight points at it", async () => {
    const recorded = await page((recorder) => longTask(recorder, 0, 120));
    const task = (id: number, name: string) => ({
      id, source: 0, name, parent: null, kind: "coroutine" as const, created: 0, end: 110, site: null,
      outcome: "done" as const, error: null, errorRetrieved: null, preexisting: false, ready: null,
    });
    const trace: Trace = {
      ...recorded,
      tasks: [task(1, "crunch"), task(2, "ticker")],
      steps: [
        { task: 2, start: 1, end: 3, ready: 0, wake: "spawn", waker: null },
        { task: 1, start: 5, end: 95, ready: 0, wake: "spawn", waker: null },
        { task: 2, start: 96, end: 98, ready: 3, wake: "timer", waker: null },
      ],
    };
    const analysis = analyze(trace);
    expect(analysis.warnings.map((w) => w.kind)).toEqual(["longTask"]);
    const [long] = analysis.warnings;
    expect(long).toMatchObject({ kind: "longTask", tasks: [1] });
    expect(long!.message).toContain("mostly a step of crunch (90 ms)");
    const blocked = analysis.insights.find((i) => i.kind === "blocked-loop");
    expect(blocked?.tasks).toEqual([1]);
    expect(blocked?.title).toContain("by a step of crunch");
  });

  test("the longest chain of causes runs from the click to the last fetch; a frame loop is no chain", async () => {
    const trace = await page((recorder) => {
      const click = recorder.nativeStart("event", "click on button#go", { at: 10, task: 0 });
      recorder.nativeEnd(click, "ok", { at: 12 });
      const first = recorder.nativeStart("fetch", "GET /a", { at: 11, task: 0, cause: click });
      recorder.nativeEnd(first, "ok", { at: 60 });
      const timer = recorder.nativeStart("setTimeout", "setTimeout(30)", { at: 61, task: 0, cause: first });
      recorder.nativeEnd(timer, "ok", { at: 91 });
      const second = recorder.nativeStart("fetch", "GET /b", { at: 91, task: 0, cause: timer });
      recorder.nativeEnd(second, "ok", { at: 150 });
      // An animation loop as long as the session: each frame asked for in the one before.
      let frame = 0;
      for (let k = 0; k < 20; k++) {
        const next = recorder.nativeStart("requestAnimationFrame", "requestAnimationFrame", { at: k * 16, task: 0, ...(frame === 0 ? {} : { cause: frame }) });
        recorder.nativeEnd(next, "ok", { at: k * 16 + 16 });
        frame = next;
      }
    });
    const analysis = analyze(trace);
    const chains = analysis.native[0]!.longestChains;
    expect(chains[0]).toMatchObject({ names: ["click on button#go", "fetch GET /a", "setTimeout(30)", "fetch GET /b"], duration: 140 });
    expect(chains.every((chain) => !chain.names.includes("requestAnimationFrame"))).toBe(true);
    expect(formatSummary(trace, analysis, noPaint)).toContain("Cause chain  140 ms: click on button#go → fetch GET /a → setTimeout(30) → fetch GET /b");
  });
});
