/**
 * A checked trace as columns, to cross from the import worker to the panel: the four big
 * collections (tasks, steps, awaits, resource operations) become typed arrays, moved (not
 * copied) with the messages that carry them (`ColumnsPart`, one a collection, sent as soon as
 * it is checked), and their repeated strings one table. Structured clone of the
 * same trace as objects costs seconds on each side for 100 000 tasks, and tens of seconds
 * for a million; rebuilding the objects from columns costs a fraction of that.
 *
 * The import worker reads a file straight into columns (`readTraceColumns`): each record goes
 * into them as it is checked, so it never holds millions of parsed objects, whose garbage
 * collection costs more than parsing them.
 *
 * In the columns, null is NaN for numbers (no checked time or id is NaN) and −1 for strings
 * and kinds. Objects are rebuilt with their members in the model's order, so an exported
 * file has the same bytes as before the import.
 */
import {
  AWAIT_OUTCOMES, WAKE_KINDS,
  type AwaitOutcome, type AwaitRecord, type CreationSite, type ErrorInfo, type PendingWake, type ResourceOpRecord, type StepRecord,
  type TaskKind, type TaskOutcome, type TaskRecord, type Trace, type WakeKind,
} from "./model.ts";
import { readTraceInto, type RecordSink, type TraceSinks } from "./validate.ts";

const TASK_KINDS: readonly TaskKind[] = ["coroutine", "async", "native"];
const TASK_OUTCOMES: readonly TaskOutcome[] = ["done", "error", "cancelled", "pending"];

interface TaskColumns {
  readonly id: Float64Array;
  readonly source: Float64Array;
  readonly name: Int32Array;
  readonly parent: Float64Array;
  readonly kind: Int8Array;
  readonly created: Float64Array;
  /** An index in `sites`; −1: no site. */
  readonly site: Int32Array;
  /** Each distinct creation site once. */
  readonly sites: readonly CreationSite[];
  readonly end: Float64Array;
  readonly outcome: Int8Array;
  readonly errorRetrieved: Float64Array;
  readonly preexisting: Uint8Array;
  /** The few tasks with an error or a pending wake-up, by index, in order. */
  readonly errors: readonly (readonly [number, ErrorInfo])[];
  readonly ready: readonly (readonly [number, PendingWake])[];
}

interface StepColumns {
  readonly task: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly ready: Float64Array;
  readonly wake: Int8Array;
  readonly waker: Float64Array;
}

interface AwaitColumns {
  readonly task: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly kind: Int32Array;
  readonly label: Int32Array;
  readonly targetTask: Float64Array;
  readonly resource: Float64Array;
  readonly outcome: Int8Array;
}

interface ResourceOpColumns {
  readonly time: Float64Array;
  readonly resource: Float64Array;
  readonly op: Int32Array;
  readonly task: Float64Array;
  readonly value: Float64Array;
}

/** A trace as it crosses from the worker: the small collections as they are, the big ones as columns. */
export interface TraceColumns {
  readonly rest: Omit<Trace, "tasks" | "steps" | "awaits" | "resourceOps">;
  readonly strings: readonly string[];
  readonly tasks: TaskColumns;
  readonly steps: StepColumns;
  readonly awaits: AwaitColumns;
  readonly resourceOps: ResourceOpColumns;
}

/**
 * One of a trace's four large collections as columns, sent as soon as it is checked, with the
 * strings that entered the table since the previous part (each part's indexes point into the
 * strings of the parts before it and its own).
 */
export type ColumnsPart =
  | { readonly collection: "tasks"; readonly columns: TaskColumns; readonly strings: readonly string[] }
  | { readonly collection: "steps"; readonly columns: StepColumns; readonly strings: readonly string[] }
  | { readonly collection: "awaits"; readonly columns: AwaitColumns; readonly strings: readonly string[] }
  | { readonly collection: "resourceOps"; readonly columns: ResourceOpColumns; readonly strings: readonly string[] };

