/**
 * Chrome Trace Event Format (JSON object form), written for the tools people already use:
 * Chrome DevTools' Performance panel, Perfetto and speedscope. docs/trace-format.md lists the
 * mapping and which tool shows what; in short:
 *
 * - A `TracingStartedInBrowser` event names the page's frames and process, so DevTools reads
 *   the file as a recording (not a "generic" trace) and draws custom tracks.
 * - Each task is one custom track in the group "aioscope tasks": its lifetime is a
 *   `blink.user_timing` span (`b`/`e`, as `performance.measure` writes it) whose `detail`
 *   carries the Performance panel's `devtools` track-entry payload, and each of its awaits is
 *   such a span nested in it. Native operations are spans in the group "aioscope native", one
 *   track per kind. Perfetto shows the same spans as one async track per task.
 * - Each step is an `X` slice on its source's event-loop thread; a step of zero length is an
 *   instant (`I`), so no viewer has to nest a zero-length slice. Steps of a source never
 *   overlap, so the slices of a thread nest trivially.
 * - Flow events (`s`/`f`, bound to steps) draw arrows for spawns and wake-ups: from the step
 *   of the task that spawned or woke, to the step it caused.
 * - Instants (`I`) mark cancellations, timeouts armed and expired, errors, resource
 *   operations and markers; `C` counters show concurrency (downsampled, display only).
 * - Every event has a name and a category; events are sorted by `ts` (integer µs), and at
 *   equal times spans keep their nesting order (a task begins before its first await, an
 *   await ends before its task). A span still open when the trace was taken ends at the
 *   trace's end with `args.open`. Times inside `args` stay in ms, as in the model.
 *
 * The args and `otherData.aioscope` carry every field of the model, so the importer
 * (import-chrome.ts) rebuilds an identical trace.
 */
import type { NativeOpRecord, StepRecord, TaskRecord, Trace } from "./model.ts";
import { localIdOf } from "./model.ts";
import type { ConcurrencySeries } from "./analysis/concurrency.ts";
import { ByteWriter, encode } from "./byte-writer.ts";
import { partitionPoint } from "./sorted.ts";
import { AwaitDetails } from "./chrome-await-details.ts";
import { CHROME_PID, DISPLAY_CATEGORY, TIMELINE_CATEGORY, USER_TIMING_CATEGORY } from "./chrome-events.ts";
import {
  NATIVE_TRACK_GROUP, TASKS_TRACK_GROUP, nativeColor, taskColor, taskTrackName, wakeText, type TrackEntryPayload,
} from "./performance-tracks.ts";

export const DEFAULT_MAX_COUNTER_POINTS = 20_000;

export interface ChromeExportOptions {
  /** Reuse a concurrency series already computed (e.g. by `analyze`). */
  concurrency?: ConcurrencySeries;
  /** Counter samples at most; more change points are merged into buckets keeping each bucket's maximum. */
  maxCounterPoints?: number;
}

const toUs = (ms: number): number => Math.round(ms * 1000);
const json = JSON.stringify;

/** Native operations' span ids live above every task id (ids stay below 2^53), so the two never share a track. */
function nativeSpanId(id: number): string {
  return `"0x1${id.toString(16).padStart(15, "0")}"`;
}

function taskSpanId(id: number): string {
  return `"0x${id.toString(16)}"`;
}

// What each entry of the sorted event list is.
const TASK_BEGIN = 0;
const TASK_END = 1;
const AWAIT_BEGIN = 2;
const AWAIT_END = 3;
const NATIVE_BEGIN = 4;
const NATIVE_END = 5;
const STEP = 6;
const FLOW_START = 7;
const FLOW_END = 8;
const CANCEL = 9;
const TIMEOUT = 10;
const TIMEOUT_EXPIRED = 11;
const ERROR = 12;
const RESOURCE_OP = 13;
const MARKER = 14;
const SESSION_END = 15;
// Entries that only move the concurrency counters: nothing is written for them.
const STEP_END = 16;
const READY_BEGIN = 17;
const TASK_READY = 18;

/**
 * Events as (time, what, which record), sorted by time; ties keep the order they were added
 * in. Typed arrays of a known capacity: a session has millions of events.
 */
class EventList {
  readonly ts: Float64Array;
  readonly what: Uint8Array;
  readonly index: Uint32Array;
  length = 0;

