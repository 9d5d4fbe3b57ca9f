/**
 * The Chrome export as the Performance panel, Perfetto and speedscope read it: custom tracks
 * per task with their awaits, colours and properties; arrows for spawns and wake-ups; steps of
 * zero length as instants; spans left open ending at the trace's end; and files written by the
 * earlier export still importing. Every exported trace of the suite also goes through
 * `checkChromeExport` in roundtrip.test.ts.
 */
import { describe, expect, test } from "vitest";
import { exportChrome, importTrace, type Trace } from "../../../src/trace/index.ts";
import { crawler, taskCycle, withNativeOps } from "./programs.ts";
import { checkChromeExport, type ChromeEvent } from "./devtools-engine.ts";

interface Payload {
  readonly track: string;
  readonly trackGroup: string;
  readonly color: string;
  readonly properties: [string, string][];
  readonly tooltipText: string;
}

const eventsOf = (text: string): ChromeEvent[] => (JSON.parse(text) as { traceEvents: ChromeEvent[] }).traceEvents;

/** The DevTools payload of the span named `name` (its begin event). */
function payloadOf(events: ChromeEvent[], name: string, where: (e: ChromeEvent) => boolean = () => true): Payload {
  const begin = events.find((e) => e.ph === "b" && e.name === name && where(e));
  if (begin === undefined) throw new Error(`no span named ${name}`);
  return (JSON.parse(begin.args!.detail as string) as { devtools: Payload }).devtools;
}

describe("the Chrome export in DevTools' engine", () => {
  test("the crawler opens as a recording with one track per task and arrows from spawner to spawned", async () => {
    const trace = await crawler();
    const view = await checkChromeExport(trace, exportChrome(trace));
    const id = (name: string): number => trace.tasks.find((t) => t.name === name)!.id;
    const [main, producer, consumer, slow] = [id("main"), id("producer"), id("consumer"), id("slow")];
    const fetches = trace.tasks.filter((t) => t.name === "fetch").map((t) => t.id);
    expect([...view.groups.get("aioscope tasks")!.keys()]).toEqual(
      [`main #${main}`, `producer #${producer}`, `consumer #${consumer}`, ...fetches.map((f) => `fetch #${f}`), `slow #${slow}`],
    );
    // main spawned every other task: an arrow from one of its steps to each first step.
    const spawned = view.flows.filter(([from]) => from === main).map(([, to]) => to);
    for (const child of [producer, consumer, slow, ...fetches]) expect(spawned).toContain(child);
    // Wake-ups by another task (the lock passed on, the queue's put and get) have arrows too.
    const byTask = trace.steps.filter((s) => s.wake === "task" && s.waker !== null);
    expect(byTask.length).toBeGreaterThan(0);
    for (const step of byTask) expect(view.flows).toContainEqual([step.waker, step.task]);
  });

  test("lifetimes are coloured by outcome and tell parent and outcome; awaits tell how they ended and who woke them", async () => {
    const trace = await crawler();
    const events = eventsOf(exportChrome(trace));
    const id = (name: string): number => trace.tasks.find((t) => t.name === name)!.id;
    const slow = payloadOf(events, "slow", (e) => e.args?.task !== undefined);
    expect(slow).toMatchObject({ track: `slow #${id("slow")}`, trackGroup: "aioscope tasks", color: "warning", tooltipText: `slow #${id("slow")}: cancelled` });
    expect(slow.properties).toEqual(expect.arrayContaining([["outcome", "cancelled"], ["parent", `main #${id("main")}`], ["kind", "coroutine"]]));
    expect(payloadOf(events, "main", (e) => e.args?.task !== undefined)).toMatchObject({ color: "primary", properties: expect.arrayContaining([["parent", "none"]]) });
    const timedOut = payloadOf(events, "sleep(500)");
    expect(timedOut).toMatchObject({ track: `main #${id("main")}`, color: "warning" });
    expect(timedOut.properties).toEqual(expect.arrayContaining([["await", "sleep"], ["outcome", "timeout"], ["woken by", "timeout"]]));
    const put = trace.awaits.find((a) => a.kind === "queue.put")!;
    const queue = trace.resources.find((r) => r.id === put.resource)!;
    const putPayload = payloadOf(events, put.label);
    expect(putPayload.color).toBe("tertiary");
    expect(putPayload.properties).toEqual(expect.arrayContaining([["await", "queue.put"], ["resource", queue.label]]));
    expect(putPayload.properties.find(([key]) => key === "woken by")?.[1]).toMatch(/^task (consumer|fetch) #\d+$/);
  });

  test("a task still pending at the end keeps its track, which runs to the end of the trace, and reads back pending", async () => {
    const trace = await taskCycle();
    const text = exportChrome(trace);
    await checkChromeExport(trace, text);
    const pending = trace.tasks.find((t) => t.outcome === "pending")!;
    const end = eventsOf(text).find((e) => e.ph === "e" && e.name === pending.name && e.args?.outcome === "pending");
    expect(end).toMatchObject({ ts: Math.round(trace.end * 1000), args: { open: true } });
    expect(importTrace(text)).toEqual({ ok: true, trace, format: "chrome" });
  });

  test("a step of zero length is an instant, never a zero-length slice, and reads back as a step", async () => {
    const recorded = await crawler();
    const fetch = recorded.tasks.find((t) => t.name === "fetch")!.id;
    const k = recorded.steps.findIndex((s) => s.task === fetch);
    const steps = [...recorded.steps];
    steps[k] = { ...steps[k]!, end: steps[k]!.start };
    const trace: Trace = { ...recorded, steps };
    const text = exportChrome(trace);
    await checkChromeExport(trace, text);
    const us = Math.round(steps[k]!.start * 1000);
    expect(eventsOf(text).filter((e) => e.cat === "step" && e.ts === us && e.args?.task === fetch).map((e) => e.ph)).toEqual(["I"]);
    expect(importTrace(text)).toEqual({ ok: true, trace, format: "chrome" });
  });

  test("a file written by the earlier export (spans of category task and native, lowercase instants) still imports", async () => {
    const trace = await withNativeOps();
    const doc = JSON.parse(exportChrome(trace)) as { traceEvents: (ChromeEvent & { cat: string; ph: string; s?: string })[] };
    // What the earlier export wrote: no DevTools metadata or arrows, spans by kind, "i" instants, no ends for open spans.
    doc.traceEvents = doc.traceEvents
      .filter((e) => e.name !== "TracingStartedInBrowser" && e.ph !== "s" && e.ph !== "f" && e.args?.open !== true)
      .map((e) => {
        if (e.cat === "blink.user_timing") {
          const { detail: _detail, ...args } = e.args ?? {};
          if (e.ph === "e") return { ...e, cat: e.id !== undefined && String(e.id).length > 16 ? "native" : "task" };
          return { ...e, cat: e.id !== undefined && String(e.id).length > 16 ? "native" : "task", args };
        }
        return e.ph === "I" ? { ...e, ph: "i" } : e;
      });
    expect(importTrace(JSON.stringify(doc))).toEqual({ ok: true, trace, format: "chrome" });
  });
});
