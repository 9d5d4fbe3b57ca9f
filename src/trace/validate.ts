/**
 * Reading a parsed aioscope trace (v1) into a Trace, checking everything on the way: shapes
 * and types, finite non-negative times, end ≥ start, arrays in non-decreasing time order,
 * steps of one source never overlapping, and no dangling ids. The first problem stops the
 * read with its JSONPath and what was wrong.
 *
 * It is a generator that yields the number of records read so far every few thousand
 * records, so the importer can report progress and pause between slices; run to the end
 * in one go it is an ordinary function.
 */
import {
  AWAIT_OUTCOMES, CLOCK_KINDS, MARKER_KINDS, NATIVE_KINDS, NATIVE_OUTCOMES, RUNTIME_ORIGINS, TRACE_FORMAT,
  TRACE_VERSION, WAKE_KINDS, localIdOf, quantize, sourceOfId,
  type AwaitRecord, type CancellationRecord, type CreationSite, type ErrorInfo, type MarkerRecord, type NativeOpRecord,
  type PendingWake, type ResourceOpRecord, type ResourceRecord, type SourceInfo, type StepRecord, type RuntimeCopy, type RuntimeOrigin, type TaskRecord,
  type TimeoutRecord, type Trace, type TraceMetadata,
} from "./model.ts";
import { LazyJsonArray, NO_MORE_ELEMENTS, parseLazyMembers, type ElementCursor, type RecordLayout } from "./json-bytes.ts";

/** Thrown inside the reader, caught by the importer: `collection`/`index` locate the record. */
export class TraceInputError extends Error {
  constructor(readonly path: string, message: string, readonly collection?: string, readonly index?: number) {
    super(message);
    this.name = "TraceInputError";
  }
}

export const PROGRESS_EVERY = 16384;
/**
 * The latest time a trace may hold: 10⁹ ms (11.6 days) from its origin. Anything beyond is
 * not a recording but a broken or forged file, and would overflow the µs quantization and
 * the Chrome export's integer timestamps.
 */
export const MAX_TRACE_TIME_MS = 1e9;
/** Epoch times (time origins) stay within what a JavaScript Date can hold. */
const MAX_EPOCH_MS = 8.64e15;
const MAX_KIND_LENGTH = 64;
const TASK_KINDS = ["coroutine", "async", "native"] as const;
const TASK_OUTCOMES = ["done", "error", "cancelled", "pending"] as const;

type Obj = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "undefined") return "nothing (the field is missing)";
  return `${typeof value} ${String(value)}`;
}

/** Field readers: each checks one member of `o` and names `path.key` when it is wrong. */
class Reader {
  constructor(private readonly collection?: string, private index?: number, private readonly fixed = "$") {}

  at(index: number): this {
    this.index = index;
    return this;
  }

  private base(): string {
    return this.collection === undefined ? this.fixed : `$.${this.collection}[${this.index}]`;
  }

  fail(key: string, message: string): never {
    throw new TraceInputError(key === "" ? this.base() : `${this.base()}.${key}`, message, this.collection, this.index);
  }

  object(value: unknown, key = ""): Obj {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(key, `expected an object, got ${describe(value)}`);
    return value as Obj;
  }

  array(o: Obj, key: string): unknown[] {
    const v = o[key];
    if (!Array.isArray(v)) this.fail(key, `expected an array, got ${describe(v)}`);
    return v;
  }

  /** A collection that may be large: an array, or one parsed a batch at a time as it is read. */
  records(o: Obj, key: string): RecordList {
    const v = o[key];
    if (v instanceof LazyJsonArray) return v;
    if (!Array.isArray(v)) this.fail(key, `expected an array, got ${describe(v)}`);
    return v;
  }

  time(o: Obj, key: string): number {
    const v = o[key];
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, `expected a time (finite number of ms), got ${describe(v)}`);
    if (v < 0) this.fail(key, `expected a time ≥ 0, got ${v}`);
    if (v > MAX_TRACE_TIME_MS) this.fail(key, `expected a time of at most ${MAX_TRACE_TIME_MS} ms (11.6 days) from the trace's origin, got ${v}`);
    return quantize(v);
  }

  timeOrNull(o: Obj, key: string): number | null {
    return o[key] === null ? null : this.time(o, key);
  }

  number(o: Obj, key: string): number {
    const v = o[key];
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, `expected a finite number, got ${describe(v)}`);
    return v;
  }

  /** An epoch time in ms (a time origin). */
  epoch(o: Obj, key: string): number {
    const v = this.number(o, key);
    if (Math.abs(v) > MAX_EPOCH_MS) this.fail(key, `expected an epoch time in ms (at most ${MAX_EPOCH_MS}), got ${v}`);
    return v;
  }

  /** An id of `what` from source `source`'s own numbering: source × 2³² + a local id ≥ 1. */
  recordId(o: Obj, key: string, what: string, sources: number): number {
    const id = this.int(o, key, 1);
    if (localIdOf(id) === 0) this.fail(key, `${what} id ${id} is out of range: its source's own id (${id} mod 2^32) must be ≥ 1`);
    if (sourceOfId(id) >= sources) this.fail(key, `${what} id ${id} is out of range: it belongs to source ${sourceOfId(id)}, and there are ${sources}`);
    return id;
  }

  int(o: Obj, key: string, min = 0): number {
    const v = o[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) this.fail(key, `expected an integer ≥ ${min}, got ${describe(v)}`);
    return v;
  }

  intOrNull(o: Obj, key: string, min = 0): number | null {
    return o[key] === null ? null : this.int(o, key, min);
  }

  string(o: Obj, key: string, maxLength = Infinity): string {
    const v = o[key];
    if (typeof v !== "string") this.fail(key, `expected a string, got ${describe(v)}`);
    if (v.length > maxLength) this.fail(key, `expected at most ${maxLength} characters, got ${v.length}`);
    return v;
  }

  stringOrNull(o: Obj, key: string): string | null {
    const v = o[key];
    if (v !== null && typeof v !== "string") this.fail(key, `expected a string or null, got ${describe(v)}`);
    return v as string | null;
  }

  boolean(o: Obj, key: string): boolean {
    const v = o[key];
    if (typeof v !== "boolean") this.fail(key, `expected true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(o: Obj, key: string, allowed: readonly T[]): T {
    const v = o[key];
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.fail(key, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describe(v)}`);
    }
    return v as T;
  }

  oneOfOrNull<T extends string>(o: Obj, key: string, allowed: readonly T[]): T | null {
    return o[key] === null ? null : this.oneOf(o, key, allowed);
  }

  kind(o: Obj, key: string): string {
    const v = this.string(o, key, MAX_KIND_LENGTH);
    if (v === "") this.fail(key, "expected a non-empty string");
    return v;
  }
}