/** Each distinct string once: its index in `list`. */
class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  private sent = 0;

  /** The strings added since the last call. */
  unsent(): string[] {
    const added = this.list.slice(this.sent);
    this.sent = this.list.length;
    return added;
  }

  of(value: string): number {
    let k = this.index.get(value);
    if (k === undefined) {
      k = this.list.length;
      this.list.push(value);
      this.index.set(value, k);
    }
    return k;
  }

}

/**
 * Each distinct creation site once, found by its parts in nested maps: a million tasks made
 * at a few hundred sites, without a key string built for each.
 */
class SiteIndex {
  private readonly byFile = new Map<string, Map<number, Map<number, Map<string | null, number>>>>();
  constructor(private readonly sites: CreationSite[]) {}

  of(site: CreationSite): number {
    let byLine = this.byFile.get(site.file);
    if (byLine === undefined) this.byFile.set(site.file, (byLine = new Map()));
    let byColumn = byLine.get(site.line);
    if (byColumn === undefined) byLine.set(site.line, (byColumn = new Map()));
    let byFunction = byColumn.get(site.column);
    if (byFunction === undefined) byColumn.set(site.column, (byFunction = new Map()));
    let index = byFunction.get(site.function);
    if (index === undefined) {
      index = this.sites.length;
      this.sites.push({ file: site.file, line: site.line, column: site.column, function: site.function });
      byFunction.set(site.function, index);
    }
    return index;
  }
}

const orNaN = (value: number | null): number => (value === null ? NaN : value);
const orNull = (value: number): number | null => (Number.isNaN(value) ? null : value);

function* tasksOf(c: TaskColumns, strings: readonly string[]): Generator<number, TaskRecord[]> {
  const n = c.id.length;
  // `errors` and `ready` are in task order: each is walked alongside, not looked up.
  let nextError = 0;
  let nextReady = 0;
  const tasks: TaskRecord[] = new Array<TaskRecord>(n);
  for (let k = 0; k < n; k++) {
    if ((k & (REBUILD_EVERY - 1)) === 0 && k > 0) yield REBUILD_EVERY;
    const site = c.site[k]!;
    const error = nextError < c.errors.length && c.errors[nextError]![0] === k ? c.errors[nextError++]![1] : null;
    const ready = nextReady < c.ready.length && c.ready[nextReady]![0] === k ? c.ready[nextReady++]![1] : null;
    tasks[k] = {
      id: c.id[k]!, source: c.source[k]!, name: strings[c.name[k]!]!, parent: orNull(c.parent[k]!), kind: TASK_KINDS[c.kind[k]!]!,
      created: c.created[k]!, site: site < 0 ? null : c.sites[site]!, end: orNull(c.end[k]!), outcome: TASK_OUTCOMES[c.outcome[k]!]!, error,
      errorRetrieved: orNull(c.errorRetrieved[k]!), preexisting: c.preexisting[k] === 1, ready,
    };
  }
  return tasks;
}

/** A large collection into columns, a record at a time as it is read. */
abstract class ColumnSink<R, C> implements RecordSink<R, C> {
  readonly keepsRaw = false;
  private k = 0;
  /** Called with the columns once the collection is read. */
  onDone: ((columns: C) => void) | null = null;
  constructor(private readonly c: C) {}
  add(_raw: object, record: R): void {
    this.write(this.c, this.k++, record);
  }
  result(): C {
    this.onDone?.(this.c);
    return this.c;
  }
  protected abstract write(c: C, k: number, record: R): void;
}

