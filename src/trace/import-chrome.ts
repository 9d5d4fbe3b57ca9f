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
  const meta = checkedMeta(raw);
  const events = raw.traceEvents as unknown[];
  const records = new ChromeRecords();
  for (let k = 0; k < events.length; k++) {
    if ((k & (PROGRESS_EVERY - 1)) === 0 && k > 0) yield PROGRESS_EVERY;
    records.event(k, events[k]);
  }
  return yield* records.trace(meta);
}

/** `otherData.aioscope`, once its format and version are ones this aioscope reads. */
export function checkedMeta(raw: Obj): Obj {
  const meta = (raw.otherData as Obj).aioscope as Obj;
  if (meta.format !== undefined && meta.format !== TRACE_FORMAT) {
    throw new TraceInputError("$.otherData.aioscope.format", `expected "${TRACE_FORMAT}", got ${JSON.stringify(meta.format)}`);
  }
  if (meta.version !== TRACE_VERSION) throw versionError("$.otherData.aioscope.version", meta.version);
  return meta;
}

/**
 * The model's records, rebuilt event by event in file order. `event` reads any parsed event;
 * the fast reader (chrome-layout.ts) calls `step`, `awaitBegin` and `spanEnd` directly with the
 * fields it scanned, so both readers build the same records and raise the same errors.
 */
export class ChromeRecords {
  private readonly tasks: Obj[] = [];
  private readonly steps: Obj[] = [];
  private readonly awaits: Obj[] = [];
  private readonly cancellations: Obj[] = [];
  private readonly timeouts: Obj[] = [];
  private readonly resourceOps: Obj[] = [];
  private readonly nativeOps: Obj[] = [];
  private readonly markers: Obj[] = [];
  /** For each collection, the event each record came from, to point errors at it. */
  private readonly origins: Record<string, number[]> = {
    tasks: [], steps: [], awaits: [], cancellations: [], timeouts: [], resourceOps: [], nativeOps: [], markers: [],
  };
  /** Open spans per category and id: a task's awaits share its id and nest in its lifetime. */
  private readonly open = new Map<string, Open[]>();

  private add(list: Obj[], collection: string, record: Obj, k: number): void {
    list.push(record);
    this.origins[collection]!.push(k);
  }

  private stack(key: string): Open[] {
    let stack = this.open.get(key);
    if (stack === undefined) this.open.set(key, (stack = []));
    return stack;
  }

  /** Event `k`, as JSON.parse gave it. */
  event(k: number, e: unknown): void {
    const path = `$.traceEvents[${k}]`;
    if (!isObject(e)) throw new TraceInputError(path, "expected an event object");
    const ph = e.ph;
    if (typeof ph !== "string") throw new TraceInputError(`${path}.ph`, `expected the event's phase as a string, got ${describeShort(ph)}`);
    const cat = e.cat;
    if (DISPLAY_ONLY_PHASES.has(ph) || (typeof cat === "string" && DISPLAY_ONLY_CATEGORIES.has(cat))) return;
    const ts = e.ts;
    if (typeof ts !== "number" || !Number.isFinite(ts)) throw new TraceInputError(`${path}.ts`, `expected a timestamp in µs (a finite number), got ${describeShort(ts)}`);
    if (ts < 0) throw new TraceInputError(`${path}.ts`, `expected a timestamp ≥ 0, got ${ts}`);
    const ms = ts / 1000;
    const args = isObject(e.args) ? e.args : null;
    if (args === null) throw new TraceInputError(`${path}.args`, `expected the event's args object, got ${describeShort(e.args)}`);
    const id = typeof e.id === "string" || typeof e.id === "number" ? String(e.id) : null;
    // Instants were written as "i" by earlier exports; Chrome's current spelling is "I".
    const isInstant = ph === "I" || ph === "i";
    const isSpan = typeof cat === "string" && SPAN_CATEGORIES.has(cat) && (ph === "b" || ph === "e");
    if (isSpan && id === null) throw new TraceInputError(`${path}.id`, `expected the async span's id, got ${describeShort(e.id)}`);
    if (isSpan && ph === "b") {
      const key = `${String(cat)} ${id}`;
      if (isObject(args.task)) {
        const t = args.task;
        const record: Obj = {
          id: t.id, source: t.source, name: e.name, parent: t.parent, kind: t.kind, created: ms, site: t.site,
          end: null, outcome: "pending", error: null, errorRetrieved: null, preexisting: t.preexisting, ready: t.ready,
        };
        this.add(this.tasks, "tasks", record, k);
        this.stack(key).push({ kind: "task", record });
      } else if (typeof args.await === "string") {
        this.awaitBegin(k, key, id!, ms, args.await, e.name, args.targetTask ?? null, args.resource ?? null);
      } else if (isObject(args.native)) {
        const n = args.native;
        const record: Obj = {
          id: n.id, source: n.source, kind: n.kind, label: e.name, start: ms, end: null, outcome: null,
          task: n.task, parent: n.parent, cause: n.cause, detail: null, ticks: n.ticks,
        };
        this.add(this.nativeOps, "nativeOps", record, k);
        this.stack(key).push({ kind: "native", record });
      } else throw new TraceInputError(`${path}.args`, "expected args.task (a task span), args.await (an await span) or args.native (a native operation)");
    } else if (isSpan) {
      this.spanEnd(k, `${String(cat)} ${id}`, id!, ms, args);
    } else if (cat === "step" && (ph === "X" || ph === "B" || isInstant)) {
      let end: number | null = null;
      if (ph === "X") {
        const dur = e.dur;
        if (typeof dur !== "number" || !Number.isFinite(dur) || dur < 0) throw new TraceInputError(`${path}.dur`, `expected a duration ≥ 0 in µs, got ${describeShort(dur)}`);
        end = (ts + dur) / 1000;
      } else if (isInstant) end = ms; // a step of zero length
      if (args.open === true) end = null;
      this.step(k, args.task, ms, end, args.ready ?? null, args.wake ?? null, args.waker ?? null);
    } else if (cat === "cancel" && isInstant) {
      this.add(this.cancellations, "cancellations", { time: ms, task: args.task, by: args.by ?? null, message: args.message ?? null, ...(args.canceller === undefined ? {} : { canceller: args.canceller }) }, k);
    } else if (cat === "timeout" && isInstant) {
      this.add(this.timeouts, "timeouts", { task: args.task, armed: ms, deadline: args.deadline, expired: args.expired ?? null }, k);
    } else if (cat === "resource" && isInstant) {
      this.add(this.resourceOps, "resourceOps", { time: ms, resource: args.resource, op: args.op, task: args.task ?? null, value: args.value ?? null }, k);
    } else if (cat === "marker" && isInstant) {
      this.add(this.markers, "markers", { time: ms, source: args.source, kind: args.kind, label: args.label, detail: args.detail ?? null }, k);
    } else {
      throw new TraceInputError(path, `unexpected event (ph ${JSON.stringify(ph)}, cat ${JSON.stringify(cat)}) in an aioscope Chrome trace`);
    }
  }