/** How many own enumerable members `o` has. */
function keyCount(o: Obj): number {
  let n = 0;
  for (const key in o) if (Object.prototype.hasOwnProperty.call(o, key)) n++;
  return n;
}

/**
 * The big collections keep the parsed objects when they hold exactly the model's members
 * (normalised in place), instead of copying: half the allocations of a large import.
 */
function adopt<T extends object>(o: Obj, members: number, record: T): T {
  if (keyCount(o) !== members) return record;
  return Object.assign(o, record) as unknown as T;
}

const LARGE_COLLECTIONS = new Set(["tasks", "steps", "awaits", "resourceOps"]);

/**
 * `top` with every LazyJsonArray member parsed but the large collections: only those are
 * read a batch at a time; anything else is checked whole, as JSON.parse would have made it.
 */
export function wholeButLargeCollections<T extends Record<string, unknown>>(top: T): T {
  return parseLazyMembers(top, LARGE_COLLECTIONS);
}

/** A large collection: parsed already, or parsed a batch at a time as it is read (json-bytes.ts). */
export type RecordList = readonly unknown[] | LazyJsonArray;

/** The elements of an array, one at a time. */
class ArrayElements implements ElementCursor {
  private k = 0;
  constructor(private readonly list: readonly unknown[]) {}
  next(): unknown {
    return this.k < this.list.length ? this.list[this.k++] : NO_MORE_ELEMENTS;
  }
}

/**
 * A large collection's elements, one at a time. Given a layout, the elements of a lazy one
 * that are in the writer's own form come in one object refilled for each (json-bytes.ts):
 * only for a reader that keeps nothing of the element itself.
 */
function elementsOf(list: RecordList, layout: RecordLayout | null): ElementCursor {
  return list instanceof LazyJsonArray ? list.elements(layout ?? undefined) : new ArrayElements(list);
}

/**
 * The members of the records that a file may hold millions of, in the order the model (and
 * so every file written from it) has them: records in exactly this form are read without
 * JSON.parse (json-bytes.ts). A record in another form is read all the same, only slower.
 */
export const RECORD_LAYOUTS = {
  tasks: [
    "id", "source", "name", "parent", "kind", "created", ["site", ["file", "line", "column", "function"]], "end", "outcome",
    ["error", ["name", "message", "stack"]], "errorRetrieved", "preexisting", ["ready", ["time", "kind", "waker"]],
  ],
  steps: ["task", "start", "end", "ready", "wake", "waker"],
  awaits: ["task", "start", "end", "kind", "label", "targetTask", "resource", "outcome"],
  resourceOps: ["time", "resource", "op", "task", "value"],
} as const satisfies Record<string, RecordLayout>;

/**
 * Where the records of a large collection go once checked, in order: into an array of
 * records (`RecordArray`), or into columns (columns.ts), which never keep the parsed objects.
 * `raw` is the parsed object the record was read from.
 */
export interface RecordSink<R, Result> {
  add(raw: object, record: R): void;
  result(): Result;
  /**
   * Whether `add` may keep `raw`. A sink that does not lets the reader hand it one object
   * refilled for every record, read straight from a file's bytes.
   */
  readonly keepsRaw: boolean;
}

/** The records in an array, each the parsed object itself when it has exactly the model's members. */
export class RecordArray<R extends object> implements RecordSink<R, R[]> {
  readonly keepsRaw = true;
  private readonly list: R[] = [];
  constructor(private readonly members: number) {}
  add(raw: object, record: R): void {
    this.list.push(adopt(raw as Obj, this.members, record));
  }
  result(): R[] {
    return this.list;
  }
}

/** Records in an array as they are made; the parsed objects are never kept. */
class FreshRecords<R> implements RecordSink<R, R[]> {
  readonly keepsRaw = false;
  private readonly list: R[] = [];
  add(_raw: object, record: R): void {
    this.list.push(record);
  }
  result(): R[] {
    return this.list;
  }
}