/** Tasks into columns, their names into the string table and their sites into a list of each once. */
class TaskSink extends ColumnSink<TaskRecord, TaskColumns> {
  private readonly siteIndex: SiteIndex;
  private readonly errors: [number, ErrorInfo][];
  private readonly ready: [number, PendingWake][];
  constructor(n: number, private readonly strings: StringTable) {
    const sites: CreationSite[] = [];
    const errors: [number, ErrorInfo][] = [];
    const ready: [number, PendingWake][] = [];
    super({
      id: new Float64Array(n), source: new Float64Array(n), name: new Int32Array(n), parent: new Float64Array(n), kind: new Int8Array(n),
      created: new Float64Array(n), site: new Int32Array(n), sites, end: new Float64Array(n), outcome: new Int8Array(n),
      errorRetrieved: new Float64Array(n), preexisting: new Uint8Array(n), errors, ready,
    });
    this.siteIndex = new SiteIndex(sites);
    this.errors = errors;
    this.ready = ready;
  }
  protected write(c: TaskColumns, k: number, task: TaskRecord): void {
    c.id[k] = task.id;
    c.source[k] = task.source;
    c.name[k] = this.strings.of(task.name);
    c.parent[k] = orNaN(task.parent);
    c.kind[k] = TASK_KINDS.indexOf(task.kind);
    c.created[k] = task.created;
    c.site[k] = task.site === null ? -1 : this.siteIndex.of(task.site);
    c.end[k] = orNaN(task.end);
    c.outcome[k] = TASK_OUTCOMES.indexOf(task.outcome);
    c.errorRetrieved[k] = orNaN(task.errorRetrieved);
    c.preexisting[k] = task.preexisting ? 1 : 0;
    if (task.error !== null) this.errors.push([k, task.error]);
    if (task.ready !== null) this.ready.push([k, task.ready]);
  }
}

/** Steps into columns, one at a time, as they are read. */
class StepSink extends ColumnSink<StepRecord, StepColumns> {
  constructor(n: number) {
    super({ task: new Float64Array(n), start: new Float64Array(n), end: new Float64Array(n), ready: new Float64Array(n), wake: new Int8Array(n), waker: new Float64Array(n) });
  }
  protected write(c: StepColumns, k: number, step: StepRecord): void {
    c.task[k] = step.task;
    c.start[k] = step.start;
    c.end[k] = orNaN(step.end);
    c.ready[k] = orNaN(step.ready);
    c.wake[k] = step.wake === null ? -1 : WAKE_KINDS.indexOf(step.wake);
    c.waker[k] = orNaN(step.waker);
  }
}

/** Awaits into columns, their kinds and labels into the string table. */
class AwaitSink extends ColumnSink<AwaitRecord, AwaitColumns> {
  constructor(n: number, private readonly strings: StringTable) {
    super({
      task: new Float64Array(n), start: new Float64Array(n), end: new Float64Array(n), kind: new Int32Array(n), label: new Int32Array(n),
      targetTask: new Float64Array(n), resource: new Float64Array(n), outcome: new Int8Array(n),
    });
  }
  protected write(c: AwaitColumns, k: number, wait: AwaitRecord): void {
    c.task[k] = wait.task;
    c.start[k] = wait.start;
    c.end[k] = orNaN(wait.end);
    c.kind[k] = this.strings.of(wait.kind);
    c.label[k] = this.strings.of(wait.label);
    c.targetTask[k] = orNaN(wait.targetTask);
    c.resource[k] = orNaN(wait.resource);
    c.outcome[k] = wait.outcome === null ? -1 : AWAIT_OUTCOMES.indexOf(wait.outcome);
  }
}

/** Resource operations into columns, their names into the string table. */
class ResourceOpSink extends ColumnSink<ResourceOpRecord, ResourceOpColumns> {
  constructor(n: number, private readonly strings: StringTable) {
    super({ time: new Float64Array(n), resource: new Float64Array(n), op: new Int32Array(n), task: new Float64Array(n), value: new Float64Array(n) });
  }
  protected write(c: ResourceOpColumns, k: number, op: ResourceOpRecord): void {
    c.time[k] = op.time;
    c.resource[k] = op.resource;
    c.op[k] = this.strings.of(op.op);
    c.task[k] = orNaN(op.task);
    c.value[k] = orNaN(op.value);
  }
}