  constructor(capacity: number) {
    this.ts = new Float64Array(capacity);
    this.what = new Uint8Array(capacity);
    this.index = new Uint32Array(capacity);
  }

  add(us: number, what: number, index: number): void {
    const k = this.length++;
    this.ts[k] = us;
    this.what[k] = what;
    this.index[k] = index;
  }

  /**
   * The entries' positions in time order, ties in the order they were added. Times are whole
   * µs, so a stable radix sort on them (16 bits a pass: two passes for a session of up to an
   * hour) orders a million entries in a few linear passes, where a comparator sort spends most
   * of the export calling its comparator. Times that are not whole µs in [0, 2^48) (never
   * written by the model) take the comparator.
   */
  sorted(): Uint32Array {
    const n = this.length;
    const ts = this.ts;
    let order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    let max = 0;
    for (let k = 0; k < n; k++) {
      const t = ts[k]!;
      if (!(t >= 0 && t < RADIX_LIMIT && Math.floor(t) === t)) return order.sort((a, b) => ts[a]! - ts[b]! || a - b);
      if (t > max) max = t;
    }
    let spare = new Uint32Array(n);
    const count = new Uint32Array(RADIX + 1);
    for (let divisor = 1; divisor <= max; divisor *= RADIX) {
      count.fill(0);
      for (let k = 0; k < n; k++) count[(Math.floor(ts[k]! / divisor) & (RADIX - 1)) + 1]!++;
      for (let d = 1; d <= RADIX; d++) count[d]! += count[d - 1]!;
      for (let k = 0; k < n; k++) {
        const e = order[k]!;
        spare[count[Math.floor(ts[e]! / divisor) & (RADIX - 1)]!++] = e;
      }
      [order, spare] = [spare, order];
    }
    return order;
  }
}

const RADIX = 1 << 16;
const RADIX_LIMIT = 2 ** 48;

/** A flow (arrow) from the step `from` of one task to the step `to` of another. */
interface Flow {
  readonly from: StepRecord;
  readonly to: StepRecord;
  readonly name: "spawn" | "wake";
}

const SEP = encode(",\n");
const decoder = new TextDecoder();
const TS = encode(`,"ts":`);
const DUR = encode(`,"dur":`);
const READY = encode(`,"ready":`);
const WAKER = encode(`,"waker":`);
const OPEN = encode(`,"open":true`);
const CLOSE2 = encode("}}");
const TARGET = encode(`,"targetTask":`);
const RESOURCE = encode(`,"resource":`);
const AWAIT_OPEN = encode(`,"args":{"outcome":null,"open":true}}`);
const CLOSE1 = encode("}");
const FLOW_ID = encode(`,"id":`);
const FLOW_END_TAIL = encode(`,"bp":"e"}`);

/** `,\n{"ph":"s","cat":"step","name":"wake","pid":…,"tid":` and its kin, by phase and name. */
const flowHeadBytes = (ph: "s" | "f", name: Flow["name"]): Uint8Array => encode(`,\n{"ph":"${ph}","cat":"step","name":"${name}","pid":${CHROME_PID},"tid":`);
const FLOW_HEADS = {
  s: { spawn: flowHeadBytes("s", "spawn"), wake: flowHeadBytes("s", "wake") },
  f: { spawn: flowHeadBytes("f", "spawn"), wake: flowHeadBytes("f", "wake") },
} as const;
const AWAIT_RESUMED = encode(`,"args":{}}`);

/** Keeps `text`, encoded, under `key`; returns the bytes. (No closure: callers look up first, on every event.) */
function remember(cache: Map<string, Uint8Array>, key: string, text: string): Uint8Array {
  const bytes = encode(text);
  cache.set(key, bytes);
  return bytes;
}

/** The bytes of `make(key)`, encoded once per key. */
function cachedBytes(cache: Map<string, Uint8Array>, key: string, make: (key: string) => string): Uint8Array {
  let bytes = cache.get(key);
  if (bytes === undefined) cache.set(key, (bytes = encode(make(key))));
  return bytes;
}
const WAKES = new Map<string, Uint8Array>();

function wakeBytes(kind: string): Uint8Array {
  let bytes = WAKES.get(kind);
  if (bytes === undefined) WAKES.set(kind, (bytes = encode(`,"wake":"${kind}"`)));
  return bytes;
}

