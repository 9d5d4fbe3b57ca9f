/**
 * Concurrency over time (analysis/concurrency.ts) against a plain count: at each moment of the
 * axis, a series is the number of its intervals [start, end) that contain it. The programs
 * give real traces; the cases below add what a live session has at its edges (intervals
 * still open, zero-length steps, moments past the end, await kinds met only once).
 */
import { describe, expect, test } from "vitest";
import { concurrencySeries, concurrencySeriesBuild, type ConcurrencySeries } from "../../../src/trace/analysis/concurrency.ts";
import { inOneGo } from "../../../src/trace/analysis/pause.ts";
import type { Trace } from "../../../src/trace/index.ts";
import { PROGRAMS } from "./programs.ts";
import { seededRandom } from "./helpers.ts";

type Interval = readonly [number, number];

/** Each series' intervals, read straight from the records. */
function intervalsOf(trace: Trace): { fixed: Record<"alive" | "running" | "ready" | "waiting", Interval[]>; byKind: Map<string, Interval[]> } {
  const open = (end: number | null): number => end ?? Infinity;
  const byKind = new Map<string, Interval[]>();
  for (const a of trace.awaits) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), [a.start, open(a.end)]]);
  return {
    fixed: {
      alive: trace.tasks.map((t) => [t.created, open(t.end)]),
      running: trace.steps.map((s) => [s.start, open(s.end)]),
      ready: [
        ...trace.steps.filter((s) => s.ready !== null).map((s): Interval => [s.ready!, s.start]),
        ...trace.tasks.filter((t) => t.ready !== null).map((t): Interval => [t.ready!.time, Infinity]),
      ],
      waiting: trace.awaits.map((a) => [a.start, open(a.end)]),
    },
    byKind,
  };
}

/** The series as a person would count them, moment by moment (slow, plain). */
function plainSeries(trace: Trace): { time: number[]; counts: Record<string, number[]> } {
  const { fixed, byKind } = intervalsOf(trace);
  const moments = new Set<number>([0]);
  for (const set of Object.values(fixed)) {
    for (const [start, end] of set) for (const t of [start, end]) if (t <= trace.end) moments.add(t);
  }
  const time = [...moments].sort((a, b) => a - b);
  const count = (set: readonly Interval[]): number[] => time.map((t) => set.filter(([start, end]) => start <= t && !(end <= t)).length);
  const counts: Record<string, number[]> = {};
  for (const [name, set] of Object.entries(fixed)) counts[name] = count(set);
  for (const kind of [...byKind.keys()].sort()) counts[`kind ${kind}`] = count(byKind.get(kind)!);
  return { time, counts };
}

function asPlain(series: ConcurrencySeries): { time: number[]; counts: Record<string, number[]> } {
  const counts: Record<string, number[]> = {
    alive: [...series.alive], running: [...series.running], ready: [...series.ready], waiting: [...series.waiting],
  };
  for (const [kind, values] of Object.entries(series.waitingByKind)) counts[`kind ${kind}`] = [...values];
  return { time: [...series.time], counts };
}

describe("concurrency series", () => {
  test.each(PROGRAMS)("%s: every series counts the intervals containing each moment", async (_name, program) => {
    const trace = await program();
    const series = concurrencySeries(trace);
    expect(asPlain(series)).toEqual(plainSeries(trace));
    expect(Object.keys(series.waitingByKind)).toEqual([...new Set(trace.awaits.map((a) => a.kind))].sort());
  });

  test("a session cut short: open intervals, moments past its end and zero-length steps", async () => {
    const whole = await PROGRAMS[0]![1]();
    const middle = whole.steps[Math.floor(whole.steps.length / 2)]!.start;
    const trace: Trace = {
      ...whole,
      end: middle,
      // Still running, and a step of no length (it changes no count).
      steps: [...whole.steps.map((s, k) => (k === 1 ? { ...s, end: null } : k === 2 ? { ...s, end: s.start } : s))],
      awaits: whole.awaits.map((a, k) => (k % 3 === 0 ? { ...a, end: null } : a)),
      tasks: whole.tasks.map((t, k) => (k === 0 ? { ...t, end: null, ready: { time: t.created, kind: "spawn", waker: null } } : t)),
    };
    const series = asPlain(concurrencySeries(trace));
    expect(series).toEqual(plainSeries(trace));
    expect(series.time.every((t) => t <= middle)).toBe(true);
  });

  test("each await kind has its own series, however rare, and they add up to waiting", async () => {
    const whole = await PROGRAMS[0]![1]();
    const kinds = ["sleep", "lock", "queue.get", "a kind seen once"];
    const trace: Trace = { ...whole, awaits: whole.awaits.map((a, k) => ({ ...a, kind: k === 5 ? kinds[3]! : kinds[k % 3]! })) };
    const series = concurrencySeries(trace);
    expect(asPlain(series)).toEqual(plainSeries(trace));
    expect(Object.keys(series.waitingByKind)).toEqual([...kinds].sort());
    const sum = Array.from(series.time, (_, i) => Object.values(series.waitingByKind).reduce((total, values) => total + values[i]!, 0));
    expect(sum).toEqual([...series.waiting]);
    expect(Math.max(...series.waitingByKind[kinds[3]!]!)).toBe(1);
  });

  test("tens of thousands of tasks ending out of order, analyzed pausing at every chance: the count of each moment", async () => {
    const whole = await PROGRAMS[0]![1]();
    const rand = seededRandom(7);
    // Enough ends out of order to be sorted in blocks (16 384 each) and merged, with a block left over.
    const tasks = Array.from({ length: 70_001 }, (_, k) => {
      const created = k * 0.01;
      return { ...whole.tasks[0]!, id: k + 1, created, end: created + rand() * 500 };
    });
    // Every end within the session: each one shows in the counts.
    const trace: Trace = { ...whole, end: 1_300, tasks, steps: [], awaits: [] };
    const series = inOneGo(concurrencySeriesBuild(trace, { due: () => true }));
    // Plainly: tasks alive at t are those created by t less those ended by t.
    const created = tasks.map((t) => t.created).sort((a, b) => a - b);
    const ended = tasks.map((t) => t.end).sort((a, b) => a - b);
    const moments = [...new Set([0, ...created, ...ended].filter((t) => t <= trace.end))].sort((a, b) => a - b);
    expect([...series.time]).toEqual(moments);
    let c = 0;
    let e = 0;
    const alive = moments.map((t) => {
      while (c < created.length && created[c]! <= t) c++;
      while (e < ended.length && ended[e]! <= t) e++;
      return c - e;
    });
    expect([...series.alive]).toEqual(alive);
  });

  test("an empty session is one moment, 0, with nothing counted", async () => {
    const whole = await PROGRAMS[0]![1]();
    const empty: Trace = { ...whole, end: 0, tasks: [], steps: [], awaits: [] };
    expect(asPlain(concurrencySeries(empty))).toEqual({ time: [0], counts: { alive: [0], running: [0], ready: [0], waiting: [0] } });
  });
});