/** Sinks into columns; with `onPart`, each collection is handed on as a part as soon as it is read. */
function columnSinks(strings: StringTable, onPart?: (part: ColumnsPart) => void): TraceSinks<TaskColumns, StepColumns, AwaitColumns, ResourceOpColumns> {
  const handing = <R, C>(sink: ColumnSink<R, C>, part: (columns: C, strings: string[]) => ColumnsPart): ColumnSink<R, C> => {
    if (onPart !== undefined) sink.onDone = (columns) => onPart(part(columns, strings.unsent()));
    return sink;
  };
  return {
    tasks: (n) => handing(new TaskSink(n, strings), (columns, added) => ({ collection: "tasks", columns, strings: added })),
    steps: (n) => handing(new StepSink(n), (columns, added) => ({ collection: "steps", columns, strings: added })),
    awaits: (n) => handing(new AwaitSink(n, strings), (columns, added) => ({ collection: "awaits", columns, strings: added })),
    resourceOps: (n) => handing(new ResourceOpSink(n, strings), (columns, added) => ({ collection: "resourceOps", columns, strings: added })),
  };
}

function fill<R extends object, C>(sink: RecordSink<R, C>, records: readonly R[]): C {
  for (const record of records) sink.add(record, record);
  return sink.result();
}

function* stepsOf(c: StepColumns): Generator<number, StepRecord[]> {
  const n = c.task.length;
  const steps: StepRecord[] = new Array<StepRecord>(n);
  for (let k = 0; k < n; k++) {
    if ((k & (REBUILD_EVERY - 1)) === 0 && k > 0) yield REBUILD_EVERY;
    const wake = c.wake[k]!;
    steps[k] = {
      task: c.task[k]!, start: c.start[k]!, end: orNull(c.end[k]!), ready: orNull(c.ready[k]!),
      wake: wake < 0 ? null : (WAKE_KINDS[wake] as WakeKind), waker: orNull(c.waker[k]!),
    };
  }
  return steps;
}


function* awaitsOf(c: AwaitColumns, strings: readonly string[]): Generator<number, AwaitRecord[]> {
  const n = c.task.length;
  const awaits: AwaitRecord[] = new Array<AwaitRecord>(n);
  for (let k = 0; k < n; k++) {
    if ((k & (REBUILD_EVERY - 1)) === 0 && k > 0) yield REBUILD_EVERY;
    const outcome = c.outcome[k]!;
    awaits[k] = {
      task: c.task[k]!, start: c.start[k]!, end: orNull(c.end[k]!), kind: strings[c.kind[k]!]!, label: strings[c.label[k]!]!,
      targetTask: orNull(c.targetTask[k]!), resource: orNull(c.resource[k]!), outcome: outcome < 0 ? null : (AWAIT_OUTCOMES[outcome] as AwaitOutcome),
    };
  }
  return awaits;
}


function* resourceOpsOf(c: ResourceOpColumns, strings: readonly string[]): Generator<number, ResourceOpRecord[]> {
  const n = c.time.length;
  const ops: ResourceOpRecord[] = new Array<ResourceOpRecord>(n);
  for (let k = 0; k < n; k++) {
    if ((k & (REBUILD_EVERY - 1)) === 0 && k > 0) yield REBUILD_EVERY;
    ops[k] = { time: c.time[k]!, resource: c.resource[k]!, op: strings[c.op[k]!]!, task: orNull(c.task[k]!), value: orNull(c.value[k]!) };
  }
  return ops;
}

function buffersOf(columns: object): ArrayBuffer[] {
  return Object.values(columns).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v)).map((v) => v.buffer as ArrayBuffer);
}

/** The buffers of a part, to move with the message that carries it. */
export function transferOfPart(part: ColumnsPart): ArrayBuffer[] {
  return buffersOf(part.columns);
}