/**
 * Per task, the constant parts of its events, encoded once: most of a session's bytes are
 * these, and a few long pieces copy faster than many short ones.
 */
interface TaskBytes {
  readonly task: TaskRecord;
  readonly track: string;
  /** `,\n{"ph":"X","cat":"step","name":…,"pid":…,"tid":…,"ts":` */
  readonly step: Uint8Array;
  /** The same, as an instant (a step of zero length). */
  readonly instant: Uint8Array;
  /** `,"args":{"task":…` */
  readonly stepArgs: Uint8Array;
  /** `{"ph":"b","cat":"blink.user_timing","pid":…,"tid":…,"id":…,"name":` */
  readonly spanBegin: Uint8Array;
  readonly spanEnd: Uint8Array;
  /** By label, `,\n` + spanBegin + the label + `,"ts":`, and the same for the end. */
  readonly awaitBegins: Map<string, Uint8Array>;
  readonly awaitEnds: Map<string, Uint8Array>;
}

/** For each await (by index), the step of its task that follows it: the one whose wake-up ended it. */
function stepAfterAwaits(trace: Trace, stepsByTask: Map<number, StepRecord[]>): (StepRecord | null)[] {
  const after = new Array<StepRecord | null>(trace.awaits.length).fill(null);
  const cursor = new Map<number, number>();
  trace.awaits.forEach((a, i) => {
    if (a.end === null) return;
    const steps = stepsByTask.get(a.task);
    if (steps === undefined) return;
    let k = cursor.get(a.task) ?? 0;
    while (k < steps.length && steps[k]!.start < a.end) k++;
    cursor.set(a.task, k);
    if (k < steps.length) after[i] = steps[k]!;
  });
  return after;
}

/**
 * The step of `steps` (sorted, disjoint) that caused a wake-up at `time`: the one running
 * then, or else the last one before it (a task's completion wakes its awaiters from a loop
 * callback just after the task's last step).
 */
function stepBefore(steps: readonly StepRecord[] | undefined, time: number): StepRecord | null {
  if (steps === undefined) return null;
  const found = partitionPoint(0, steps.length, (k) => steps[k]!.start <= time) - 1;
  return found < 0 ? null : steps[found]!;
}

/**
 * The export as UTF-8 bytes, ready for a Blob or a file, without building a string. The
 * result is a view of a larger buffer: copy it (`slice()`) before transferring it.
 *
 * @example
 * const blob = new Blob([exportChromeBytes(trace)], { type: "application/json" });
 */
