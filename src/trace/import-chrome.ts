/**
 * Rebuilding a trace from aioscope's own Chrome Trace Event export (export-chrome.ts): the
 * events are turned back into model records in file order, then read by the same checks as
 * an aioscope file. Errors name the event (`$.traceEvents[k]`) that holds the bad data.
 */
import { TRACE_FORMAT, TRACE_VERSION } from "./model.ts";
import { PROGRESS_EVERY, TraceInputError, readTrace } from "./validate.ts";
import type { Trace } from "./model.ts";
import { DISPLAY_CATEGORY, TIMELINE_CATEGORY, USER_TIMING_CATEGORY } from "./chrome-events.ts";

type Obj = Record<string, unknown>;

/** An open span: a task's lifetime, one of its awaits, or a native operation. */
interface Open {
  readonly kind: "task" | "await" | "native";
  readonly record: Obj;
}

/** Categories of the spans: today's (the one `performance.measure` writes), and those of earlier exports. */
const SPAN_CATEGORIES = new Set([USER_TIMING_CATEGORY, "task", "native"]);
/** Events that are only drawn: DevTools' start-of-recording event, the end-of-session instant and the counters. */
const DISPLAY_ONLY_CATEGORIES = new Set([TIMELINE_CATEGORY, DISPLAY_CATEGORY, "timeout.expired", "error"]);
/** Metadata, counters and flow arrows (both versions of Chrome's flow events). */
const DISPLAY_ONLY_PHASES = new Set(["M", "C", "s", "t", "f"]);

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A Chrome trace written by aioscope: has `otherData.aioscope`. */
export function isAioscopeChromeTrace(raw: unknown): boolean {
  return isObject(raw) && Array.isArray(raw.traceEvents) && isObject(raw.otherData) && isObject(raw.otherData.aioscope);
}

