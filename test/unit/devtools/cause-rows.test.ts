/**
 * The timeline's rows for native work: a tree by cause, repeating series folded into one row
 * with a count, unfolded by their toggle, and revealing a member unfolds what hides it.
 */
import { describe, expect, test } from "vitest";
import { buildTimelineModel, keyOfNode, nodeName, type TimelineModel } from "../../../src/devtools/timeline/model.ts";
import { buildRows, collapsedAncestors, isFolded, matchFilter, type RowList } from "../../../src/devtools/timeline/rows.ts";
import { TRACE_FORMAT, TRACE_VERSION, type NativeKind, type NativeOpRecord, type Trace } from "../../../src/trace/model.ts";

let nextId = 1;
function op(kind: NativeKind, label: string, start: number, cause: NativeOpRecord | null, extra: Partial<NativeOpRecord> = {}): NativeOpRecord {
  return {
    id: nextId++, source: 0, kind, label, start, end: start + 1, outcome: "ok", task: null, parent: null,
    cause: cause?.id ?? null, detail: null, ticks: [], ...extra,
  };
}

function traceOf(nativeOps: NativeOpRecord[]): Trace {
  return {
    format: TRACE_FORMAT, version: TRACE_VERSION,
    metadata: { url: "http://app.test/", title: null, userAgent: null, timeOrigin: 0, recorderVersion: "1.0.0", clock: "host" },
    sources: [{ id: 0, label: "top", url: "http://app.test/", frameId: 0, timeOrigin: 0, droppedEvents: 0 }],
    end: 1000, droppedEvents: 0, tasks: [], steps: [], awaits: [], cancellations: [], timeouts: [], resources: [], resourceOps: [],
    nativeOps: nativeOps.sort((a, b) => a.start - b.start), markers: [],
  };
}

/** Each row as "indent name", two spaces a level. */
function shown(model: TimelineModel, rows: RowList): string[] {
  return [...rows.nodes].map((node, row) => {
    const count = rows.seriesCount[row]!;
    return `${"  ".repeat(model.depth[node]!)}${nodeName(model, node)}${count > 1 ? ` ×${count}` : ""}`;
  });
}

/** A click whose fetch's .then sets a timer that fetches; a second click that starts a loop of four frames and an interval with three callback runs. */
function causes(): Trace {
  nextId = 1;
  const click = op("event", "click on button#go", 1, null);
  const first = op("fetch", "GET http://app.test/a", 2, click);
  const timer = op("setTimeout", "setTimeout(30)", 10, first);
  const second = op("fetch", "GET http://app.test/b", 41, timer);
  const more = op("event", "click on button#more", 100, null);
  const frames: NativeOpRecord[] = [];
  for (let k = 0; k < 4; k++) frames.push(op("requestAnimationFrame", "requestAnimationFrame", 101 + 16 * k, k === 0 ? more : frames[k - 1]!, { detail: '{"site":"loop (http://app.test/main.js:3:5)"}' }));
  const interval = op("setInterval", "setInterval(15)", 102, more);
  const runs = [0, 1, 2].map((k) => op("other", "setInterval callback", 117 + 15 * k, interval, { parent: interval.id }));
  return traceOf([click, first, timer, second, more, ...frames, interval, ...runs]);
}