/** Sinks for the four largest collections of a trace; each is made with its collection's length. */
export interface TraceSinks<T, S, A, O> {
  tasks(count: number): RecordSink<TaskRecord, T>;
  steps(count: number): RecordSink<StepRecord, S>;
  awaits(count: number): RecordSink<AwaitRecord, A>;
  resourceOps(count: number): RecordSink<ResourceOpRecord, O>;
}

/** A checked trace whose tasks, steps, awaits and resource operations are what its sinks made of them. */
export type TraceParts<T, S, A, O> = Omit<Trace, "tasks" | "steps" | "awaits" | "resourceOps"> & { tasks: T; steps: S; awaits: A; resourceOps: O };

const RECORD_ARRAYS: TraceSinks<TaskRecord[], StepRecord[], AwaitRecord[], ResourceOpRecord[]> = {
  tasks: () => new FreshRecords<TaskRecord>(),
  steps: () => new RecordArray<StepRecord>(6),
  awaits: () => new RecordArray<AwaitRecord>(8),
  resourceOps: () => new RecordArray<ResourceOpRecord>(5),
};

/**
 * What the checks need of the tasks read so far, in columns, found by id: a million-task file
 * is checked without a million objects kept alive to the end. Ids are their source's local
 * counter (from 1) over SOURCE_ID_STRIDE, so each source's tasks sit in an array at their
 * local id: a lookup for every step and await costs an index, not a hash lookup in a map far
 * larger than the caches. A forged file's ids may be anything: the few beyond a dense array's
 * reach go to a map.
 */
class KnownTasks {
  readonly id: Float64Array;
  readonly source: Float64Array;
  readonly created: Float64Array;
  /** NaN: the task has not ended. */
  readonly end: Float64Array;
  count = 0;
  /** Per source, each task's index + 1 at its local id. */
  private readonly bySource: number[][] = [];
  private readonly sparse = new Map<number, number>();
  private static readonly DENSE_LIMIT = 1 << 26;
  private static readonly DENSE_SOURCES = 256;

  constructor(capacity: number) {
    this.id = new Float64Array(capacity);
    this.source = new Float64Array(capacity);
    this.created = new Float64Array(capacity);
    this.end = new Float64Array(capacity);
  }

  /** The index of the task with this id, or −1. */
  indexOf(id: number): number {
    const list = this.bySource[sourceOfId(id)];
    const local = localIdOf(id);
    const index = (list !== undefined && local < KnownTasks.DENSE_LIMIT ? list[local] : undefined) ?? 0;
    return index !== 0 ? index - 1 : (this.sparse.get(id) ?? -1);
  }

  has(id: number): boolean {
    return this.indexOf(id) >= 0;
  }

  add(id: number, source: number, created: number, end: number | null): void {
    const k = this.count++;
    this.id[k] = id;
    this.source[k] = source;
    this.created[k] = created;
    this.end[k] = end ?? NaN;
    const local = localIdOf(id);
    const ofSource = sourceOfId(id);
    if (local >= KnownTasks.DENSE_LIMIT || ofSource >= KnownTasks.DENSE_SOURCES) {
      this.sparse.set(id, k);
      return;
    }
    const list = this.bySource[ofSource] ?? (this.bySource[ofSource] = []);
    // Appending while ids come in order keeps the array compact; a skipped id leaves a hole.
    if (local === list.length) list.push(k + 1);
    else list[local] = k + 1;
  }
}

/** What the records refer to, filled as collections are read. */
interface Context {
  end: number;
  sources: number;
  tasks: KnownTasks;
  resources: Set<number>;
}

function checkOrder(r: Reader, key: string, previous: number, value: number, what: string): void {
  if (value < previous) r.fail(key, `${what} go back in time: ${value} comes after ${previous} (records must be in non-decreasing time order)`);
}

function checkWithinEnd(r: Reader, key: string, value: number, ctx: Context): void {
  if (value > ctx.end) r.fail(key, `${value} is after the end of the trace (${ctx.end})`);
}

/** The index in `ctx.tasks` of the task that `o[key]` names. */
function taskRef(r: Reader, o: Obj, key: string, ctx: Context): number {
  const id = r.int(o, key, 1);
  const task = ctx.tasks.indexOf(id);
  if (task < 0) r.fail(key, `task ${id} does not exist in tasks`);
  return task;
}

function taskRefOrNull(r: Reader, o: Obj, key: string, ctx: Context): number | null {
  return o[key] === null ? null : ctx.tasks.id[taskRef(r, o, key, ctx)]!;
}

function readMetadata(value: unknown): TraceMetadata {
  const m = new Reader().object(value, "metadata");
  const r = new Reader(undefined, undefined, "$.metadata");
  return {
    url: r.stringOrNull(m, "url"), title: r.stringOrNull(m, "title"), userAgent: r.stringOrNull(m, "userAgent"),
    timeOrigin: r.epoch(m, "timeOrigin"), recorderVersion: r.string(m, "recorderVersion"), clock: r.oneOf(m, "clock", CLOCK_KINDS),
  };
}