export function* readChromeTrace(raw: Obj): Generator<number, Trace> {
  const meta = (raw.otherData as Obj).aioscope as Obj;
  if (meta.format !== undefined && meta.format !== TRACE_FORMAT) {
    throw new TraceInputError("$.otherData.aioscope.format", `expected "${TRACE_FORMAT}", got ${JSON.stringify(meta.format)}`);
  }
  if (meta.version !== TRACE_VERSION) throw versionError("$.otherData.aioscope.version", meta.version);
  const events = raw.traceEvents as unknown[];
  const tasks: Obj[] = [];
  const steps: Obj[] = [];
  const awaits: Obj[] = [];
  const cancellations: Obj[] = [];
  const timeouts: Obj[] = [];
  const resourceOps: Obj[] = [];
  const nativeOps: Obj[] = [];
  const markers: Obj[] = [];
  /** For each collection, the event each record came from, to point errors at it. */
  const origins: Record<string, number[]> = {
    tasks: [], steps: [], awaits: [], cancellations: [], timeouts: [], resourceOps: [], nativeOps: [], markers: [],
  };
  /** Open spans per category and id: a task's awaits share its id and nest in its lifetime. */
  const open = new Map<string, Open[]>();
  const add = (list: Obj[], collection: string, record: Obj, k: number): void => {
    list.push(record);
    origins[collection]!.push(k);
  };

  for (let k = 0; k < events.length; k++) {
    if ((k & (PROGRESS_EVERY - 1)) === 0 && k > 0) yield PROGRESS_EVERY;
    const e = events[k];
    const path = `$.traceEvents[${k}]`;
    if (!isObject(e)) throw new TraceInputError(path, "expected an event object");
    const ph = e.ph;
    if (typeof ph !== "string") throw new TraceInputError(`${path}.ph`, `expected the event's phase as a string, got ${describeShort(ph)}`);
    const cat = e.cat;
    if (DISPLAY_ONLY_PHASES.has(ph) || (typeof cat === "string" && DISPLAY_ONLY_CATEGORIES.has(cat))) continue;
    const ts = e.ts;
    if (typeof ts !== "number" || !Number.isFinite(ts)) throw new TraceInputError(`${path}.ts`, `expected a timestamp in µs (a finite number), got ${describeShort(ts)}`);
    if (ts < 0) throw new TraceInputError(`${path}.ts`, `expected a timestamp ≥ 0, got ${ts}`);
    const ms = ts / 1000;
    const args = isObject(e.args) ? e.args : null;
    if (args === null) throw new TraceInputError(`${path}.args`, `expected the event's args object, got ${describeShort(e.args)}`);
    const id = typeof e.id === "string" || typeof e.id === "number" ? String(e.id) : null;
    const spanKey = (): string => {
      if (id === null) throw new TraceInputError(`${path}.id`, `expected the async span's id, got ${describeShort(e.id)}`);
      return `${String(cat)} ${id}`;
    };
    // Instants were written as "i" by earlier exports; Chrome's current spelling is "I".
    const isInstant = ph === "I" || ph === "i";
    if (typeof cat === "string" && SPAN_CATEGORIES.has(cat) && ph === "b") {
      const key = spanKey();
      let stack = open.get(key);
      if (stack === undefined) open.set(key, (stack = []));
      if (isObject(args.task)) {
        const t = args.task;
        const record: Obj = {
          id: t.id, source: t.source, name: e.name, parent: t.parent, kind: t.kind, created: ms, site: t.site,
          end: null, outcome: "pending", error: null, errorRetrieved: null, preexisting: t.preexisting, ready: t.ready,
        };
        add(tasks, "tasks", record, k);
        stack.push({ kind: "task", record });
      } else if (typeof args.await === "string") {
        const owner = stack[0];
        if (owner === undefined || owner.kind !== "task") throw new TraceInputError(path, `an await span (id ${id}) outside any task span`);
        const record: Obj = {
          task: owner.record.id, start: ms, end: null, kind: args.await, label: e.name,
          targetTask: args.targetTask ?? null, resource: args.resource ?? null, outcome: null,
        };
        add(awaits, "awaits", record, k);
        stack.push({ kind: "await", record });
      } else if (isObject(args.native)) {
        const n = args.native;
        const record: Obj = {
          id: n.id, source: n.source, kind: n.kind, label: e.name, start: ms, end: null, outcome: null,
          task: n.task, parent: n.parent, cause: n.cause, detail: null, ticks: n.ticks,
        };
        add(nativeOps, "nativeOps", record, k);
        stack.push({ kind: "native", record });
      } else throw new TraceInputError(`${path}.args`, "expected args.task (a task span), args.await (an await span) or args.native (a native operation)");
    } else if (typeof cat === "string" && SPAN_CATEGORIES.has(cat) && ph === "e") {
      const top = open.get(spanKey())?.pop();
      if (top === undefined) throw new TraceInputError(path, `an end ("e") of span ${id} that never began`);
      // A span still open when the trace was taken ends at the trace's end, marked open.
      if (args.open === true) continue;
      top.record.end = ms;
      top.record.outcome = args.outcome;
      if (top.kind === "task") {
        top.record.error = args.error ?? null;
        top.record.errorRetrieved = args.errorRetrieved ?? null;
      } else if (top.kind === "native") {
        top.record.detail = args.detail ?? null;
      }
    } else if (cat === "step" && (ph === "X" || ph === "B" || isInstant)) {
      let end: number | null = null;
      if (ph === "X") {
        const dur = e.dur;
        if (typeof dur !== "number" || !Number.isFinite(dur) || dur < 0) throw new TraceInputError(`${path}.dur`, `expected a duration ≥ 0 in µs, got ${describeShort(dur)}`);
        end = (ts + dur) / 1000;
      } else if (isInstant) end = ms; // a step of zero length
      if (args.open === true) end = null;
      add(steps, "steps", { task: args.task, start: ms, end, ready: args.ready ?? null, wake: args.wake ?? null, waker: args.waker ?? null }, k);
    } else if (cat === "cancel" && isInstant) {
      add(cancellations, "cancellations", { time: ms, task: args.task, by: args.by ?? null, message: args.message ?? null }, k);
    } else if (cat === "timeout" && isInstant) {
      add(timeouts, "timeouts", { task: args.task, armed: ms, deadline: args.deadline, expired: args.expired ?? null }, k);
    } else if (cat === "resource" && isInstant) {
      add(resourceOps, "resourceOps", { time: ms, resource: args.resource, op: args.op, task: args.task ?? null, value: args.value ?? null }, k);
    } else if (cat === "marker" && isInstant) {
      add(markers, "markers", { time: ms, source: args.source, kind: args.kind, label: args.label, detail: args.detail ?? null }, k);
    } else {
      throw new TraceInputError(path, `unexpected event (ph ${JSON.stringify(ph)}, cat ${JSON.stringify(cat)}) in an aioscope Chrome trace`);
    }
  }

  const rebuilt = {
    format: TRACE_FORMAT, version: TRACE_VERSION, metadata: meta.metadata, sources: meta.sources, end: meta.end,
    droppedEvents: meta.droppedEvents, tasks, steps, awaits, cancellations, timeouts, resources: meta.resources,
    resourceOps, nativeOps, markers,
  };
  try {
    return yield* readTrace(rebuilt);
  } catch (error) {
    if (!(error instanceof TraceInputError)) throw error;
    // Point at the event the bad record came from; session-level fields live in otherData.
    const at = error.collection !== undefined && error.index !== undefined ? origins[error.collection]?.[error.index] : undefined;
    const where = error.path.replace(/^\$/, "");
    if (at !== undefined) throw new TraceInputError(`$.traceEvents[${at}]`, `${where.slice(1)}: ${error.message}`);
    throw new TraceInputError(`$.otherData.aioscope${where}`, error.message);
  }
}

export function versionError(path: string, version: unknown): TraceInputError {
  if (typeof version === "number" && version > TRACE_VERSION) {
    return new TraceInputError(path, `this is an aioscope trace of version ${version}, newer than this aioscope reads (version ${TRACE_VERSION}): update aioscope to open it`);
  }
  return new TraceInputError(path, `unsupported aioscope trace version ${JSON.stringify(version) ?? "(missing)"}: this aioscope reads version ${TRACE_VERSION}`);
}

function describeShort(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}
