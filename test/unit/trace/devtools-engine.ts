/**
 * Reading our Chrome export the way the Performance panel does: with DevTools' own trace
 * engine (`@paulirish/trace_engine`, the engine Lighthouse ships). `readWithDevTools` parses
 * the file's events and returns what the panel would draw from them; `checkChromeExport`
 * asserts everything the panel and Perfetto need of a trace of ours.
 */
import * as TraceEngine from "@paulirish/trace_engine";
import { polyfillDOMRect } from "@paulirish/trace_engine/analyze-trace.mjs";
import { expect } from "vitest";
import { localIdOf, type Trace } from "../../../src/trace/index.ts";

polyfillDOMRect();

export interface ChromeEvent {
  readonly ph: string;
  readonly cat?: string;
  readonly name?: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly id?: string | number;
  readonly args?: Record<string, unknown>;
}

export interface DevToolsView {
  readonly generic: boolean;
  /** Track group → track → entries as [name, start µs, duration µs]. */
  readonly groups: Map<string, Map<string, [string, number, number][]>>;
  /** Each flow as the (task id) of the step it starts at and of the step it ends at. */
  readonly flows: [number, number][];
}

export async function readWithDevTools(events: readonly ChromeEvent[]): Promise<DevToolsView> {
  const model = TraceEngine.TraceModel.Model.createWithAllHandlers();
  // The engine may annotate events: give it copies.
  await model.parse(structuredClone(events) as unknown as TraceEngine.Types.Events.Event[]);
  const parsed = model.parsedTrace(0);
  if (parsed === null) throw new Error("the engine produced no parsed trace");
  const data = parsed.data;
  const groups = new Map<string, Map<string, [string, number, number][]>>();
  for (const group of data.ExtensionTraceData.extensionTrackData) {
    const tracks = new Map<string, [string, number, number][]>();
    for (const [track, entries] of Object.entries(group.entriesByTrack)) {
      tracks.set(track, entries.map((entry) => [entry.name, entry.ts, entry.dur ?? 0]));
    }
    groups.set(group.name, tracks);
  }
  const taskOf = (event: TraceEngine.Types.Events.Event): number => Number((event.args as { task?: unknown }).task);
  const flows = data.Flows.flows.map((flow): [number, number] => [taskOf(flow[0]!), taskOf(flow.at(-1)!)]);
  return { generic: data.Meta.traceIsGeneric, groups, flows };
}

const PHASES = new Set(["M", "b", "e", "X", "I", "C", "s", "f"]);

/**
 * What every exported file must be: complete events in time order, no zero-length or
 * overlapping slices per thread, and, read by DevTools' engine, a recording (not generic) with
 * one track per task in "aioscope tasks" holding its lifetime and its awaits, one track per
 * native kind in "aioscope native", and an arrow for every spawn or wake-up between steps.
 */
export async function checkChromeExport(trace: Trace, text: string): Promise<DevToolsView> {
  const events = (JSON.parse(text) as { traceEvents: ChromeEvent[] }).traceEvents;
  let lastTs = -Infinity;
  const sliceEnd = new Map<number, number>();
  for (const [k, event] of events.entries()) {
    const where = `event ${k} (${JSON.stringify(event).slice(0, 160)})`;
    expect(PHASES.has(event.ph), where).toBe(true);
    expect(typeof event.name === "string" && event.name !== "", where).toBe(true);
    expect(typeof event.cat === "string" && event.cat !== "", where).toBe(true);
    expect(event.ts, where).toBeGreaterThanOrEqual(lastTs);
    lastTs = event.ts;
    if (event.ph === "X") {
      expect(event.dur, where).toBeGreaterThan(0);
      expect(Number.isInteger(event.dur), where).toBe(true);
      // Slices of a thread never overlap (steps of an event loop), so they nest.
      expect(event.ts, where).toBeGreaterThanOrEqual(sliceEnd.get(event.tid) ?? 0);
      sliceEnd.set(event.tid, event.ts + event.dur!);
    }
  }

  const view = await readWithDevTools(events);
  expect(view.generic).toBe(false);
  const tasks = view.groups.get("aioscope tasks") ?? new Map<string, [string, number, number][]>();
  expect(tasks.size).toBe(trace.tasks.length);
  for (const task of trace.tasks) {
    const track = [...tasks.entries()].find(([name]) => name.startsWith(`${task.name} #${localIdOf(task.id)}`));
    expect(track, `the track of task ${task.name} #${task.id}`).toBeDefined();
    const entries = track![1];
    const awaits = trace.awaits.filter((a) => a.task === task.id);
    expect(entries.length).toBe(1 + awaits.length);
    // The lifetime comes first and holds every await.
    const [name, start, duration] = entries[0]!;
    expect(name).toBe(task.name);
    expect(start).toBe(Math.round(task.created * 1000));
    expect(start + duration).toBe(Math.round((task.end ?? trace.end) * 1000));
    for (const [, awaitStart, awaitDuration] of entries.slice(1)) {
      expect(awaitStart).toBeGreaterThanOrEqual(start);
      expect(awaitStart + awaitDuration).toBeLessThanOrEqual(start + duration);
    }
    expect(entries.slice(1).map(([label]) => label)).toEqual(awaits.map((a) => a.label));
  }
  const native = view.groups.get("aioscope native");
  expect(native === undefined ? 0 : [...native.values()].reduce((n, entries) => n + entries.length, 0)).toBe(trace.nativeOps.length);
  expect(native === undefined ? [] : [...native.keys()].sort()).toEqual([...new Set(trace.nativeOps.map((n) => n.kind))].sort());

  // Every flow goes from a step of the waker to the step it woke.
  const wakeUps = new Set(trace.steps.filter((s) => s.waker !== null).map((s) => `${s.waker}→${s.task}`));
  for (const [from, to] of view.flows) expect(wakeUps.has(`${from}→${to}`), `flow ${from}→${to}`).toBe(true);
  // …and there is one for every wake-up by a task that had run before it.
  const caused = trace.steps.filter((s) => s.waker !== null && s.ready !== null && trace.steps.some(
    (w) => w !== s && w.task === s.waker && w.start <= s.ready!,
  ));
  expect(view.flows.length).toBe(caused.length);
  return view;
}
