/**
 * Chrome Trace Event Format (JSON object form) for Perfetto and Chrome DevTools' Performance
 * panel. docs/trace-format.md lists the mapping; in short:
 *
 * - `M` events name the process and, per source, its event-loop thread (tid = source + 1).
 * - Each step is an `X` slice on the event-loop thread (an open step a `B` without `E`).
 * - Each task is a nestable async span (`b`/`e`, cat `task`, id = the task id in hex), and
 *   each of its awaits a `b`/`e` span nested in it. Native operations are spans of cat `native`.
 * - Instants (`i`) mark cancellations, timeouts armed and expired, errors, resource
 *   operations and markers; `C` counters show concurrency (downsampled, display only).
 * - `ts`/`dur` are integer µs; times inside `args` stay in ms, as in the model.
 *
 * The args and `otherData.aioscope` carry every field of the model, so the importer rebuilds
 * an identical trace. Events appear per kind in the model's order (tasks' `b`, awaits, tasks'
 * `e`, steps, instants…): viewers sort by time, and equal times keep this nesting order.
 */
import type { Trace } from "./model.ts";
import { concurrencySeries, type ConcurrencySeries } from "./analysis/concurrency.ts";
import { ByteWriter, encode } from "./byte-writer.ts";

export const CHROME_PID = 1;
export const DEFAULT_MAX_COUNTER_POINTS = 20_000;

export interface ChromeExportOptions {
  /** Reuse a concurrency series already computed (e.g. by `analyse`). */
  concurrency?: ConcurrencySeries;
  /** Counter samples at most; more change points are merged into buckets keeping each bucket's maximum. */
  maxCounterPoints?: number;
}

const toUs = (ms: number): number => Math.round(ms * 1000);
const json = JSON.stringify;

/** Per task, the constant parts of its events, encoded once. */
interface TaskBytes {
  readonly step: Uint8Array;
  readonly open: Uint8Array;
  readonly awaitBegin: Uint8Array;
  readonly awaitEnd: Uint8Array;
}

const SEP = encode(",\n");
const TS = encode(`,"ts":`);
const DUR = encode(`,"dur":`);
const STEP_ARGS = encode(`,"args":{"task":`);
const READY = encode(`,"ready":`);
const WAKER = encode(`,"waker":`);
const AWAIT_ARGS = encode(`,"args":{"await":`);
const TARGET = encode(`,"targetTask":`);
const RESOURCE = encode(`,"resource":`);
const CLOSE2 = encode("}}");
const WAKES = new Map<string, Uint8Array>();
const OUTCOMES = new Map<string, Uint8Array>();

function wakeBytes(kind: string): Uint8Array {
  let bytes = WAKES.get(kind);
  if (bytes === undefined) WAKES.set(kind, (bytes = encode(`,"wake":"${kind}"`)));
  return bytes;
}

function outcomeBytes(outcome: string): Uint8Array {
  let bytes = OUTCOMES.get(outcome);
  if (bytes === undefined) OUTCOMES.set(outcome, (bytes = encode(`,"args":{"outcome":"${outcome}"}}`)));
  return bytes;
}

/**
 * The export as UTF-8 bytes, ready for a Blob or a file, without building a string. The
 * result is a view of a larger buffer: copy it (`slice()`) before transferring it.
 *
 * @example
 * const blob = new Blob([exportChromeBytes(trace)], { type: "application/json" });
 */