export function exportChromeBytes(trace: Trace, options: ChromeExportOptions = {}): Uint8Array<ArrayBuffer> {
  const estimate = 4096 + trace.steps.length * 128 + trace.awaits.length * 500 + (trace.tasks.length + trace.resourceOps.length + trace.nativeOps.length) * 600;
  const w = new ByteWriter(estimate);
  const endUs = toUs(trace.end);

  // ── Who is who: tracks, per-task encodings, steps by task ─────────────────────────────────
  // Tracks name their frame only when tasks of several frames share the file.
  const framesWithTasks = new Set(trace.tasks.map((t) => t.source)).size;
  const sourceLabels = trace.sources.map((s) => (framesWithTasks > 1 && s.id !== 0 ? s.label : null));
  const byTask = new Map<number, TaskBytes>();
  for (const task of trace.tasks) {
    const name = json(task.name);
    const common = `"pid":${CHROME_PID},"tid":${task.source + 1}`;
    const track = taskTrackName(task.name, localIdOf(task.id), sourceLabels[task.source] ?? null);
    byTask.set(task.id, {
      task,
      track,
      step: encode(`,\n{"ph":"X","cat":"step","name":${name},${common},"ts":`),
      instant: encode(`,\n{"ph":"I","cat":"step","name":${name},${common},"s":"t","ts":`),
      stepArgs: encode(`,"args":{"task":${task.id}`),
      spanBegin: encode(`{"ph":"b","cat":"${USER_TIMING_CATEGORY}",${common},"id":${taskSpanId(task.id)},"name":`),
      spanEnd: encode(`{"ph":"e","cat":"${USER_TIMING_CATEGORY}",${common},"id":${taskSpanId(task.id)},"name":`),
      awaitBegins: new Map(),
      awaitEnds: new Map(),
    });
  }
  const trackOf = (task: number | null): string | null => (task === null ? null : (byTask.get(task)?.track ?? null));
  const stepsByTask = new Map<number, StepRecord[]>();
  for (const step of trace.steps) {
    let list = stepsByTask.get(step.task);
    if (list === undefined) stepsByTask.set(step.task, (list = []));
    list.push(step);
  }
  const wokenBy = stepAfterAwaits(trace, stepsByTask);
  const resources = new Map(trace.resources.map((r) => [r.id, r]));

  // ── The events, in an order that keeps spans nested, then sorted by time ──────────────────
  const capacity = 3 * (trace.tasks.length + trace.awaits.length + trace.nativeOps.length + trace.timeouts.length) + 5 * trace.steps.length
    + trace.cancellations.length + trace.resourceOps.length + trace.markers.length + 1;
  const events = new EventList(capacity);
  // Added as: every task's begin, then the awaits in the model's order (each begin, then its
  // end), then every task's end. With ties kept in this order, a task begins before its awaits
  // and ends after them, an await ends before the task's next one begins (even at the same µs),
  // and awaits of equal start stay in the model's order, which the importer relies on.
  trace.tasks.forEach((task, t) => events.add(toUs(task.created), TASK_BEGIN, t));
  trace.awaits.forEach((a, k) => {
    events.add(toUs(a.start), AWAIT_BEGIN, k);
    events.add(a.end === null ? endUs : toUs(a.end), AWAIT_END, k);
  });
  trace.tasks.forEach((task, t) => events.add(task.end === null ? endUs : toUs(task.end), TASK_END, t));
  trace.nativeOps.forEach((n, k) => {
    events.add(toUs(n.start), NATIVE_BEGIN, k);
    events.add(n.end === null ? endUs : toUs(n.end), NATIVE_END, k);
  });
  trace.steps.forEach((s, k) => events.add(toUs(s.start), STEP, k));
  // The concurrency counters are swept from the same sorted list, unless given.
  if (options.concurrency === undefined) {
    trace.steps.forEach((s, k) => {
      if (s.end !== null) events.add(toUs(s.end), STEP_END, k);
      if (s.ready !== null) events.add(toUs(s.ready), READY_BEGIN, k);
    });
    trace.tasks.forEach((t, k) => {
      if (t.ready !== null) events.add(toUs(t.ready.time), TASK_READY, k);
    });
  }
  const flows: Flow[] = [];
  for (const to of trace.steps) {
    if (to.waker === null || to.ready === null) continue;
    const from = stepBefore(stepsByTask.get(to.waker), to.ready);
    if (from === null || from === to) continue;
    events.add(toUs(from.start), FLOW_START, flows.length);
    events.add(toUs(to.start), FLOW_END, flows.length);
    flows.push({ from, to, name: to.wake === "spawn" ? "spawn" : "wake" });
  }
  trace.cancellations.forEach((c, k) => events.add(toUs(c.time), CANCEL, k));
  trace.timeouts.forEach((t, k) => {
    events.add(toUs(t.armed), TIMEOUT, k);
    if (t.expired !== null) events.add(toUs(t.expired), TIMEOUT_EXPIRED, k);
  });
  trace.tasks.forEach((t, k) => {
    if (t.outcome === "error" && t.end !== null) events.add(toUs(t.end), ERROR, k);
  });
  trace.resourceOps.forEach((op, k) => events.add(toUs(op.time), RESOURCE_OP, k));
  trace.markers.forEach((m, k) => events.add(toUs(m.time), MARKER, k));
  // DevTools takes a recording's extent from its slices and instants (not from async spans).
  events.add(endUs, SESSION_END, 0);

  // ── The document ───────────────────────────────────────────────────────────────────────────
  const otherData = {
    aioscope: {
      format: trace.format, version: trace.version, metadata: trace.metadata, sources: trace.sources, end: trace.end,
      droppedEvents: trace.droppedEvents, resources: trace.resources,
    },
  };
  w.text(`{"otherData":${json(otherData)},"displayTimeUnit":"ms","traceEvents":[\n`);
  const title = trace.metadata.title ?? trace.metadata.url ?? "session";
  w.text(`{"ph":"M","cat":"__metadata","name":"process_name","pid":${CHROME_PID},"tid":0,"ts":0,"args":{"name":${json(`aioscope: ${title}`)}}}`);
  const event = (text: string): void => {
    w.bytes(SEP);
    w.text(text);
  };
  for (const source of trace.sources) {
    event(`{"ph":"M","cat":"__metadata","name":"thread_name","pid":${CHROME_PID},"tid":${source.id + 1},"ts":0,"args":{"name":${json(`event loop (${source.label})`)}}}`);
  }
  event(tracingStarted(trace));

  const awaitEnds = new Map<string, Uint8Array>();
  const awaitDetails = new AwaitDetails(trackOf, (id) => resources.get(id)?.label ?? null);
  const instant = (cat: string, name: string, tid: number, us: number, args: string, scope = "t"): void =>
    event(`{"ph":"I","cat":"${cat}","name":${json(name)},"pid":${CHROME_PID},"tid":${tid},"ts":${us},"s":"${scope}","args":${args}}`);
  const tidOf = (task: number): number => Math.floor(task / 2 ** 32) + 1;

  const order = events.sorted();
  const maxCounterPoints = options.maxCounterPoints ?? DEFAULT_MAX_COUNTER_POINTS;
  const counters = options.concurrency !== undefined
    ? counterPoints(seriesInUs(options.concurrency), maxCounterPoints)
    : sweptCounterPoints(trace, events, order, endUs, maxCounterPoints);
  // Counters are merged in by time: each one after the events of its µs.
  let nextCounter = 0;
  const counter = (c: CounterPoint): void =>
    event(`{"ph":"C","cat":"${DISPLAY_CATEGORY}","name":"tasks","pid":${CHROME_PID},"tid":0,"ts":${c.time},"args":{"alive":${c.alive},"running":${c.running},"ready":${c.ready},"waiting":${c.waiting}}}`);
  for (let o = 0; o < order.length; o++) {
    const e = order[o]!;
    const us = events.ts[e]!;
    const k = events.index[e]!;
    while (nextCounter < counters.length && counters[nextCounter]!.time < us) counter(counters[nextCounter++]!);
    switch (events.what[e]) {
      case TASK_BEGIN: {
        const task = trace.tasks[k]!;
        const bytes = byTask.get(task.id)!;
        const args = { id: task.id, source: task.source, parent: task.parent, kind: task.kind, site: task.site, preexisting: task.preexisting, ready: task.ready };
        w.bytes(SEP);
        w.bytes(bytes.spanBegin);
        w.text(json(task.name));
        w.bytes(TS);
        w.int(us);
        w.text(`,"args":{"detail":`);
        w.bytes(encode(json(json({ devtools: taskPayload(task, bytes.track, trackOf(task.parent), stepsByTask.get(task.id)?.[0] ?? null, trackOf) }))));
        w.text(`,"task":${json(args)}}}`);
        break;
      }
      case TASK_END: {
        const task = trace.tasks[k]!;
        const bytes = byTask.get(task.id)!;
        w.bytes(SEP);
        w.bytes(bytes.spanEnd);
        w.text(`${json(task.name)},"ts":${us},"args":{"outcome":"${task.outcome}","error":${json(task.error)},"errorRetrieved":${task.errorRetrieved}${task.end === null ? `,"open":true` : ""}}}`);
        break;
      }
      case AWAIT_BEGIN: {
        const a = trace.awaits[k]!;
        const bytes = byTask.get(a.task)!;
        w.bytes(bytes.awaitBegins.get(a.label) ?? remember(bytes.awaitBegins, a.label, `,\n${decoder.decode(bytes.spanBegin)}${json(a.label)},"ts":`));
        w.int(us);
        awaitDetails.write(w, a, wokenBy[k] ?? null);
        if (a.targetTask !== null) {
          w.bytes(TARGET);
          w.int(a.targetTask);
        }
        if (a.resource !== null) {
          w.bytes(RESOURCE);
          w.int(a.resource);
        }
        w.bytes(CLOSE2);
        break;
      }
      case AWAIT_END: {
        const a = trace.awaits[k]!;
        const bytes = byTask.get(a.task)!;
        w.bytes(bytes.awaitEnds.get(a.label) ?? remember(bytes.awaitEnds, a.label, `,\n${decoder.decode(bytes.spanEnd)}${json(a.label)},"ts":`));
        w.int(us);
        // An await that resumed (nearly all of them) ends with empty args: the importer reads no outcome as "resumed".
        w.bytes(a.end === null ? AWAIT_OPEN : a.outcome === "resumed" ? AWAIT_RESUMED : cachedBytes(awaitEnds, a.outcome!, (outcome) => `,"args":{"outcome":"${outcome}"}}`));
        break;
      }
      case NATIVE_BEGIN: {
        const n = trace.nativeOps[k]!;
        const args = { id: n.id, source: n.source, kind: n.kind, task: n.task, parent: n.parent, cause: n.cause, ticks: n.ticks };
        const detail = json({ devtools: nativePayload(n, sourceLabels[n.source] ?? null, trackOf) });
        event(`{"ph":"b","cat":"${USER_TIMING_CATEGORY}","name":${json(n.label)},"pid":${CHROME_PID},"tid":${n.source + 1},"id":${nativeSpanId(n.id)},"ts":${us},"args":{"detail":${json(detail)},"native":${json(args)}}}`);
        break;
      }
      case NATIVE_END: {
        const n = trace.nativeOps[k]!;
        event(`{"ph":"e","cat":"${USER_TIMING_CATEGORY}","name":${json(n.label)},"pid":${CHROME_PID},"tid":${n.source + 1},"id":${nativeSpanId(n.id)},"ts":${us},"args":{"outcome":${json(n.outcome)},"detail":${json(n.detail)}${n.end === null ? `,"open":true` : ""}}}`);
        break;
      }
      case STEP:
        writeStep(w, trace.steps[k]!, byTask.get(trace.steps[k]!.task)!, us, endUs);
        break;
      case FLOW_START:
      case FLOW_END: {
        // Two per wake-up: written from pieces, as steps are.
        const flow = flows[k]!;
        const start = events.what[e] === FLOW_START;
        w.bytes(FLOW_HEADS[start ? "s" : "f"][flow.name]);
        w.int(tidOf((start ? flow.from : flow.to).task));
        w.bytes(FLOW_ID);
        w.int(k + 1);
        w.bytes(TS);
        w.int(us);
        w.bytes(start ? CLOSE1 : FLOW_END_TAIL);
        break;
      }
      case CANCEL: {
        const c = trace.cancellations[k]!;
        instant("cancel", `cancel ${byTask.get(c.task)!.task.name}`, tidOf(c.task), us, `{"task":${c.task},"by":${c.by},"message":${json(c.message)}${c.canceller === undefined ? "" : `,"canceller":${json(c.canceller)}`}}`);
        break;
      }
      case TIMEOUT: {
        const t = trace.timeouts[k]!;
        instant("timeout", "timeout armed", tidOf(t.task), us, `{"task":${t.task},"deadline":${t.deadline},"expired":${t.expired}}`);
        break;
      }
      case TIMEOUT_EXPIRED:
        instant("timeout.expired", "timeout expired", tidOf(trace.timeouts[k]!.task), us, `{"task":${trace.timeouts[k]!.task}}`);
        break;
      case ERROR: {
        const task = trace.tasks[k]!;
        const what = task.error === null ? "error" : `${task.error.name}: ${task.error.message}`;
        instant("error", what.length > 200 ? `${what.slice(0, 199)}…` : what, task.source + 1, us, `{"task":${task.id}}`);
        break;
      }
      case RESOURCE_OP: {
        const op = trace.resourceOps[k]!;
        const r = resources.get(op.resource)!;
        instant("resource", `${op.op} ${r.label}`, r.source + 1, us, `{"resource":${op.resource},"op":${json(op.op)},"task":${op.task},"value":${op.value}}`);
        break;
      }
      case MARKER: {
        const m = trace.markers[k]!;
        instant("marker", m.label !== "" ? m.label : m.kind, m.source + 1, us, `{"kind":"${m.kind}","label":${json(m.label)},"detail":${json(m.detail)},"source":${m.source}}`, "g");
        break;
      }
      case SESSION_END:
        while (nextCounter < counters.length && counters[nextCounter]!.time <= us) counter(counters[nextCounter++]!);
        instant(DISPLAY_CATEGORY, "end of the aioscope session", 0, us, "{}", "p");
        break;
    }
  }
  while (nextCounter < counters.length) counter(counters[nextCounter++]!);
  w.text("\n]}");
  return w.view();
}