function readSources(list: unknown[]): SourceInfo[] {
  const r = new Reader("sources");
  return list.map((value, i) => {
    r.at(i);
    const o = r.object(value);
    const id = r.int(o, "id");
    if (id !== i) r.fail("id", `expected ${i} (a source's id is its index), got ${id}`);
    const source: SourceInfo = {
      id, label: r.string(o, "label"), url: r.stringOrNull(o, "url"), frameId: r.intOrNull(o, "frameId"),
      timeOrigin: r.epoch(o, "timeOrigin"), droppedEvents: r.int(o, "droppedEvents"),
    };
    return {
      ...source,
      ...(o.runtimes === undefined ? {} : { runtimes: readRuntimeCopies(r, o.runtimes) }),
      ...(o.notRecorded === undefined ? {} : { notRecorded: readNotRecorded(r, o.notRecorded) }),
    };
  });
}

/** A source's `notRecorded` (optional: absent when its recording wrapped everything it needed). */
function readNotRecorded(r: Reader, value: unknown): string[] {
  if (!Array.isArray(value)) return r.fail("notRecorded", `expected an array, got ${describe(value)}`);
  return value.map((name, k) => (typeof name === "string" && name !== "" ? name : r.fail(`notRecorded[${k}]`, `expected a function's name, got ${describe(name)}`)));
}

/** A source's `runtimes` (optional: files without it do not know which copies reported). */
function readRuntimeCopies(r: Reader, value: unknown): RuntimeCopy[] {
  if (!Array.isArray(value)) return r.fail("runtimes", `expected an array, got ${describe(value)}`);
  return value.map((item, k) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return r.fail(`runtimes[${k}]`, `expected an object, got ${describe(item)}`);
    const copy = item as Obj;
    if (typeof copy.version !== "string") return r.fail(`runtimes[${k}].version`, `expected a string, got ${describe(copy.version)}`);
    if (!(RUNTIME_ORIGINS as readonly unknown[]).includes(copy.origin)) {
      return r.fail(`runtimes[${k}].origin`, `expected one of ${RUNTIME_ORIGINS.map((o) => `"${o}"`).join(", ")}, got ${describe(copy.origin)}`);
    }
    return { version: copy.version, origin: copy.origin as RuntimeOrigin };
  });
}

function readSite(r: Reader, o: Obj): CreationSite | null {
  if (o.site === null) return null;
  const s = r.object(o.site, "site");
  const sub = (key: string, message: string): never => r.fail(`site.${key}`, message);
  if (typeof s.file !== "string") sub("file", `expected a string, got ${describe(s.file)}`);
  if (!Number.isSafeInteger(s.line) || (s.line as number) < 0) sub("line", `expected an integer ≥ 0, got ${describe(s.line)}`);
  if (!Number.isSafeInteger(s.column) || (s.column as number) < 0) sub("column", `expected an integer ≥ 0, got ${describe(s.column)}`);
  if (s.function !== null && typeof s.function !== "string") sub("function", `expected a string or null, got ${describe(s.function)}`);
  return { file: s.file as string, line: s.line as number, column: s.column as number, function: s.function as string | null };
}

function readError(r: Reader, o: Obj): ErrorInfo | null {
  if (o.error === null) return null;
  const e = r.object(o.error, "error");
  for (const key of ["name", "message"]) if (typeof e[key] !== "string") r.fail(`error.${key}`, `expected a string, got ${describe(e[key])}`);
  if (e.stack !== null && typeof e.stack !== "string") r.fail("error.stack", `expected a string or null, got ${describe(e.stack)}`);
  return { name: e.name as string, message: e.message as string, stack: e.stack as string | null };
}