export function exportChromeBytes(trace: Trace, options: ChromeExportOptions = {}): Uint8Array {
  const estimate = 4096 + (trace.steps.length + trace.awaits.length * 2) * 128 + (trace.tasks.length + trace.resourceOps.length + trace.nativeOps.length) * 400;
  const w = new ByteWriter(estimate);
  const event = (text: string): void => {
    w.bytes(SEP);
    w.text(text);
  };
  const otherData = {
    aioscope: {
      format: trace.format, version: trace.version, metadata: trace.metadata, sources: trace.sources, end: trace.end,
      droppedEvents: trace.droppedEvents, resources: trace.resources,
    },
  };
  w.text(`{"otherData":${json(otherData)},"displayTimeUnit":"ms","traceEvents":[\n`);
  const title = trace.metadata.title ?? trace.metadata.url ?? "session";
  w.text(`{"ph":"M","name":"process_name","pid":${CHROME_PID},"tid":0,"ts":0,"args":{"name":${json(`aioscope: ${title}`)}}}`);
  for (const source of trace.sources) {
    event(`{"ph":"M","name":"thread_name","pid":${CHROME_PID},"tid":${source.id + 1},"ts":0,"args":{"name":${json(`event loop (${source.label})`)}}}`);
  }
  const byTask = new Map<number, TaskBytes>();
  const names = new Map<number, string>();
  for (const task of trace.tasks) {
    const name = json(task.name);
    const common = `"pid":${CHROME_PID},"tid":${task.source + 1}`;
    const id = `"id":"0x${task.id.toString(16)}"`;
    names.set(task.id, task.name);
    byTask.set(task.id, {
      step: encode(`{"ph":"X","cat":"step","name":${name},${common},"ts":`),
      open: encode(`{"ph":"B","cat":"step","name":${name},${common},"ts":`),
      awaitBegin: encode(`{"ph":"b","cat":"task",${common},${id},"name":`),
      awaitEnd: encode(`{"ph":"e","cat":"task",${common},${id},"ts":`),
    });
    const args = { id: task.id, source: task.source, parent: task.parent, kind: task.kind, site: task.site, preexisting: task.preexisting, ready: task.ready };
    event(`{"ph":"b","cat":"task","name":${name},${common},${id},"ts":${toUs(task.created)},"args":{"task":${json(args)}}}`);
  }
  const labels = new Map<string, Uint8Array>();
  const kinds = new Map<string, Uint8Array>();
  for (const a of trace.awaits) {
    const bytes = byTask.get(a.task)!;
    let label = labels.get(a.label);
    if (label === undefined) labels.set(a.label, (label = encode(json(a.label))));
    let kind = kinds.get(a.kind);
    if (kind === undefined) kinds.set(a.kind, (kind = encode(json(a.kind))));
    w.bytes(SEP);
    w.bytes(bytes.awaitBegin);
    w.bytes(label);
    w.bytes(TS);
    w.int(toUs(a.start));
    w.bytes(AWAIT_ARGS);
    w.bytes(kind);
    if (a.targetTask !== null) {
      w.bytes(TARGET);
      w.int(a.targetTask);
    }
    if (a.resource !== null) {
      w.bytes(RESOURCE);
      w.int(a.resource);
    }
    w.bytes(CLOSE2);
    if (a.end !== null) {
      w.bytes(SEP);
      w.bytes(bytes.awaitEnd);
      w.int(toUs(a.end));
      w.bytes(outcomeBytes(a.outcome!));
    }
  }
  for (const task of trace.tasks) {
    if (task.end === null) continue;
    event(`{"ph":"e","cat":"task","pid":${CHROME_PID},"tid":${task.source + 1},"id":"0x${task.id.toString(16)}","ts":${toUs(task.end)},"args":{"outcome":"${task.outcome}","error":${json(task.error)},"errorRetrieved":${task.errorRetrieved}}}`);
  }
  for (const step of trace.steps) {
    const bytes = byTask.get(step.task)!;
    w.bytes(SEP);
    w.bytes(step.end === null ? bytes.open : bytes.step);
    const start = toUs(step.start);
    w.int(start);
    if (step.end !== null) {
      w.bytes(DUR);
      w.int(toUs(step.end) - start);
    }
    w.bytes(STEP_ARGS);
    w.int(step.task);
    if (step.ready !== null) {
      w.bytes(READY);
      w.number(step.ready);
    }
    if (step.wake !== null) w.bytes(wakeBytes(step.wake));
    if (step.waker !== null) {
      w.bytes(WAKER);
      w.int(step.waker);
    }
    w.bytes(CLOSE2);
  }
  const instant = (cat: string, name: string, tid: number, ms: number, args: string, scope = "t"): void =>
    event(`{"ph":"i","cat":"${cat}","name":${json(name)},"pid":${CHROME_PID},"tid":${tid},"ts":${toUs(ms)},"s":"${scope}","args":${args}}`);
  const tidOf = (task: number): number => Math.floor(task / 2 ** 32) + 1;
  for (const c of trace.cancellations) {
    instant("cancel", `cancel ${names.get(c.task)!}`, tidOf(c.task), c.time, `{"task":${c.task},"by":${c.by},"message":${json(c.message)}}`);
  }
  for (const t of trace.timeouts) {
    instant("timeout", "timeout armed", tidOf(t.task), t.armed, `{"task":${t.task},"deadline":${t.deadline},"expired":${t.expired}}`);
    if (t.expired !== null) instant("timeout.expired", "timeout expired", tidOf(t.task), t.expired, `{"task":${t.task}}`);
  }
  for (const task of trace.tasks) {
    if (task.outcome !== "error" || task.end === null) continue;
    const what = task.error === null ? "error" : `${task.error.name}: ${task.error.message}`;
    instant("error", what.length > 200 ? `${what.slice(0, 199)}…` : what, task.source + 1, task.end, `{"task":${task.id}}`);
  }
  const resources = new Map(trace.resources.map((r) => [r.id, r]));
  for (const op of trace.resourceOps) {
    const r = resources.get(op.resource)!;
    instant("resource", `${op.op} ${r.label}`, r.source + 1, op.time, `{"resource":${op.resource},"op":${json(op.op)},"task":${op.task},"value":${op.value}}`);
  }
  for (const n of trace.nativeOps) {
    const args = { id: n.id, source: n.source, kind: n.kind, task: n.task, parent: n.parent, ticks: n.ticks };
    const common = `"pid":${CHROME_PID},"tid":${n.source + 1},"id":"0x${n.id.toString(16)}"`;
    event(`{"ph":"b","cat":"native","name":${json(n.label)},${common},"ts":${toUs(n.start)},"args":{"native":${json(args)}}}`);
    if (n.end !== null) event(`{"ph":"e","cat":"native",${common},"ts":${toUs(n.end)},"args":{"outcome":${json(n.outcome)},"detail":${json(n.detail)}}}`);
  }
  for (const m of trace.markers) {
    instant("marker", m.label !== "" ? m.label : m.kind, m.source + 1, m.time, `{"kind":"${m.kind}","label":${json(m.label)},"detail":${json(m.detail)},"source":${m.source}}`, "g");
  }
  pushCounters(event, options.concurrency ?? concurrencySeries(trace), options.maxCounterPoints ?? DEFAULT_MAX_COUNTER_POINTS);
  w.text("\n]}");
  return w.view();
}