/**
 * @example
 * const text = exportChrome(trace); // open it in the Performance panel, ui.perfetto.dev or speedscope
 */
export function exportChrome(trace: Trace, options: ChromeExportOptions = {}): string {
  return new TextDecoder().decode(exportChromeBytes(trace, options));
}

/** A step as an `X` slice, or an instant when it has no length; an open step runs to the trace's end. */
function writeStep(w: ByteWriter, step: StepRecord, bytes: TaskBytes, startUs: number, endUs: number): void {
  const dur = (step.end === null ? endUs : toUs(step.end)) - startUs;
  w.bytes(dur > 0 ? bytes.step : bytes.instant);
  w.int(startUs);
  if (dur > 0) {
    w.bytes(DUR);
    w.int(dur);
  }
  w.bytes(bytes.stepArgs);
  if (step.ready !== null) {
    w.bytes(READY);
    w.number(step.ready);
  }
  if (step.wake !== null) w.bytes(wakeBytes(step.wake));
  if (step.waker !== null) {
    w.bytes(WAKER);
    w.int(step.waker);
  }
  if (step.end === null) w.bytes(OPEN);
  w.bytes(CLOSE2);
}

/**
 * DevTools' marker of a real recording: without it the panel reads the file as a "generic"
 * trace (thread tracks only, no custom tracks). One frame per source, in our one process.
 */