describe("native rows by cause", () => {
  test("every operation sits under its cause; a loop's frames are one folded series beside each other", () => {
    const model = buildTimelineModel(causes());
    const rows = buildRows(model, new Set(), null);
    expect(shown(model, rows)).toEqual([
      "click on button#go",
      "  fetch GET /a",
      "    setTimeout(30)",
      "      fetch GET /b",
      "click on button#more",
      "  requestAnimationFrame ×4",
      "  setInterval(15)",
      "    setInterval callback ×3",
    ]);
    // The folded row stands for every member: each maps to it.
    const frames = model.trace.nativeOps.flatMap((o, k) => (o.kind === "requestAnimationFrame" ? [model.taskCount + k] : []));
    expect(new Set(frames.map((node) => rows.rowOf[node]))).toEqual(new Set([5]));
  });

  test("a series' toggle unfolds it (and folds it again); a collapsed cause hides what it caused", () => {
    const model = buildTimelineModel(causes());
    const head = model.taskCount + model.trace.nativeOps.findIndex((o) => o.kind === "requestAnimationFrame");
    expect(isFolded(model, new Set(), head)).toBe(true);
    const unfolded = buildRows(model, new Set([head]), null);
    // Unfolded, the members take their places among their siblings, in start order.
    expect(shown(model, unfolded).slice(4)).toEqual([
      "click on button#more",
      "  requestAnimationFrame",
      "  setInterval(15)",
      "    setInterval callback ×3",
      "  requestAnimationFrame",
      "  requestAnimationFrame",
      "  requestAnimationFrame",
    ]);
    const click = model.taskCount + model.trace.nativeOps.findIndex((o) => o.label === "click on button#go");
    expect(shown(model, buildRows(model, new Set([click]), null)).slice(0, 2)).toEqual(["click on button#go", "click on button#more"]);
  });

  test("under a filter nothing is folded: every match has its row", () => {
    const model = buildTimelineModel(causes());
    const rows = buildRows(model, new Set(), matchFilter(model, "requestAnimationFrame"));
    expect(shown(model, rows)).toEqual([
      "click on button#more", "  requestAnimationFrame", "  requestAnimationFrame", "  requestAnimationFrame", "  requestAnimationFrame",
    ]);
  });

  test("revealing an operation unfolds the series it is in and the causes that hide it", () => {
    const model = buildTimelineModel(causes());
    const third = model.taskCount + model.trace.nativeOps.findIndex((o, k, all) => o.kind === "requestAnimationFrame" && all.slice(0, k).filter((x) => x.kind === "requestAnimationFrame").length === 2);
    const more = model.taskCount + model.trace.nativeOps.findIndex((o) => o.label === "click on button#more");
    const head = model.seriesHead[third]!;
    const collapsed = new Set([more]);
    const toToggle = collapsedAncestors(model, collapsed, third);
    expect(new Set(toToggle)).toEqual(new Set([more, head]));
    // Toggling each (as the panel does) gives the member a row of its own.
    const next = new Set(collapsed);
    for (const node of toToggle) if (!next.delete(node)) next.add(node);
    const rows = buildRows(model, next, null);
    expect(rows.rowOf[third]).toBeGreaterThan(rows.rowOf[head]!);
    expect(keyOfNode(model, third)).toBeLessThan(0);
  });

  test("operations of different sites, labels or causes are not one series", () => {
    nextId = 1;
    const root = op("event", "click on button#go", 1, null);
    const a = op("setTimeout", "setTimeout(5)", 2, root, { detail: '{"site":"a (http://app.test/main.js:1:1)"}' });
    const b = op("setTimeout", "setTimeout(5)", 3, root, { detail: '{"site":"b (http://app.test/main.js:9:1)"}' });
    const c = op("setTimeout", "setTimeout(6)", 4, root, { detail: '{"site":"a (http://app.test/main.js:1:1)"}' });
    const model = buildTimelineModel(traceOf([root, a, b, c]));
    expect(shown(model, buildRows(model, new Set(), null))).toEqual(["click on button#go", "  setTimeout(5)", "  setTimeout(5)", "  setTimeout(6)"]);
  });

  test("what a worker's reply caused sits under the worker, as the reply has no row of its own", () => {
    nextId = 1;
    const worker = op("worker", "http://app.test/worker.js", 1, null, { end: 50 });
    const sent = op("workerMessage", "postMessage → worker", 2, null, { parent: worker.id });
    const reply = op("workerMessage", "message ← worker", 5, null, { parent: worker.id });
    const fetched = op("fetch", "GET http://app.test/a", 6, reply);
    const queued = op("requestQueue", "queued", 6, null, { parent: fetched.id });
    const later = op("setTimeout", "setTimeout(5)", 7, queued);
    const model = buildTimelineModel(traceOf([worker, sent, reply, fetched, queued, later]));
    expect(shown(model, buildRows(model, new Set(), null))).toEqual(["worker /worker.js", "  fetch GET /a", "    setTimeout(5)"]);
  });
});