  /** A step (an `X` slice, or an instant when it has no length); `end` null while it was still running. */
  step(k: number, task: unknown, start: number, end: number | null, ready: unknown, wake: unknown, waker: unknown): void {
    this.add(this.steps, "steps", { task, start, end, ready, wake, waker }, k);
  }

  /** The begin of an await's span, nested in its task's span (same category and id, `key`). */
  awaitBegin(k: number, key: string, id: string, start: number, kind: string, label: unknown, targetTask: unknown, resource: unknown): void {
    const stack = this.stack(key);
    const owner = stack[0];
    if (owner === undefined || owner.kind !== "task") throw new TraceInputError(`$.traceEvents[${k}]`, `an await span (id ${id}) outside any task span`);
    const record: Obj = { task: owner.record.id, start, end: null, kind, label, targetTask, resource, outcome: null };
    this.add(this.awaits, "awaits", record, k);
    stack.push({ kind: "await", record });
  }

  /** The end of the innermost open span of `key`. An await's end without an outcome resumed. */
  spanEnd(k: number, key: string, id: string, end: number, args: Obj): void {
    const top = this.open.get(key)?.pop();
    if (top === undefined) throw new TraceInputError(`$.traceEvents[${k}]`, `an end ("e") of span ${id} that never began`);
    // A span still open when the trace was taken ends at the trace's end, marked open.
    if (args.open === true) return;
    top.record.end = end;
    top.record.outcome = top.kind === "await" && args.outcome === undefined ? "resumed" : args.outcome;
    if (top.kind === "task") {
      top.record.error = args.error ?? null;
      top.record.errorRetrieved = args.errorRetrieved ?? null;
    } else if (top.kind === "native") {
      top.record.detail = args.detail ?? null;
    }
  }

  /** The whole trace, read by the same checks as an aioscope file, errors pointing at events. */
  *trace(meta: Obj): Generator<number, Trace> {
    const rebuilt = {
      format: TRACE_FORMAT, version: TRACE_VERSION, metadata: meta.metadata, sources: meta.sources, end: meta.end,
      droppedEvents: meta.droppedEvents, tasks: this.tasks, steps: this.steps, awaits: this.awaits, cancellations: this.cancellations,
      timeouts: this.timeouts, resources: meta.resources, resourceOps: this.resourceOps, nativeOps: this.nativeOps, markers: this.markers,
    };
    try {
      return yield* readTrace(rebuilt);
    } catch (error) {
      if (!(error instanceof TraceInputError)) throw error;
      // Point at the event the bad record came from; session-level fields live in otherData.
      const at = error.collection !== undefined && error.index !== undefined ? this.origins[error.collection]?.[error.index] : undefined;
      const where = error.path.replace(/^\$/, "");
      if (at !== undefined) throw new TraceInputError(`$.traceEvents[${at}]`, `${where.slice(1)}: ${error.message}`);
      throw new TraceInputError(`$.otherData.aioscope${where}`, error.message);
    }
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