function tracingStarted(trace: Trace): string {
  const frameIdOf = (source: Trace["sources"][number]): string => `aioscope-frame-${source.frameId ?? `source-${source.id}`}`;
  const top = trace.sources[0];
  const frames = trace.sources.map((source) => ({
    frame: frameIdOf(source),
    url: source.url ?? (source.id === 0 ? (trace.metadata.url ?? "") : ""),
    name: source.label,
    processId: CHROME_PID,
    ...(source.id === 0 || top === undefined ? { isOutermostMainFrame: true, isInPrimaryMainFrame: true } : { parent: frameIdOf(top), isOutermostMainFrame: false, isInPrimaryMainFrame: false }),
  }));
  return `{"ph":"I","cat":"${TIMELINE_CATEGORY}","name":"TracingStartedInBrowser","pid":${CHROME_PID},"tid":0,"ts":0,"s":"t","args":{"data":${json({ frameTreeNodeId: 1, persistentIds: true, frames })}}}`;
}

function siteText(task: TaskRecord): string | null {
  const site = task.site;
  if (site === null) return null;
  const where = `${site.file}:${site.line}:${site.column}`;
  return site.function === null ? where : `${site.function} (${where})`;
}

function taskPayload(task: TaskRecord, track: string, parent: string | null, firstStep: StepRecord | null, trackOf: (task: number | null) => string | null): TrackEntryPayload {
  const properties: [string, string][] = [["outcome", task.outcome], ["kind", task.kind], ["parent", parent ?? "none"]];
  if (firstStep?.wake != null) properties.push(["first woken", wakeText(firstStep.wake, trackOf(firstStep.waker))]);
  const site = siteText(task);
  if (site !== null) properties.push(["created at", site]);
  if (task.error !== null) properties.push(["error", `${task.error.name}: ${task.error.message}`]);
  if (task.preexisting) properties.push(["preexisting", "it existed before the recording began"]);
  return {
    dataType: "track-entry", track, trackGroup: TASKS_TRACK_GROUP, color: taskColor(task.outcome), properties,
    tooltipText: `${track}: ${task.outcome}`,
  };
}