/** A trace's columns as its four parts, in the order they are read, the whole string table with the first. */
export function partsOf(columns: TraceColumns): ColumnsPart[] {
  return [
    { collection: "tasks", columns: columns.tasks, strings: columns.strings },
    { collection: "steps", columns: columns.steps, strings: [] },
    { collection: "awaits", columns: columns.awaits, strings: [] },
    { collection: "resourceOps", columns: columns.resourceOps, strings: [] },
  ];
}

/** A trace as columns. */
export function toColumns(trace: Trace): TraceColumns {
  const strings = new StringTable();
  const sinks = columnSinks(strings);
  const { tasks, steps, awaits, resourceOps, ...rest } = trace;
  return {
    rest,
    tasks: fill(sinks.tasks(tasks.length), tasks),
    steps: fill(sinks.steps(steps.length), steps),
    awaits: fill(sinks.awaits(awaits.length), awaits),
    resourceOps: fill(sinks.resourceOps(resourceOps.length), resourceOps),
    strings: strings.list,
  };
}

/**
 * Reads a parsed aioscope trace (see `readTrace`, whose checks and errors it shares) straight
 * into columns. Yields progress as `readTrace` does. With `onPart`, each large collection is
 * handed on as soon as it is read, so a reader can start on it while the rest is checked (a
 * later error makes the parts handed on worthless).
 */
export function* readTraceColumns(raw: unknown, onPart?: (part: ColumnsPart) => void): Generator<number, TraceColumns> {
  const strings = new StringTable();
  const { tasks, steps, awaits, resourceOps, ...rest } = yield* readTraceInto(raw, columnSinks(strings, onPart));
  return { rest, tasks, steps, awaits, resourceOps, strings: strings.list };
}

/** The trace the columns were made from. */
export function fromColumns(columns: TraceColumns): Trace {
  const rebuilder = new TraceRebuilder();
  for (const part of partsOf(columns)) for (const _ of rebuilder.add(part));
  return rebuilder.trace(columns.rest);
}

/**
 * Records rebuilt between two yields of `TraceRebuilder.add`, so the panel can pause between
 * slices: a million-task file's 3.5 M records take seconds to rebuild.
 */
const REBUILD_EVERY = 1 << 14;

/** A trace's records rebuilt from its columns a part at a time, in the order the parts are read. */
export class TraceRebuilder {
  private readonly strings: string[] = [];
  private tasks: TaskRecord[] | null = null;
  private steps: StepRecord[] | null = null;
  private awaits: AwaitRecord[] | null = null;
  private resourceOps: ResourceOpRecord[] | null = null;

  /** Rebuilds a part's records; yields every REBUILD_EVERY records. */
  *add(part: ColumnsPart): Generator<number, void> {
    for (const added of part.strings) this.strings.push(added);
    switch (part.collection) {
      case "tasks":
        this.tasks = yield* tasksOf(part.columns, this.strings);
        break;
      case "steps":
        this.steps = yield* stepsOf(part.columns);
        break;
      case "awaits":
        this.awaits = yield* awaitsOf(part.columns, this.strings);
        break;
      case "resourceOps":
        this.resourceOps = yield* resourceOpsOf(part.columns, this.strings);
        break;
    }
  }

  /** The trace, once every part is rebuilt; `rest` is everything but the four large collections. */
  trace(rest: TraceColumns["rest"]): Trace {
    const { tasks, steps, awaits, resourceOps } = this;
    if (tasks === null || steps === null || awaits === null || resourceOps === null) throw new Error("a trace's columns are missing a part");
    return {
      format: rest.format, version: rest.version, metadata: rest.metadata, sources: rest.sources, end: rest.end,
      droppedEvents: rest.droppedEvents, tasks, steps, awaits, cancellations: rest.cancellations, timeouts: rest.timeouts, resources: rest.resources,
      resourceOps, nativeOps: rest.nativeOps, markers: rest.markers,
    };
  }
}
