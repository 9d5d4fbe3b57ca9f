/**
 * The cause plumbing of native instrumentation, without a browser: frames set by a timer's
 * callback, an event's dispatch (Node's own EventTarget and Event), a promise continuation and
 * a runtime task's step, each read back from the trace the recorder's batches make.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Cause, enter, forgetCauses, leave } from "../../../src/content/native/causes.ts";
import { thenPatch } from "../../../src/content/native/continuations.ts";
import { fireAndRun, promiseOps, setSink, startOp, taskTracker, type Sink } from "../../../src/content/native/sink.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";
import type { NativeOpRecord, Trace } from "../../../src/trace/model.ts";
import { deterministicRecorder } from "../trace/helpers.ts";

function newSink(): Sink {
  const sink: Sink = { recorder: deterministicRecorder(), sites: false };
  setSink(sink);
  return sink;
}

function traceOf(sink: Sink): Trace {
  const builder = new SessionBuilder();
  builder.append(sink.recorder.takeBatch());
  return builder.trace();
}

const byLabel = (trace: Trace, label: string): NativeOpRecord => {
  const op = trace.nativeOps.find((o) => o.label === label);
  if (op === undefined) throw new Error(`no operation ${label} in ${trace.nativeOps.map((o) => o.label).join(", ")}`);
  return op;
};

afterEach(() => {
  setSink(null);
  forgetCauses();
  taskTracker.running = 0;
});

describe("causes of native operations", () => {
  test("what a timer's callback starts is caused by the timer; outside it, by nothing", () => {
    const sink = newSink();
    const timer = startOp(sink, "setTimeout", "setTimeout(10)", null);
    fireAndRun(timer, false, "setTimeout callback", () => startOp(sink, "fetch", "GET /inside", null), undefined, []);
    startOp(sink, "fetch", "GET /after", null);
    const trace = traceOf(sink);
    expect(byLabel(trace, "GET /inside").cause).toBe(byLabel(trace, "setTimeout(10)").id);
    expect(byLabel(trace, "GET /after").cause).toBeNull();
    expect(byLabel(trace, "setTimeout(10)").cause).toBeNull();
  });

  test("a dispatch is recorded only once it causes something, from its start, and ends when it is seen over", () => {
    const sink = newSink();
    const target = new EventTarget();
    const startedAt = sink.recorder.now();
    let quiet: Cause | null = null;
    target.addEventListener("quiet", (event) => {
      quiet = new Cause(sink, 0, 0, event, "quiet on div", startedAt, null, null);
      enter(quiet);
    });
    target.dispatchEvent(new Event("quiet"));
    target.addEventListener("click", (event) => {
      enter(new Cause(sink, 0, 0, event, "click on button#go", startedAt, null, null));
      startOp(sink, "fetch", "GET /a", null);
      startOp(sink, "setTimeout", "setTimeout(5)", null);
    });
    target.dispatchEvent(new Event("click"));
    // The dispatch is over: the next operation has no cause, and the click's span is closed.
    startOp(sink, "fetch", "GET /later", null);
    const trace = traceOf(sink);
    expect(trace.nativeOps.map((op) => op.label)).not.toContain("quiet on div");
    expect(quiet).not.toBeNull();
    const click = byLabel(trace, "click on button#go");
    expect(click.kind).toBe("event");
    expect(click.start).toBe(startedAt);
    expect(click.end).not.toBeNull();
    // Its end was not seen (a dispatch Node's EventTarget ran): it ends at the last operation it started.
    expect(click.end!).toBeGreaterThan(byLabel(trace, "GET /a").start);
    expect(click.end!).toBeLessThanOrEqual(byLabel(trace, "GET /later").start);
    expect(byLabel(trace, "GET /a").cause).toBe(click.id);
    expect(byLabel(trace, "setTimeout(5)").cause).toBe(click.id);
    expect(byLabel(trace, "GET /later").cause).toBeNull();
  });

  test("a dispatch inside a timer's callback is caused by the timer; after it, the timer is the cause again", () => {
    const sink = newSink();
    const timer = startOp(sink, "setTimeout", "setTimeout(1)", null);
    const target = new EventTarget();
    // (One listener: Node's EventTarget reports eventPhase NONE from its second listener on.)
    target.addEventListener("focus", (event) => {
      // The frame a dispatch starts under is the one running then (listeners.ts passes it as `outer`).
      enter(new Cause(sink, 0, 0, event, "focus on input", sink.recorder.now(), timer.asCause(), null));
      startOp(sink, "fetch", "GET /in-focus", null);
    });
    fireAndRun(timer, false, "setTimeout callback", () => {
      target.dispatchEvent(new Event("focus"));
      startOp(sink, "fetch", "GET /after-focus", null);
    }, undefined, []);
    const trace = traceOf(sink);
    expect(byLabel(trace, "GET /in-focus").cause).toBe(byLabel(trace, "focus on input").id);
    expect(byLabel(trace, "focus on input").cause).toBe(byLabel(trace, "setTimeout(1)").id);
    expect(byLabel(trace, "GET /after-focus").cause).toBe(byLabel(trace, "setTimeout(1)").id);
  });

  test("while a runtime task's step runs, the task is the cause", () => {
    const sink = newSink();
    const timer = startOp(sink, "setTimeout", "setTimeout(2)", null);
    fireAndRun(timer, false, "setTimeout callback", () => {
      taskTracker.running = 7;
      startOp(sink, "fetch", "GET /in-task", null);
      taskTracker.running = 0;
    }, undefined, []);
    const trace = traceOf(sink);
    const op = byLabel(trace, "GET /in-task");
    expect([op.cause, op.task]).toEqual([null, 7]);
  });

  test("continuations: a fetch's .then (and what derives from it) is caused by the fetch; others by where they were registered", async () => {
    const sink = newSink();
    const fetchOp = startOp(sink, "fetch", "GET /first", null);
    const response = Promise.resolve("body");
    promiseOps.set(response, fetchOp);
    const timer = startOp(sink, "setTimeout", "setTimeout(3)", null);
    thenPatch!.install();
    let done: Promise<unknown>;
    try {
      done = Promise.all([
        response.then((text) => text).then(() => startOp(sink, "setTimeout", "setTimeout(30)", null)),
        // Registered in the timer's callback, run after it returned: still caused by the timer.
        new Promise((resolve) => {
          fireAndRun(timer, false, "setTimeout callback", () => {
            Promise.resolve().then(() => resolve(startOp(sink, "fetch", "GET /from-timer", null)));
          }, undefined, []);
        }),
      ]);
      expect(Promise.prototype.then).toBe(thenPatch!.wrapper);
    } finally {
      thenPatch!.uninstall();
    }
    expect(Promise.prototype.then).toBe(thenPatch!.original);
    await done;
    const trace = traceOf(sink);
    expect(byLabel(trace, "setTimeout(30)").cause).toBe(byLabel(trace, "GET /first").id);
    expect(byLabel(trace, "GET /from-timer").cause).toBe(byLabel(trace, "setTimeout(3)").id);
  });

  test("a continuation registered in a dispatch keeps the dispatch as its cause after the dispatch is over", async () => {
    const sink = newSink();
    const target = new EventTarget();
    let later: Promise<unknown> | undefined;
    thenPatch!.install();
    try {
      target.addEventListener("submit", (event) => {
        enter(new Cause(sink, 0, 0, event, "submit on form", sink.recorder.now(), null, null));
        later = Promise.resolve().then(() => startOp(sink, "fetch", "POST /save", null));
      });
      target.dispatchEvent(new Event("submit"));
    } finally {
      thenPatch!.uninstall();
    }
    await later;
    const trace = traceOf(sink);
    expect(byLabel(trace, "POST /save").cause).toBe(byLabel(trace, "submit on form").id);
  });

  test("a frame of an earlier recording is no cause in a new one", () => {
    const first = newSink();
    const timer = startOp(first, "setTimeout", "setTimeout(4)", null);
    const saved = enter(timer.asCause());
    const second = newSink();
    startOp(second, "fetch", "GET /new-recording", null);
    leave(saved);
    expect(byLabel(traceOf(second), "GET /new-recording").cause).toBeNull();
  });
});