function* readTasks<T>(list: RecordList, ctx: Context, tasks: RecordSink<TaskRecord, T>): Generator<number, T> {
  const r = new Reader("tasks");
  const known = ctx.tasks;
  const parents = new Float64Array(list.length);
  const wakers = new Float64Array(list.length);
  let previous = 0;
  let i = -1;
  const elements = elementsOf(list, tasks.keepsRaw ? null : RECORD_LAYOUTS.tasks);
  for (let element = elements.next(); element !== NO_MORE_ELEMENTS; element = elements.next()) {
    if ((++i & (PROGRESS_EVERY - 1)) === 0 && i > 0) yield PROGRESS_EVERY;
    r.at(i);
    const o = r.object(element);
    const id = r.recordId(o, "id", "task", ctx.sources);
    if (known.has(id)) r.fail("id", `task ${id} appears twice`);
    const source = r.int(o, "source");
    if (source >= ctx.sources) r.fail("source", `source ${source} does not exist (there are ${ctx.sources})`);
    if (sourceOfId(id) !== source) r.fail("id", `task ${id} belongs to source ${sourceOfId(id)}, not ${source}`);
    const created = r.time(o, "created");
    checkOrder(r, "created", previous, created, "tasks");
    checkWithinEnd(r, "created", created, ctx);
    previous = created;
    const end = r.timeOrNull(o, "end");
    const outcome = r.oneOf(o, "outcome", TASK_OUTCOMES);
    if (end !== null) {
      if (end < created) r.fail("end", `the task ends (${end}) before it was created (${created})`);
      checkWithinEnd(r, "end", end, ctx);
    }
    if ((end === null) !== (outcome === "pending")) r.fail("end", outcome === "pending" ? "a pending task has no end: expected null" : `a task that ended (${outcome}) needs its end time`);
    const error = readError(r, o);
    if (error !== null && outcome !== "error") r.fail("error", `only a task whose outcome is "error" has an error (outcome is "${outcome}")`);
    const errorRetrieved = r.timeOrNull(o, "errorRetrieved");
    if (errorRetrieved !== null) {
      if (outcome !== "error") r.fail("errorRetrieved", `only a failed task's error can be retrieved (outcome is "${outcome}")`);
      if (errorRetrieved < end!) r.fail("errorRetrieved", `retrieved at ${errorRetrieved}, before the task ended (${end})`);
      checkWithinEnd(r, "errorRetrieved", errorRetrieved, ctx);
    }
    let ready: PendingWake | null = null;
    if (o.ready !== null) {
      const w = r.object(o.ready, "ready");
      if (outcome !== "pending") r.fail("ready", "only a pending task can be waiting for its next step");
      const time = r.time(w, "time");
      if (time < created) r.fail("ready.time", `woken at ${time}, before the task was created (${created})`);
      checkWithinEnd(r, "ready.time", time, ctx);
      if (!WAKE_KINDS.includes(w.kind as never)) r.fail("ready.kind", `expected one of ${WAKE_KINDS.join(", ")}, got ${describe(w.kind)}`);
      if (w.waker !== null && (!Number.isSafeInteger(w.waker) || (w.waker as number) < 1)) r.fail("ready.waker", `expected a task id (an integer ≥ 1) or null, got ${describe(w.waker)}`);
      ready = { time, kind: w.kind as PendingWake["kind"], waker: w.waker as number | null };
      wakers[i] = ready.waker ?? 0;
    }
    const parent = r.intOrNull(o, "parent", 1);
    parents[i] = parent ?? 0;
    const task: TaskRecord = {
      id, source, name: r.string(o, "name"), parent, kind: r.oneOf(o, "kind", TASK_KINDS), created, site: readSite(r, o),
      end, outcome, error, errorRetrieved, preexisting: r.boolean(o, "preexisting"), ready,
    };
    tasks.add(o, task);
    known.add(id, source, created, end);
  }
  for (let i = 0; i < known.count; i++) {
    r.at(i);
    if (parents[i] !== 0 && !known.has(parents[i]!)) r.fail("parent", `task ${parents[i]} does not exist in tasks`);
    if (parents[i] === known.id[i]) r.fail("parent", "a task cannot be its own parent");
    if (wakers[i] !== 0 && !known.has(wakers[i]!)) r.fail("ready.waker", `task ${wakers[i]} does not exist in tasks`);
  }
  const cycle = findParentCycle(known.id.subarray(0, known.count), parents, (id) => known.indexOf(id));
  if (cycle !== null) r.at(cycle.index).fail("parent", `the tasks' parents form a cycle: ${cycle.ids.map((id) => `task ${id}`).join(" → ")}`);
  return tasks.result();
}

/** A lookup from each of `ids` to its index; −1 for an id not among them. */
function indexesOf(ids: ArrayLike<number>): (id: number) => number {
  const indexOf = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) indexOf.set(ids[i]!, i);
  return (id) => indexOf.get(id) ?? -1;
}

/**
 * The first cycle in a parent relation, or null: `ids[i]`'s parent is `parents[i]` (0 or null
 * for none, every parent known to exist). Each record is visited once, so a forged file cannot
 * make this (or anything after it that walks up a chain) loop forever.
 */
function findParentCycle(
  ids: ArrayLike<number>,
  parents: ArrayLike<number | null>,
  indexOf: (id: number) => number = indexesOf(ids),
): { index: number; ids: number[] } | null {
  // 0: not seen; 1: on the chain being walked; 2: known to reach a root.
  const state = new Uint8Array(ids.length);
  const chain: number[] = [];
  for (let start = 0; start < ids.length; start++) {
    chain.length = 0;
    for (let i = start; i >= 0 && state[i] === 0;) {
      state[i] = 1;
      chain.push(i);
      const parent = parents[i];
      const next = parent === null || parent === 0 || parent === undefined ? -1 : indexOf(parent);
      if (next >= 0 && state[next] === 1) {
        const loop = chain.slice(chain.indexOf(next)).map((k) => ids[k]!);
        return { index: next, ids: [...loop, ids[next]!] };
      }
      i = next;
    }
    for (const k of chain) state[k] = 2;
  }
  return null;
}

/** `time` (of member `key`) must not come before task `task` (an index in `ctx.tasks`) was created. */
function checkNotBeforeCreated(r: Reader, key: string, time: number, task: number, ctx: Context): void {
  const created = ctx.tasks.created[task]!;
  if (time < created) r.fail(key, `${time} is before task ${ctx.tasks.id[task]!} was created (${created})`);
}

/** A record's [start, end] must lie within its task's life; an ended task leaves nothing open. */
function checkWithinTask(r: Reader, task: number, start: number, end: number | null, ctx: Context): void {
  const id = ctx.tasks.id[task]!;
  const ended = ctx.tasks.end[task]!;
  checkNotBeforeCreated(r, "start", start, task, ctx);
  if (end !== null) {
    if (end < start) r.fail("end", `ends (${end}) before it starts (${start})`);
    checkWithinEnd(r, "end", end, ctx);
  }
  if (!Number.isNaN(ended)) {
    if (end === null) r.fail("end", `still open, but task ${id} ended at ${ended}`);
    if (end > ended) r.fail("end", `${end} is after task ${id} ended (${ended})`);
  }
}