/**
 * @example
 * const text = exportChrome(trace); // open it in ui.perfetto.dev or the Performance panel
 */
export function exportChrome(trace: Trace, options: ChromeExportOptions = {}): string {
  return new TextDecoder().decode(exportChromeBytes(trace, options));
}

/** Concurrency counters; past `max` points, each bucket of time shows its maxima (peaks stay visible). */
function pushCounters(event: (text: string) => void, series: ConcurrencySeries, max: number): void {
  const n = series.time.length;
  if (n === 0) return;
  const span = series.time[n - 1]! - series.time[0]!;
  const bucket = n > max && span > 0 ? span / max : 0;
  let i = 0;
  while (i < n) {
    const start = series.time[i]!;
    let alive = series.alive[i]!;
    let running = series.running[i]!;
    let ready = series.ready[i]!;
    let waiting = series.waiting[i]!;
    let j = i + 1;
    if (bucket > 0) {
      const limit = start + bucket;
      while (j < n && series.time[j]! < limit) {
        alive = Math.max(alive, series.alive[j]!);
        running = Math.max(running, series.running[j]!);
        ready = Math.max(ready, series.ready[j]!);
        waiting = Math.max(waiting, series.waiting[j]!);
        j++;
      }
    }
    event(`{"ph":"C","name":"tasks","pid":${CHROME_PID},"tid":0,"ts":${toUs(start)},"args":{"alive":${alive},"running":${running},"ready":${ready},"waiting":${waiting}}}`);
    i = j;
  }
}