function nativePayload(n: NativeOpRecord, sourceLabel: string | null, trackOf: (task: number | null) => string | null): TrackEntryPayload {
  const outcome = n.outcome ?? "pending";
  const properties: [string, string][] = [["kind", n.kind], ["outcome", outcome]];
  const task = trackOf(n.task);
  if (task !== null) properties.push(["started by", task]);
  if (n.detail !== null) properties.push(["detail", n.detail]);
  if (n.ticks.length > 0) properties.push(["ticks", String(n.ticks.length)]);
  return {
    dataType: "track-entry", track: sourceLabel === null ? n.kind : `${n.kind} (${sourceLabel})`, trackGroup: NATIVE_TRACK_GROUP,
    color: nativeColor(n.outcome), properties, tooltipText: `${n.label}: ${outcome}`,
  };
}

interface CounterPoint {
  /** µs */
  readonly time: number;
  readonly alive: number;
  readonly running: number;
  readonly ready: number;
  readonly waiting: number;
}

/** The four counts over time, `time` in whole µs (see `ConcurrencySeries`). */
interface Counts {
  readonly time: ArrayLike<number>;
  readonly alive: ArrayLike<number>;
  readonly running: ArrayLike<number>;
  readonly ready: ArrayLike<number>;
  readonly waiting: ArrayLike<number>;
}