function* readSteps<S>(list: RecordList, ctx: Context, steps: RecordSink<StepRecord, S>): Generator<number, S> {
  const r = new Reader("steps");
  const lastEnd = new Float64Array(ctx.sources).fill(-1);
  let previous = 0;
  let i = -1;
  const elements = elementsOf(list, steps.keepsRaw ? null : RECORD_LAYOUTS.steps);
  for (let element = elements.next(); element !== NO_MORE_ELEMENTS; element = elements.next()) {
    if ((++i & (PROGRESS_EVERY - 1)) === 0 && i > 0) yield PROGRESS_EVERY;
    r.at(i);
    const o = r.object(element);
    const task = taskRef(r, o, "task", ctx);
    const start = r.time(o, "start");
    checkOrder(r, "start", previous, start, "steps");
    previous = start;
    const end = r.timeOrNull(o, "end");
    checkWithinTask(r, task, start, end, ctx);
    const source = ctx.tasks.source[task]!;
    const created = ctx.tasks.created[task]!;
    const before = lastEnd[source]!;
    if (Number.isNaN(before)) r.fail("start", `a step of source ${source} begins while its previous step is still open`);
    if (start < before) r.fail("start", `overlaps the previous step on the same event loop, which ended at ${before}`);
    lastEnd[source] = end === null ? NaN : end;
    const ready = r.timeOrNull(o, "ready");
    if (ready !== null && (ready > start || ready < created)) r.fail("ready", `expected a time between the task's creation (${created}) and the step's start (${start}), got ${ready}`);
    steps.add(o, { task: ctx.tasks.id[task]!, start, end, ready, wake: r.oneOfOrNull(o, "wake", WAKE_KINDS), waker: taskRefOrNull(r, o, "waker", ctx) });
  }
  return steps.result();
}

function* readAwaits<A>(list: RecordList, ctx: Context, awaits: RecordSink<AwaitRecord, A>): Generator<number, A> {
  const r = new Reader("awaits");
  // By task index: where each task's previous await ended, NaN while it is open, −1 before its first
  // (times are ≥ 0). A map by id was a million-entry hash table for a million-task file.
  const lastEnd = new Float64Array(ctx.tasks.count).fill(-1);
  let previous = 0;
  let i = -1;
  const elements = elementsOf(list, awaits.keepsRaw ? null : RECORD_LAYOUTS.awaits);
  for (let element = elements.next(); element !== NO_MORE_ELEMENTS; element = elements.next()) {
    if ((++i & (PROGRESS_EVERY - 1)) === 0 && i > 0) yield PROGRESS_EVERY;
    r.at(i);
    const o = r.object(element);
    const task = taskRef(r, o, "task", ctx);
    const id = ctx.tasks.id[task]!;
    const start = r.time(o, "start");
    checkOrder(r, "start", previous, start, "awaits");
    previous = start;
    const end = r.timeOrNull(o, "end");
    checkWithinTask(r, task, start, end, ctx);
    const before = lastEnd[task]!;
    if (Number.isNaN(before)) r.fail("start", `task ${id} begins an await while its previous one is still open`);
    if (start < before) r.fail("start", `overlaps task ${id}'s previous await, which ended at ${before}`);
    lastEnd[task] = end === null ? NaN : end;
    const outcome = r.oneOfOrNull(o, "outcome", AWAIT_OUTCOMES);
    if ((end === null) !== (outcome === null)) r.fail("outcome", end === null ? "an await still open has no outcome: expected null" : "an await that ended needs an outcome");
    let resource: number | null = null;
    if (o.resource !== null) {
      resource = r.int(o, "resource", 1);
      if (!ctx.resources.has(resource)) r.fail("resource", `resource ${resource} does not exist in resources`);
    }
    awaits.add(o, {
      task: id, start, end, kind: r.kind(o, "kind"), label: r.string(o, "label"),
      targetTask: taskRefOrNull(r, o, "targetTask", ctx), resource, outcome,
    });
  }
  return awaits.result();
}

function readCancellations(list: unknown[], ctx: Context): CancellationRecord[] {
  const r = new Reader("cancellations");
  let previous = 0;
  return list.map((value, i) => {
    r.at(i);
    const o = r.object(value);
    const time = r.time(o, "time");
    checkOrder(r, "time", previous, time, "cancellations");
    checkWithinEnd(r, "time", time, ctx);
    previous = time;
    const task = taskRef(r, o, "task", ctx);
    checkNotBeforeCreated(r, "time", time, task, ctx);
    const record = { time, task: ctx.tasks.id[task]!, by: taskRefOrNull(r, o, "by", ctx), message: r.stringOrNull(o, "message") };
    return o.canceller === undefined ? record : { ...record, canceller: r.string(o, "canceller", 64) };
  });
}

