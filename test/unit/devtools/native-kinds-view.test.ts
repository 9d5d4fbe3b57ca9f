/**
 * The panel's view of the new native kinds, without a browser: a worker's messages and a
 * request's queueing are drawn on their parent's row (no rows of their own), the queued part of
 * a request is drawn lighter before the part in flight, and the filter by kind keeps only the
 * kinds shown — in the rows and in the overview's curve.
 */
import { describe, expect, test } from "vitest";
import type { Recorder } from "../../../src/trace/index.ts";
import { buildTimelineModel } from "../../../src/devtools/timeline/model.ts";
import { buildRows } from "../../../src/devtools/timeline/rows.ts";
import { drawRows, type RowsFrame } from "../../../src/devtools/timeline/draw-rows.ts";
import { overviewCurve } from "../../../src/devtools/timeline/draw-overview.ts";
import { paletteFor } from "../../../src/devtools/timeline/palette.ts";
import { TimeScale } from "../../../src/devtools/timeline/viewport.ts";
import { bothMasks, kindMask, kindsPresent, rowKindOf } from "../../../src/devtools/timeline/kind-filter.ts";
import { messageCounts, queuedUntil } from "../../../src/devtools/timeline/native-parts.ts";
import { record } from "../trace/helpers.ts";

/** A page that loads a script, runs a worker with a message each way, and makes a request that waited 40 ms. */
function session() {
  return record(async (recorder: Recorder) => {
    const script = recorder.nativeStart("script", "https://app.example/main.js", { at: 0, task: 0 });
    recorder.nativeEnd(script, "ok", { at: 5 });
    const worker = recorder.nativeStart("worker", "https://app.example/worker.js", { at: 10, task: 0 });
    for (const [at, label] of [[12, "postMessage → worker"], [15, "message ← worker"]] as const) {
      const message = recorder.nativeStart("workerMessage", label, { at, task: 0, parent: worker });
      recorder.nativeEnd(message, "ok", { at });
    }
    recorder.nativeEnd(worker, "ok", { at: 20, detail: JSON.stringify({ terminated: true, sent: 1, received: 1 }) });
    const fetch = recorder.nativeStart("fetch", "GET https://app.example/data", { at: 30, task: 0 });
    recorder.nativeEnd(fetch, "ok", { at: 100 });
    const queue = recorder.nativeStart("requestQueue", "queued", { at: 30, task: 0, parent: fetch });
    recorder.nativeEnd(queue, "ok", { at: 70, detail: JSON.stringify({ queued: 40, waiting: 25, download: 5 }) });
    recorder.mark("recordingStop");
  });
}

/** A 2D context that records the rectangles filled, with the fill colour and alpha of each. */
function recordingContext(): { ctx: CanvasRenderingContext2D; fills: { x: number; w: number; y: number; h: number; color: string; alpha: number }[] } {
  const fills: { x: number; w: number; y: number; h: number; color: string; alpha: number }[] = [];
  const state = { fillStyle: "", globalAlpha: 1, strokeStyle: "", lineWidth: 1 };
  const ctx = new Proxy(state, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target];
      if (key === "fillRect") return (x: number, y: number, w: number, h: number) => fills.push({ x, y, w, h, color: target.fillStyle, alpha: target.globalAlpha });
      return () => undefined;
    },
    set(target, key, value) {
      (target as Record<string, unknown>)[key as string] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
  return { ctx, fills };
}

describe("the new native kinds in the panel", () => {
  test("messages and queueing are parts of their parent's row, not rows of their own", async () => {
    const model = buildTimelineModel(await session());
    const rows = buildRows(model, new Set(), null);
    const kinds = [...rows.nodes].map((node) => model.trace.nativeOps[node - model.taskCount]!.kind);
    expect(kinds).toEqual(["script", "worker", "fetch"]);
    const worker = model.trace.nativeOps.find((op) => op.kind === "worker")!;
    const fetch = model.trace.nativeOps.find((op) => op.kind === "fetch")!;
    expect(messageCounts(model, worker)).toEqual({ toWorker: 1, fromWorker: 1 });
    expect(queuedUntil(model, fetch)).toBe(70);
    expect(queuedUntil(model, worker)).toBeNull();
  });

  test("a queued request is drawn lighter until it was sent, then in flight", async () => {
    const model = buildTimelineModel(await session());
    const rows = buildRows(model, new Set(), null);
    const { ctx, fills } = recordingContext();
    const palette = paletteFor("light");
    const frame: RowsFrame = { ctx, model, rows, scale: new TimeScale({ start: 0, end: 100 }, 100, 1000), palette, top: 0, bottom: 500, scrollTop: 0, right: 1100 };
    drawRows(frame, -1, -1);
    const request = fills.filter((f) => f.color === palette.native.request);
    expect(request).toHaveLength(2);
    const [queued, inFlight] = request as [typeof request[0], typeof request[0]];
    // 30 → 70 ms lighter, 70 → 100 ms in flight, end to end.
    expect([queued.x, queued.x + queued.w, inFlight.x, inFlight.x + inFlight.w]).toEqual([400, 800, 800, 1100]);
    expect(queued.alpha).toBeLessThan(inFlight.alpha);
    // The worker's two messages: one mark above its bar, one below.
    const marks = fills.filter((f) => f.color === palette.native.worker && f.w < 3);
    expect(marks).toHaveLength(2);
    expect(marks[0]!.y).toBeLessThan(marks[1]!.y);
  });

  test("the filter by kind keeps the kinds shown, in the rows and in the overview", async () => {
    const model = buildTimelineModel(await session());
    expect(kindsPresent(model)).toEqual(["request", "script", "worker"]);
    expect(kindMask(model, new Set(["timer"]))).toBeNull();
    const shown = kindMask(model, new Set(["request"]))!;
    const rows = buildRows(model, new Set(), shown);
    expect([...rows.nodes].map((node) => rowKindOf(model, node))).toEqual(["script", "worker"]);
    // Both filters at once: a node must pass each.
    expect(bothMasks(Uint8Array.from([1, 1, 0]), Uint8Array.from([0, 1, 1]))).toEqual(Uint8Array.from([0, 1, 0]));
    const all = overviewCurve(model, 100);
    const filtered = overviewCurve(model, 100, shown);
    // The request (30–100 ms) is in flight at 50 ms only while requests are shown.
    expect(all.alive[50]).toBe(1);
    expect(filtered.alive[50]).toBe(0);
    expect(filtered.alive[15]).toBe(1);
  });
});