function seriesInUs(series: ConcurrencySeries): Counts {
  return { ...series, time: Float64Array.from(series.time, toUs) };
}

/** Receives each point of a counts series in time order: time (µs), alive, running, ready, waiting. */
type PointVisitor = (time: number, alive: number, running: number, ready: number, waiting: number) => void;

/**
 * The counts of `concurrencySeries` (analysis/concurrency.ts), swept from the export's own
 * sorted entries instead of sorting every interval again: at time 0 and at each µs where
 * something starts or ends, the tasks alive, running, ready and waiting once all of that µs
 * is applied. Intervals still open at the end never end, as there.
 */
function sweepConcurrency(trace: Trace, events: EventList, order: Uint32Array, endUs: number, visit: PointVisitor): void {
  let time = 0;
  let a = 0;
  let r = 0;
  let q = 0;
  let w = 0;
  for (let o = 0; o < order.length; o++) {
    const e = order[o]!;
    const k = events.index[e]!;
    const what = events.what[e]!;
    if (what === TASK_END && trace.tasks[k]!.end === null) continue;
    if (what === AWAIT_END && trace.awaits[k]!.end === null) continue;
    if (what !== TASK_BEGIN && what !== TASK_END && what !== AWAIT_BEGIN && what !== AWAIT_END && what !== STEP && what !== STEP_END
      && what !== READY_BEGIN && what !== TASK_READY) continue;
    const us = events.ts[e]!;
    if (us > endUs) break;
    if (us !== time) {
      visit(time, a, r, q, w);
      time = us;
    }
    if (what === TASK_BEGIN) a++;
    else if (what === TASK_END) a--;
    else if (what === AWAIT_BEGIN) w++;
    else if (what === AWAIT_END) w--;
    else if (what === STEP) {
      r++;
      if (trace.steps[k]!.ready !== null) q--;
    } else if (what === STEP_END) r--;
    else q++;
  }
  visit(time, a, r, q, w);
}

/**
 * The swept counts as counter points, downsampled as `counterPoints` does: one pass counts the
 * points, the next one buckets them, so the whole series is never held.
 */
function sweptCounterPoints(trace: Trace, events: EventList, order: Uint32Array, endUs: number, max: number): CounterPoint[] {
  let n = 0;
  let last = 0;
  sweepConcurrency(trace, events, order, endUs, (time) => {
    n++;
    last = time;
  });
  const bucket = n > max && last > 0 ? last / max : 0;
  const points: CounterPoint[] = [];
  let current: { time: number; alive: number; running: number; ready: number; waiting: number } | null = null;
  sweepConcurrency(trace, events, order, endUs, (time, alive, running, ready, waiting) => {
    if (current !== null && bucket > 0 && time < current.time + bucket) {
      current.alive = Math.max(current.alive, alive);
      current.running = Math.max(current.running, running);
      current.ready = Math.max(current.ready, ready);
      current.waiting = Math.max(current.waiting, waiting);
      return;
    }
    current = { time, alive, running, ready, waiting };
    points.push(current);
  });
  return points;
}

/** Concurrency counters; past `max` points, each bucket of time shows its maxima (peaks stay visible). */
function counterPoints(series: Counts, max: number): CounterPoint[] {
  const points: CounterPoint[] = [];
  const n = series.time.length;
  if (n === 0) return points;
  const span = series.time[n - 1]! - series.time[0]!;
  const bucket = n > max && span > 0 ? span / max : 0;
  let i = 0;
  while (i < n) {
    const time = series.time[i]!;
    let alive = series.alive[i]!;
    let running = series.running[i]!;
    let ready = series.ready[i]!;
    let waiting = series.waiting[i]!;
    let j = i + 1;
    if (bucket > 0) {
      const limit = time + bucket;
      while (j < n && series.time[j]! < limit) {
        alive = Math.max(alive, series.alive[j]!);
        running = Math.max(running, series.running[j]!);
        ready = Math.max(ready, series.ready[j]!);
        waiting = Math.max(waiting, series.waiting[j]!);
        j++;
      }
    }
    points.push({ time, alive, running, ready, waiting });
    i = j;
  }
  return points;
}