function readTimeouts(list: unknown[], ctx: Context): TimeoutRecord[] {
  const r = new Reader("timeouts");
  let previous = 0;
  return list.map((value, i) => {
    r.at(i);
    const o = r.object(value);
    const task = taskRef(r, o, "task", ctx);
    const armed = r.time(o, "armed");
    checkOrder(r, "armed", previous, armed, "timeouts");
    checkWithinEnd(r, "armed", armed, ctx);
    previous = armed;
    checkNotBeforeCreated(r, "armed", armed, task, ctx);
    const expired = r.timeOrNull(o, "expired");
    if (expired !== null) {
      if (expired < armed) r.fail("expired", `expired (${expired}) before it was armed (${armed})`);
      checkWithinEnd(r, "expired", expired, ctx);
    }
    return { task: ctx.tasks.id[task]!, armed, deadline: r.time(o, "deadline"), expired };
  });
}

function readResources(list: unknown[], ctx: Context): ResourceRecord[] {
  const r = new Reader("resources");
  let previous = 0;
  return list.map((value, i) => {
    r.at(i);
    const o = r.object(value);
    const id = r.recordId(o, "id", "resource", ctx.sources);
    if (ctx.resources.has(id)) r.fail("id", `resource ${id} appears twice`);
    const source = r.int(o, "source");
    if (source >= ctx.sources) r.fail("source", `source ${source} does not exist (there are ${ctx.sources})`);
    if (sourceOfId(id) !== source) r.fail("id", `resource ${id} belongs to source ${sourceOfId(id)}, not ${source}`);
    const created = r.time(o, "created");
    checkOrder(r, "created", previous, created, "resources");
    checkWithinEnd(r, "created", created, ctx);
    previous = created;
    ctx.resources.add(id);
    return { id, source, kind: r.kind(o, "kind"), label: r.string(o, "label"), created, preexisting: r.boolean(o, "preexisting") };
  });
}

function* readResourceOps<O>(list: RecordList, ctx: Context, ops: RecordSink<ResourceOpRecord, O>): Generator<number, O> {
  const r = new Reader("resourceOps");
  let previous = 0;
  let i = -1;
  const elements = elementsOf(list, ops.keepsRaw ? null : RECORD_LAYOUTS.resourceOps);
  for (let element = elements.next(); element !== NO_MORE_ELEMENTS; element = elements.next()) {
    if ((++i & (PROGRESS_EVERY - 1)) === 0 && i > 0) yield PROGRESS_EVERY;
    r.at(i);
    const o = r.object(element);
    const time = r.time(o, "time");
    checkOrder(r, "time", previous, time, "resource operations");
    checkWithinEnd(r, "time", time, ctx);
    previous = time;
    const resource = r.int(o, "resource", 1);
    if (!ctx.resources.has(resource)) r.fail("resource", `resource ${resource} does not exist in resources`);
    ops.add(o, { time, resource, op: r.kind(o, "op"), task: taskRefOrNull(r, o, "task", ctx), value: o.value === null ? null : r.number(o, "value") });
  }
  return ops.result();
}

function readNativeOps(list: unknown[], ctx: Context): NativeOpRecord[] {
  const r = new Reader("nativeOps");
  const ids = new Set<number>();
  const parents: (number | null)[] = [];
  let previous = 0;
  const ops = list.map((value, i): NativeOpRecord => {
    r.at(i);
    const o = r.object(value);
    const id = r.recordId(o, "id", "native operation", ctx.sources);
    if (ids.has(id)) r.fail("id", `native operation ${id} appears twice`);
    ids.add(id);
    const source = r.int(o, "source");
    if (source >= ctx.sources) r.fail("source", `source ${source} does not exist (there are ${ctx.sources})`);
    if (sourceOfId(id) !== source) r.fail("id", `native operation ${id} belongs to source ${sourceOfId(id)}, not ${source}`);
    const start = r.time(o, "start");
    checkOrder(r, "start", previous, start, "native operations");
    checkWithinEnd(r, "start", start, ctx);
    previous = start;
    const end = r.timeOrNull(o, "end");
    if (end !== null) {
      if (end < start) r.fail("end", `ends (${end}) before it starts (${start})`);
      checkWithinEnd(r, "end", end, ctx);
    }
    const outcome = r.oneOfOrNull(o, "outcome", NATIVE_OUTCOMES);
    if ((end === null) !== (outcome === null)) r.fail("outcome", end === null ? "a pending operation has no outcome: expected null" : "an operation that ended needs an outcome");
    const ticks = r.array(o, "ticks").map((tick, k) => {
      if (typeof tick !== "number" || !Number.isFinite(tick) || tick < start || tick > (end ?? ctx.end)) {
        r.fail(`ticks[${k}]`, `expected a time within the operation (${start} to ${end ?? ctx.end}), got ${describe(tick)}`);
      }
      return quantize(tick as number);
    });
    for (let k = 1; k < ticks.length; k++) if (ticks[k]! < ticks[k - 1]!) r.fail(`ticks[${k}]`, `ticks go back in time: ${ticks[k]} after ${ticks[k - 1]}`);
    parents.push(r.intOrNull(o, "parent", 1));
    // Absent in files written before causes were recorded: read as none.
    const cause = o.cause === undefined ? null : r.intOrNull(o, "cause", 1);
    if (cause !== null && sourceOfId(cause) !== source) r.fail("cause", `native operation ${cause} belongs to source ${sourceOfId(cause)}, not ${source}`);
    if (cause !== null && cause >= id) r.fail("cause", `a cause is an earlier operation: expected an id below ${id}, got ${cause}`);
    return {
      id, source, kind: r.oneOf(o, "kind", NATIVE_KINDS), label: r.string(o, "label"), start, end, outcome,
      task: taskRefOrNull(r, o, "task", ctx), parent: parents[i]!, cause, detail: r.stringOrNull(o, "detail"), ticks,
    };
  });
  parents.forEach((parent, i) => {
    r.at(i);
    if (parent !== null && (!ids.has(parent) || parent === ops[i]!.id)) r.fail("parent", `native operation ${parent} does not exist in nativeOps`);
    const cause = ops[i]!.cause;
    if (cause !== null && !ids.has(cause)) r.fail("cause", `native operation ${cause} does not exist in nativeOps`);
  });
  const cycle = findParentCycle(ops.map((op) => op.id), parents);
  if (cycle !== null) r.at(cycle.index).fail("parent", `the native operations' parents form a cycle: ${cycle.ids.map((id) => `native operation ${id}`).join(" → ")}`);
  return ops;
}

