/**
 * What a page has in flight, as its agent counts it off the batches it ships (the answer to
 * `--until-idle`'s query): pending runtime tasks and native operations, repeating ones aside.
 */
import { describe, expect, test } from "vitest";
import { addInstrument, createTask, removeInstrument, run, sleep } from "../../../src/runtime/index.ts";
import { PageActivity } from "../../../src/content/page-activity.ts";
import { deterministicRecorder } from "../trace/helpers.ts";

describe("PageActivity", () => {
  test("a fetch and a one-shot timer are in flight until they end; an interval and an animation loop never count", () => {
    const recorder = deterministicRecorder();
    const activity = new PageActivity();
    const request = recorder.nativeStart("fetch", "GET /a");
    const timer = recorder.nativeStart("setTimeout", "setTimeout(5)");
    recorder.nativeStart("setInterval", "setInterval(100)");
    recorder.nativeStart("requestAnimationFrame", "requestAnimationFrame loop");
    activity.feed(recorder.takeBatch());
    expect(activity.nativeInFlight).toBe(2);
    recorder.nativeEnd(request, "ok");
    activity.feed(recorder.takeBatch());
    expect(activity.nativeInFlight).toBe(1);
    recorder.nativeEnd(timer, "ok");
    activity.feed(recorder.takeBatch());
    expect(activity.nativeInFlight).toBe(0);
    expect(activity.recorded).toBe(6);
  });

  test("runtime tasks count from their spawn to their exit", async () => {
    const recorder = deterministicRecorder();
    const activity = new PageActivity();
    const seen: number[] = [];
    addInstrument(recorder);
    try {
      await run(function* main() {
        const child = createTask(sleep(10), { name: "child" });
        yield* sleep(1);
        activity.feed(recorder.takeBatch());
        seen.push(activity.pendingTasks);
        yield* child;
        yield* sleep(0);
        activity.feed(recorder.takeBatch());
        seen.push(activity.pendingTasks);
      }, { clock: "virtual", name: "main" });
    } finally {
      removeInstrument(recorder);
    }
    activity.feed(recorder.takeBatch());
    seen.push(activity.pendingTasks);
    // main and child; then main alone; then none.
    expect(seen).toEqual([2, 1, 0]);
  });

  test("reset forgets a previous stream's work", () => {
    const recorder = deterministicRecorder();
    const activity = new PageActivity();
    recorder.nativeStart("fetch", "GET /never-ends");
    activity.feed(recorder.takeBatch());
    activity.reset();
    expect([activity.nativeInFlight, activity.pendingTasks, activity.recorded]).toEqual([0, 0, 0]);
  });
});