function readMarkers(list: unknown[], ctx: Context): MarkerRecord[] {
  const r = new Reader("markers");
  let previous = 0;
  return list.map((value, i) => {
    r.at(i);
    const o = r.object(value);
    const time = r.time(o, "time");
    checkOrder(r, "time", previous, time, "markers");
    checkWithinEnd(r, "time", time, ctx);
    previous = time;
    const source = r.int(o, "source");
    if (source >= ctx.sources) r.fail("source", `source ${source} does not exist (there are ${ctx.sources})`);
    return { time, source, kind: r.oneOf(o, "kind", MARKER_KINDS), label: r.string(o, "label"), detail: r.stringOrNull(o, "detail") };
  });
}

/** How many records `raw` holds, for progress totals (0 for anything malformed). */
export function countRecords(raw: unknown): number {
  if (typeof raw !== "object" || raw === null) return 0;
  let n = 0;
  for (const key of ["tasks", "steps", "awaits", "resourceOps"]) {
    const v = (raw as Obj)[key];
    if (Array.isArray(v) || v instanceof LazyJsonArray) n += v.length;
  }
  return n;
}

/**
 * Reads an aioscope v1 trace whose `format` and `version` the caller has already recognised.
 * Throws TraceInputError at the first problem; yields progress (records read) as it goes.
 * Its collections may be LazyJsonArrays (read a batch at a time) as well as arrays.
 */
export function* readTrace(raw: unknown): Generator<number, Trace> {
  return yield* readTraceInto(raw, RECORD_ARRAYS);
}

/**
 * As `readTrace`, with the steps, awaits and resource operations handed to `sinks` as they
 * are checked, rather than kept as arrays of records.
 */
export function* readTraceInto<T, S, A, O>(raw: unknown, sinks: TraceSinks<T, S, A, O>): Generator<number, TraceParts<T, S, A, O>> {
  const r = new Reader();
  const top = wholeButLargeCollections(r.object(raw));
  if (top.format !== TRACE_FORMAT) r.fail("format", `expected "${TRACE_FORMAT}", got ${describe(top.format)}`);
  if (top.version !== TRACE_VERSION) r.fail("version", `expected ${TRACE_VERSION}, got ${describe(top.version)}`);
  const metadata = readMetadata(top.metadata);
  const sources = readSources(r.array(top, "sources"));
  const end = r.time(top, "end");
  const droppedEvents = r.int(top, "droppedEvents");
  const dropSum = sources.reduce((sum, s) => sum + s.droppedEvents, 0);
  if (droppedEvents !== dropSum) r.fail("droppedEvents", `expected ${dropSum}, the sum of the sources' droppedEvents, got ${droppedEvents}`);
  const taskList = r.records(top, "tasks");
  const ctx: Context = { end, sources: sources.length, tasks: new KnownTasks(taskList.length), resources: new Set() };
  const lists = {
    tasks: taskList, steps: r.records(top, "steps"), awaits: r.records(top, "awaits"),
    cancellations: r.records(top, "cancellations"), timeouts: r.records(top, "timeouts"), resources: r.records(top, "resources"),
    resourceOps: r.records(top, "resourceOps"), nativeOps: r.records(top, "nativeOps"), markers: r.records(top, "markers"),
  };
  const tasks = yield* readTasks(lists.tasks, ctx, sinks.tasks(lists.tasks.length));
  yield lists.tasks.length % PROGRESS_EVERY;
  const resources = readResources(r.array(top, "resources"), ctx);
  const steps = yield* readSteps(lists.steps, ctx, sinks.steps(lists.steps.length));
  yield lists.steps.length % PROGRESS_EVERY;
  const awaits = yield* readAwaits(lists.awaits, ctx, sinks.awaits(lists.awaits.length));
  yield lists.awaits.length % PROGRESS_EVERY;
  const resourceOps = yield* readResourceOps(lists.resourceOps, ctx, sinks.resourceOps(lists.resourceOps.length));
  yield lists.resourceOps.length % PROGRESS_EVERY;
  return {
    format: TRACE_FORMAT, version: TRACE_VERSION, metadata, sources, end, droppedEvents, tasks, steps, awaits,
    cancellations: readCancellations(r.array(top, "cancellations"), ctx), timeouts: readTimeouts(r.array(top, "timeouts"), ctx), resources,
    resourceOps, nativeOps: readNativeOps(r.array(top, "nativeOps"), ctx), markers: readMarkers(r.array(top, "markers"), ctx),
  };
}
