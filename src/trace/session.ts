/**
 * The consumer side of the stream: a SessionBuilder appends recorder batches (from one or
 * several sources, e.g. the frames of a page) and yields the trace model.
 *
 * It never throws and never half-applies a batch: `append` checks the whole batch first and
 * refuses it with a precise error, leaving the session as it was. It keeps every Trace
 * invariant (model.ts) even when events were dropped or a recording began mid-session:
 * tasks and resources seen before their creation become `preexisting` records, a step left
 * open by a lost event is closed by the next one, and so on.
 */
import {
  EV_CANCEL, EV_ERROR, EV_EXIT, EV_MARK, EV_NATIVE_END, EV_NATIVE_PARENT,
  EV_NATIVE_START, EV_NATIVE_TICK, EV_RESOURCE, EV_RESOURCE_OP, EV_RETRIEVED, EV_SCHEDULED, EV_SITE,
  EV_SITE_FUNCTION, EV_SPAWN, EV_STEP_BEGIN, EV_STEP_END, EV_TIMEOUT_ARMED, EV_TIMEOUT_DISARMED, EV_TIMEOUT_EXPIRED, OPS_PER_EVENT,
  OUTCOME_CANCELLED, OUTCOME_DONE, OUTCOME_ERROR, TASK_KIND_ASYNC, VALUE_NONE, isBareYield, type TraceBatch,
} from "./encoding.ts";
import { UNBOUNDED_BATCH, checkBatch, floatOf } from "./batch-check.ts";
import {
  MARKER_KINDS, NATIVE_KINDS, NATIVE_OUTCOMES, RECORDER_VERSION, RESOURCE_AWAIT_KINDS, TRACE_FORMAT,
  TRACE_VERSION, quantize, traceId,
  type AwaitOutcome, type AwaitRecord, type CancellationRecord, type ClockKind, type CreationSite, type ErrorInfo,
  type MarkerRecord, type NativeOpRecord, type PendingWake, type ResourceOpRecord, type ResourceRecord,
  type RuntimeCopy, type SourceInfo, type StepRecord, type TaskKind, type TaskOutcome, type TaskRecord, type TimeoutRecord,
  type Trace, type TraceError, type WakeKind,
} from "./model.ts";

export interface SessionMetadataInput {
  url?: string | null;
  title?: string | null;
  userAgent?: string | null;
}

/** What a source's page says of it, and may say again while it records. */
export interface SourceDescription {
  /** The runtime copies reporting into the source, if known (see `SourceInfo.runtimes`). */
  runtimes?: readonly RuntimeCopy[];
  /** What its recording could not wrap (see `SourceInfo.notRecorded`). */
  notRecorded?: readonly string[];
}

export interface SourceOptions extends SourceDescription {
  label?: string;
  url?: string | null;
  frameId?: number | null;
}

export type AppendResult = { readonly ok: true } | { readonly ok: false; readonly error: TraceError };

interface SourceState {
  readonly id: number;
  readonly label: string;
  readonly url: string | null;
  readonly frameId: number | null;
  runtimes: readonly RuntimeCopy[] | null;
  notRecorded: readonly string[];
  timeOrigin: number | null;
  /** Added to the source's times to put them on the session's clock. */
  offset: number;
  nextSeq: number;
  readonly strings: string[];
  dropped: number;
  openStep: TaskState | null;
  recorderVersion: string;
  clock: ClockKind;
}

interface TaskState {
  readonly id: number;
  readonly localId: number;
  readonly source: number;
  name: string;
  parent: number | null;
  kind: TaskKind;
  created: number;
  site: CreationSite | null;
  end: number | null;
  outcome: TaskOutcome;
  error: ErrorInfo | null;
  errorRetrieved: number | null;
  preexisting: boolean;
  /** Has stepped or awaited (so its next wake-up is not its spawn). */
  stepped: boolean;
  stepIndex: number;
  awaitIndex: number;
  wake: PendingWake | null;
  /** The await the pending wake-up ended, so a timeout can reclassify it. */
  wokenAwaitIndex: number;
  selfWake: boolean;
  /** Set by a cancellation request until the task's next step: undefined when none. */
  cancelBy: number | null | undefined;
  /** Its timeout expired since its last step: the loop's cancellation that follows is that timeout. */
  expiredSinceStep: boolean;
  /** Timeouts armed and neither expired nor disarmed yet: their index in `timeouts`, and their scope (0: unknown). */
  openTimeouts: { readonly index: number; readonly scope: number }[];
  /** Its place in the order tasks were added (taskOrder, taskRecords). */
  order: number;
  /** Changed since its record was last made: it is in `dirtyTasks`. */
  dirty: boolean;
}

/** A record still private to the builder (see Column), whose fields it sets. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface NativeState {
  readonly index: number;
  readonly ticks: number[];
}

/**
 * An array of records plus whether it is still in non-decreasing time order, and how many of
 * them a snapshot has handed out: those are never changed again (a change replaces the record),
 * where one no snapshot has seen yet is changed in place — most steps and awaits end well before
 * the next snapshot, so ending them allocates nothing.
 */
class Column<T> {
  readonly items: T[] = [];
  sorted = true;
  private last = -Infinity;
  private published = 0;

  /** Whether the record at `index` may be changed in place: no snapshot has it. */
  unpublished(index: number): boolean {
    return index >= this.published;
  }

  push(item: T, time: number): number {
    if (time < this.last) this.sorted = false;
    else this.last = time;
    return this.items.push(item) - 1;
  }

  snapshot(timeOf: (item: T) => number): T[] {
    this.published = this.items.length;
    const copy = this.items.slice();
    if (!this.sorted) copy.sort((x, y) => timeOf(x) - timeOf(y)); // stable: equal times keep their order
    return copy;
  }
}

/** The columns of a trace that a model of it indexes by position. */
export type PositionedColumn = "tasks" | "steps" | "awaits" | "cancellations" | "timeouts" | "nativeOps";

/** Each snapshot a builder made: by whom, and which of its columns were still in append order. */
const lineage = new WeakMap<Trace, { readonly builder: SessionBuilder; readonly inOrder: ReadonlySet<PositionedColumn> }>();

/**
 * The columns of `later` that grew from `earlier`'s by appends alone, so that each record of
 * `earlier` is, at the same position in `later`, itself or its replacement (a record that
 * changes is replaced by one of the same task, operation or resource): both are snapshots of
 * one builder, and the column was still in time order when `later` was taken (a builder never
 * returns to order once a late source's records sorted before earlier ones, so it was in order
 * for `earlier` too). A consumer that keeps facts by position (the timeline's model) reuses
 * them for those records without reading them. Empty for traces of different builders, or
 * not made by a builder, and when there is no earlier one.
 */
export function columnsGrownByAppends(earlier: Trace | null, later: Trace): ReadonlySet<PositionedColumn> {
  const before = earlier === null ? undefined : lineage.get(earlier);
  const after = lineage.get(later);
  if (before === undefined || after === undefined || before.builder !== after.builder) return NO_COLUMNS;
  return after.inOrder;
}

const NO_COLUMNS: ReadonlySet<PositionedColumn> = new Set();

export class SessionBuilder {
  private metadata: SessionMetadataInput;
  private readonly sources: SourceState[] = [];
  private readonly taskStates = new Map<number, TaskState>();
  private readonly taskOrder = new Column<TaskState>();
  /**
   * Each task's record as the last snapshot made it, in `taskOrder`'s order (null until the
   * first snapshot after the task appeared). A snapshot remakes only the records of the tasks
   * changed since the one before (`dirtyTasks`), not a hundred thousand of them each time; a
   * record once handed out is never changed, only replaced here.
   */
  private readonly taskRecords: (TaskRecord | null)[] = [];
  private readonly dirtyTasks: TaskState[] = [];
  private readonly steps = new Column<StepRecord>();
  private readonly awaits = new Column<AwaitRecord>();
  private readonly cancellations = new Column<CancellationRecord>();
  private readonly timeouts = new Column<TimeoutRecord>();
  private readonly resources = new Column<ResourceRecord>();
  private readonly resourceIndex = new Map<number, number>();
  private readonly resourceOps = new Column<ResourceOpRecord>();
  private readonly nativeOps = new Column<NativeOpRecord>();
  private readonly nativeIndex = new Map<number, number>();
  private readonly openNative = new Map<number, NativeState>();
  private readonly markers = new Column<MarkerRecord>();
  private sessionOrigin: number | null = null;
  private latest = 0;

  constructor(metadata: SessionMetadataInput = {}) {
    this.metadata = metadata;
  }

  /**
   * Fills in the session's URL, title and user agent where they are still unknown: a panel
   * learns them from the page after the recording has begun.
   */
  describe(metadata: SessionMetadataInput): void {
    this.metadata = {
      url: this.metadata.url ?? metadata.url ?? null,
      title: this.metadata.title || metadata.title || null,
      userAgent: this.metadata.userAgent ?? metadata.userAgent ?? null,
    };
  }

  /** Registers a recording realm (a frame); returns its id for `append`. Source 0 exists once used. */
  addSource(options: SourceOptions = {}): number {
    const id = this.sources.length;
    this.sources.push({
      id,
      label: options.label ?? (id === 0 ? "main" : `source ${id}`),
      url: options.url ?? null,
      frameId: options.frameId ?? null,
      runtimes: options.runtimes ?? null,
      notRecorded: options.notRecorded ?? [],
      timeOrigin: null,
      offset: 0,
      nextSeq: 0,
      strings: [""],
      dropped: 0,
      openStep: null,
      recorderVersion: RECORDER_VERSION,
      clock: "host",
    });
    return id;
  }

  /**
   * The sequence number `source`'s next batch must carry (0 for a source not added yet). The
   * builder is the one owner of a source's sequence: a consumer asks it whether a batch is the
   * next, one sent again, or one that overtook a missing batch.
   */
  expectedSeq(source: number | null): number {
    return source === null ? 0 : this.sources[source]?.nextSeq ?? 0;
  }

  /**
   * What `source`'s page says of it now: a page can load a bundled runtime copy at any time,
   * and freeze a function before a recording needs to wrap it. Members left out stay as they were.
   */
  describeSource(source: number, description: SourceDescription): void {
    const state = this.sources[source];
    if (state === undefined) return;
    if (description.runtimes !== undefined) state.runtimes = description.runtimes;
    if (description.notRecorded !== undefined) state.notRecorded = description.notRecorded;
  }

  /** Adds a batch from `source`. A refused batch leaves the session exactly as it was. */
  append(appended: TraceBatch, source = 0): AppendResult {
    if (source === 0 && this.sources.length === 0) this.addSource();
    const state = this.sources[source];
    if (state === undefined) return fail("$.source", `source ${source} was never added (there are ${this.sources.length})`);
    // Unbounded here: a page's batch was bounded where it crossed into the extension.
    const checked = checkBatch(appended, UNBOUNDED_BATCH);
    if (!checked.ok) return { ok: false, error: checked.error };
    const batch = checked.batch;
    const problem = continuityProblem(batch, state);
    if (problem !== null) return { ok: false, error: problem };
    if (state.timeOrigin === null) {
      state.timeOrigin = batch.timeOrigin;
      state.recorderVersion = batch.recorderVersion;
      state.clock = batch.clock;
      this.sessionOrigin ??= batch.timeOrigin;
      state.offset = batch.timeOrigin - this.sessionOrigin;
    }
    state.nextSeq++;
    for (const s of batch.strings) state.strings.push(s);
    state.dropped = Math.max(state.dropped, batch.droppedEvents);
    this.applyEvents(batch, state);
    return { ok: true };
  }

  /** Tasks in the session so far, without taking a snapshot. */
  get taskCount(): number {
    return this.taskStates.size;
  }

  /** The time of the last event so far (the session's length), without taking a snapshot. */
  get end(): number {
    return this.latest;
  }

  /** A consistent snapshot of the session so far: later appends never change it. */
  trace(): Trace {
    const first = this.sources.find((s) => s.timeOrigin !== null);
    for (const state of this.dirtyTasks) {
      this.taskRecords[state.order] = materializeTask(state);
      state.dirty = false;
    }
    this.dirtyTasks.length = 0;
    const records = this.taskRecords as TaskRecord[]; // every one made by the loop above
    // Stable: tasks created at the same time keep the order they were added in.
    const tasks = this.taskOrder.sorted ? records.slice() : records.slice().sort((x, y) => x.created - y.created);
    const nativeOps = this.nativeOps.items.slice();
    for (const open of this.openNative.values()) {
      nativeOps[open.index] = { ...nativeOps[open.index]!, ticks: sortedCopy(open.ticks) };
    }
    if (!this.nativeOps.sorted) nativeOps.sort((x, y) => x.start - y.start);
    const sources: SourceInfo[] = this.sources.map((s) => {
      const info: SourceInfo = {
        id: s.id, label: s.label, url: s.url, frameId: s.frameId, timeOrigin: s.timeOrigin ?? this.sessionOrigin ?? 0, droppedEvents: s.dropped,
      };
      return {
        ...info,
        ...(s.runtimes === null ? {} : { runtimes: s.runtimes }),
        ...(s.notRecorded.length === 0 ? {} : { notRecorded: s.notRecorded }),
      };
    });
    const trace: Trace = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      metadata: {
        url: this.metadata.url ?? null,
        title: this.metadata.title ?? null,
        userAgent: this.metadata.userAgent ?? null,
        timeOrigin: this.sessionOrigin ?? 0,
        recorderVersion: first?.recorderVersion ?? RECORDER_VERSION,
        clock: first?.clock ?? "host",
      },
      sources,
      end: this.latest,
      droppedEvents: sources.reduce((sum, s) => sum + s.droppedEvents, 0),
      tasks,
      steps: this.steps.snapshot((r) => r.start),
      awaits: this.awaits.snapshot((r) => r.start),
      cancellations: this.cancellations.snapshot((r) => r.time),
      timeouts: this.timeouts.snapshot((r) => r.armed),
      resources: this.resources.snapshot((r) => r.created),
      resourceOps: this.resourceOps.snapshot((r) => r.time),
      nativeOps,
      markers: this.markers.snapshot((r) => r.time),
    };
    const inOrder = new Set<PositionedColumn>();
    if (this.taskOrder.sorted) inOrder.add("tasks");
    if (this.steps.sorted) inOrder.add("steps");
    if (this.awaits.sorted) inOrder.add("awaits");
    if (this.cancellations.sorted) inOrder.add("cancellations");
    if (this.timeouts.sorted) inOrder.add("timeouts");
    if (this.nativeOps.sorted) inOrder.add("nativeOps");
    lineage.set(trace, { builder: this, inOrder });
    return trace;
  }

  // --- Decoding ------------------------------------------------------------------------------

  private applyEvents(batch: TraceBatch, source: SourceState): void {
    const { time, kind, ops, count } = batch;
    const strings = source.strings;
    const sid = source.id;
    for (let i = 0; i < count; i++) {
      const t = Math.max(0, quantize(time[i]! + source.offset));
      if (t > this.latest) this.latest = t;
      const o = i * OPS_PER_EVENT;
      const a = ops[o]!;
      const b = ops[o + 1]!;
      const c = ops[o + 2]!;
      const d = ops[o + 3]!;
      switch (kind[i]) {
        case EV_SPAWN: this.onSpawn(source, t, a, b, c, d); break;
        case EV_SITE: this.withTask(sid, a, t, (s) => { s.site = { file: strings[b]!, line: c, column: d, function: s.site?.function ?? null }; }); break;
        case EV_SITE_FUNCTION: this.withTask(sid, a, t, (s) => { if (s.site !== null) s.site = { ...s.site, function: strings[b]! }; }); break;
        case EV_SCHEDULED: this.onScheduled(source, t, a, b); break;
        case EV_STEP_BEGIN: this.onStepBegin(source, t, a); break;
        case EV_STEP_END: this.onStepEnd(source, t, a, b === 0 ? null : strings[b]!, strings[c]!, d); break;
        case EV_EXIT: this.onExit(source, t, a, b, c, d); break;
        case EV_ERROR:
          this.withTask(sid, a, t, (s) => {
            if (s.outcome === "error") s.error = { name: strings[b]!, message: strings[c]!, stack: d === 0 ? null : strings[d]! };
          });
          break;
        case EV_CANCEL: this.onCancel(source, t, a, b, c === 0 ? null : strings[c]!, d === 0 ? null : strings[d]!); break;
        case EV_TIMEOUT_ARMED: {
          const deadline = Math.max(0, quantize(floatOf(c, d) + source.offset));
          const s = this.task(sid, a, t);
          // A reschedule arms the same scope again: its earlier deadline no longer applies.
          if (b !== 0) s.openTimeouts = s.openTimeouts.filter((open) => open.scope !== b);
          s.openTimeouts.push({ index: this.timeouts.push({ task: s.id, armed: t, deadline, expired: null }, t), scope: b });
          break;
        }
        case EV_TIMEOUT_EXPIRED: this.onTimeoutExpired(sid, t, a, b); break;
        case EV_TIMEOUT_DISARMED:
          this.withTask(sid, a, t, (s) => { s.openTimeouts = s.openTimeouts.filter((open) => open.scope !== b); });
          break;
        case EV_RETRIEVED: this.withTask(sid, a, t, (s) => { if (s.outcome === "error") s.errorRetrieved ??= t; }); break;
        case EV_RESOURCE: this.onResource(sid, t, a, strings[b]!, strings[c]!); break;
        case EV_RESOURCE_OP: {
          const resource = this.resource(sid, a, t, "unknown", "");
          this.resourceOps.push({ time: t, resource, op: strings[b]!, task: c === 0 ? null : this.task(sid, c, t).id, value: d === VALUE_NONE ? null : d }, t);
          break;
        }
        case EV_NATIVE_START: this.onNativeStart(sid, t, a, b, strings[c]!, d); break;
        case EV_NATIVE_PARENT: {
          const id = traceId(sid, a);
          const index = this.nativeIndex.get(id);
          if (index === undefined) break;
          // Links only to operations the trace has (not dropped, not from before the recording),
          // and a cause only to an earlier one, so neither relation can form a cycle.
          const parent = b === 0 ? null : traceId(sid, b);
          const cause = c === 0 || c >= a ? null : traceId(sid, c);
          const record = this.nativeOps.items[index]!;
          this.nativeOps.items[index] = {
            ...record,
            parent: parent !== null && parent !== id && this.nativeIndex.has(parent) ? parent : record.parent,
            cause: cause !== null && this.nativeIndex.has(cause) ? cause : record.cause,
            // The detail known at the start (its creation site), until its end says more.
            detail: d === 0 || record.end !== null ? record.detail : strings[d]!,
          };
          break;
        }
        case EV_NATIVE_END: this.onNativeEnd(sid, t, a, b, c === 0 ? null : strings[c]!); break;
        case EV_NATIVE_TICK: {
          const open = this.openNative.get(traceId(sid, a));
          if (open !== undefined) open.ticks.push(Math.max(t, this.nativeOps.items[open.index]!.start));
          break;
        }
        case EV_MARK:
          this.markers.push({ time: t, source: sid, kind: MARKER_KINDS[a]!, label: strings[b]!, detail: c === 0 ? null : strings[c]! }, t);
          break;
      }
    }
  }

  private onSpawn(source: SourceState, t: number, local: number, parent: number, name: number, kind: number): void {
    const id = traceId(source.id, local);
    const known = this.taskStates.get(id);
    const parentId = parent === 0 ? null : this.task(source.id, parent, t).id;
    if (known !== undefined) {
      if (known.parent === null) {
        known.parent = parentId;
        this.changedTask(known);
      }
      this.spawnWake(known, t, parentId);
      return;
    }
    const state = newTaskState(id, local, source.id, t, false);
    state.name = name === 0 ? `Task-${local}` : source.strings[name]!;
    state.parent = parentId === id ? null : parentId;
    state.kind = kind === TASK_KIND_ASYNC ? "async" : "coroutine";
    this.addTask(state);
    this.spawnWake(state, t, parentId);
  }

  /** A task's first wake-up, which its spawn implies (recorders do not write it; older ones did, and it changes nothing then). */
  private spawnWake(state: TaskState, t: number, parent: number | null): void {
    if (state.outcome === "pending" && !state.stepped && state.awaitIndex < 0 && state.wake === null) {
      this.setWake(state, { time: t, kind: "spawn", waker: parent });
    }
  }

  private onScheduled(source: SourceState, t: number, local: number, wakerLocal: number): void {
    const state = this.task(source.id, local, t);
    const waker = wakerLocal === 0 ? null : this.task(source.id, wakerLocal, t).id;
    if (state.outcome !== "pending") return;
    if (source.openStep === state) {
      state.selfWake = true;
      return;
    }
    if (state.wake !== null) return; // already ready: the first wake-up made it so
    let kind: WakeKind;
    let by = waker;
    const open = state.awaitIndex >= 0 ? this.awaits.items[state.awaitIndex]! : null;
    if (!state.stepped && open === null) kind = "spawn";
    else if (state.cancelBy !== undefined) {
      kind = state.cancelBy === null && state.expiredSinceStep ? "timeout" : "cancel";
      by = state.cancelBy;
    } else if (waker !== null) kind = waker === state.id ? "self" : "task";
    else if (open?.kind === "sleep") kind = "timer";
    else if (open?.kind === "promise") kind = "host";
    else kind = "callback";
    this.setWake(state, { time: t, kind, waker: by });
  }

  private setWake(state: TaskState, wake: PendingWake): void {
    state.wake = wake;
    this.changedTask(state);
    state.wokenAwaitIndex = -1;
    if (state.awaitIndex >= 0) {
      const outcome: AwaitOutcome = wake.kind === "cancel" ? "cancelled" : wake.kind === "timeout" ? "timeout" : "resumed";
      this.closeAwait(state, wake.time, outcome);
      state.wokenAwaitIndex = state.awaitIndex;
      state.awaitIndex = -1;
    }
  }

  private closeAwait(state: TaskState, t: number, outcome: AwaitOutcome): void {
    const items = this.awaits.items;
    const index = state.awaitIndex;
    if (this.awaits.unpublished(index)) {
      const open = items[index] as Mutable<AwaitRecord>;
      open.end = t;
      open.outcome = outcome;
    } else items[index] = { ...items[index]!, end: t, outcome };
  }

  private onStepBegin(source: SourceState, t: number, local: number): void {
    const state = this.task(source.id, local, t);
    const other = source.openStep;
    if (other !== null) this.closeStep(other, source, t); // its end was lost
    if (state.outcome !== "pending") return;
    if (state.awaitIndex >= 0) {
      this.closeAwait(state, t, "resumed");
      state.awaitIndex = -1;
    }
    const wake = state.wake;
    state.stepIndex = this.steps.push({
      task: state.id, start: t, end: null, ready: wake?.time ?? null, wake: wake?.kind ?? null, waker: wake?.waker ?? null,
    }, t);
    source.openStep = state;
    state.stepped = true;
    state.wake = null;
    state.wokenAwaitIndex = -1;
    state.cancelBy = undefined;
    state.expiredSinceStep = false;
    state.selfWake = false;
    this.changedTask(state);
  }

  private closeStep(state: TaskState, source: SourceState, t: number): void {
    if (state.stepIndex >= 0) {
      const items = this.steps.items;
      if (this.steps.unpublished(state.stepIndex)) (items[state.stepIndex] as Mutable<StepRecord>).end = t;
      else items[state.stepIndex] = { ...items[state.stepIndex]!, end: t };
      state.stepIndex = -1;
    }
    if (source.openStep === state) source.openStep = null;
  }

  private onStepEnd(source: SourceState, t: number, local: number, kind: string | null, label: string, target: number): void {
    const state = this.task(source.id, local, t);
    this.closeStep(state, source, t);
    if (state.outcome !== "pending") return;
    state.stepped = true;
    if (kind !== null) {
      let targetTask: number | null = null;
      let resource: number | null = null;
      if (target !== 0) {
        if (RESOURCE_AWAIT_KINDS.has(kind)) resource = this.resource(source.id, target, t, resourceKindOf(kind), label);
        else targetTask = this.task(source.id, target, t).id;
      }
      if (state.awaitIndex >= 0) this.closeAwait(state, t, "resumed");
      state.awaitIndex = this.awaits.push({ task: state.id, start: t, end: null, kind, label, targetTask, resource, outcome: null }, t);
      // A bare yield rescheduled the task in this step: the step's end stands for that wake-up.
      if (isBareYield(kind, label, target)) state.selfWake = true;
    }
    if (state.selfWake) {
      state.selfWake = false;
      const cancelled = state.cancelBy !== undefined;
      this.setWake(state, cancelled ? { time: t, kind: "cancel", waker: state.cancelBy ?? null } : { time: t, kind: "self", waker: state.id });
    }
    this.changedTask(state);
  }

  private onExit(source: SourceState, t: number, local: number, outcome: number, name: number, kind: number): void {
    const state = this.task(source.id, local, t);
    if (state.outcome !== "pending") return;
    this.closeStep(state, source, t);
    if (state.awaitIndex >= 0) {
      this.closeAwait(state, t, "resumed");
      state.awaitIndex = -1;
    }
    state.end = t;
    state.outcome = outcome === OUTCOME_DONE ? "done" : outcome === OUTCOME_ERROR ? "error" : outcome === OUTCOME_CANCELLED ? "cancelled" : "error";
    state.name = name === 0 ? `Task-${state.localId}` : source.strings[name]!;
    state.kind = kind === TASK_KIND_ASYNC ? "async" : "coroutine";
    state.wake = null;
    state.openTimeouts = [];
    this.changedTask(state);
  }

  private onCancel(source: SourceState, t: number, local: number, byLocal: number, message: string | null, canceller: string | null): void {
    const state = this.task(source.id, local, t);
    const by = byLocal === 0 ? null : this.task(source.id, byLocal, t).id;
    this.cancellations.push(canceller === null ? { time: t, task: state.id, by, message } : { time: t, task: state.id, by, message, canceller }, t);
    if (state.outcome === "pending") state.cancelBy = by;
  }

  private onTimeoutExpired(sid: number, t: number, local: number, scope: number): void {
    const state = this.task(sid, local, t);
    const items = this.timeouts.items;
    // The scope says which timeout expired; a recorder that did not know it leaves the one
    // whose deadline passed first, else the oldest.
    let pick = scope !== 0 ? state.openTimeouts.findIndex((open) => open.scope === scope) : -1;
    if (pick < 0) {
      for (let k = 0; k < state.openTimeouts.length; k++) {
        const candidate = items[state.openTimeouts[k]!.index]!;
        if (candidate.deadline > t) continue;
        if (pick < 0 || candidate.deadline < items[state.openTimeouts[pick]!.index]!.deadline) pick = k;
      }
    }
    if (pick < 0 && state.openTimeouts.length > 0) pick = 0;
    if (pick >= 0) {
      const index = state.openTimeouts[pick]!.index;
      state.openTimeouts.splice(pick, 1);
      items[index] = { ...items[index]!, expired: t };
    }
    // Runtimes report the expiry before or after the cancellation it causes: either way, the
    // wake-up that cancellation brings is the timeout's.
    state.expiredSinceStep = true;
    const wake = state.wake;
    if (wake !== null && wake.kind === "cancel" && wake.waker === null) {
      state.wake = { time: wake.time, kind: "timeout", waker: null };
      this.changedTask(state);
      if (state.wokenAwaitIndex >= 0) {
        const awaits = this.awaits.items;
        awaits[state.wokenAwaitIndex] = { ...awaits[state.wokenAwaitIndex]!, outcome: "timeout" };
      }
    }
  }

  private onResource(sid: number, t: number, local: number, kind: string, label: string): void {
    const id = traceId(sid, local);
    const index = this.resourceIndex.get(id);
    if (index === undefined) {
      this.resourceIndex.set(id, this.resources.push({ id, source: sid, kind, label, created: t, preexisting: false }, t));
    } else {
      const known = this.resources.items[index]!;
      this.resources.items[index] = { ...known, kind, label };
    }
  }

  private onNativeStart(sid: number, t: number, local: number, kind: number, label: string, taskLocal: number): void {
    const id = traceId(sid, local);
    if (this.nativeIndex.has(id)) return;
    const task = taskLocal === 0 ? null : this.task(sid, taskLocal, t).id;
    const index = this.nativeOps.push({
      id, source: sid, kind: NATIVE_KINDS[kind]!, label, start: t, end: null, outcome: null, task, parent: null, cause: null, detail: null, ticks: [],
    }, t);
    this.nativeIndex.set(id, index);
    this.openNative.set(id, { index, ticks: [] });
  }

  private onNativeEnd(sid: number, t: number, local: number, outcome: number, detail: string | null): void {
    const id = traceId(sid, local);
    const open = this.openNative.get(id);
    if (open === undefined) return;
    this.openNative.delete(id);
    const items = this.nativeOps.items;
    const record = items[open.index]!;
    const end = Math.max(t, record.start);
    items[open.index] = { ...record, end, outcome: NATIVE_OUTCOMES[outcome]!, detail: detail ?? record.detail, ticks: sortedCopy(open.ticks).filter((x) => x <= end) };
  }

  /** The state of a task, made as a `preexisting` placeholder if the trace has not seen it. */
  private task(sid: number, local: number, t: number): TaskState {
    const id = traceId(sid, local);
    const known = this.taskStates.get(id);
    if (known !== undefined) return known;
    const state = newTaskState(id, local, sid, t, true);
    this.addTask(state);
    return state;
  }

  private withTask(sid: number, local: number, t: number, change: (state: TaskState) => void): void {
    const state = this.task(sid, local, t);
    change(state);
    this.changedTask(state);
  }

  private addTask(state: TaskState): void {
    this.taskStates.set(state.id, state);
    state.order = this.taskOrder.push(state, state.created);
    this.taskRecords.push(null);
    this.changedTask(state);
  }

  /** `state` changed: the next snapshot remakes its record. */
  private changedTask(state: TaskState): void {
    if (state.dirty) return;
    state.dirty = true;
    this.dirtyTasks.push(state);
  }

  private resource(sid: number, local: number, t: number, kind: string, label: string): number {
    const id = traceId(sid, local);
    if (!this.resourceIndex.has(id)) {
      this.resourceIndex.set(id, this.resources.push({ id, source: sid, kind, label: label || `${kind} ${local}`, created: t, preexisting: true }, t));
    }
    return id;
  }
}

function newTaskState(id: number, localId: number, source: number, created: number, preexisting: boolean): TaskState {
  return {
    id, localId, source, name: `Task-${localId}`, parent: null, kind: "coroutine", created, site: null, end: null,
    outcome: "pending", error: null, errorRetrieved: null, preexisting, stepped: preexisting, stepIndex: -1,
    awaitIndex: -1, wake: null, wokenAwaitIndex: -1, selfWake: false, cancelBy: undefined, expiredSinceStep: false, openTimeouts: [], order: -1, dirty: false,
  };
}

function materializeTask(s: TaskState): TaskRecord {
  return {
    id: s.id, source: s.source, name: s.name, parent: s.parent, kind: s.kind, created: s.created, site: s.site,
    end: s.end, outcome: s.outcome, error: s.error, errorRetrieved: s.errorRetrieved, preexisting: s.preexisting,
    ready: s.outcome === "pending" ? s.wake : null,
  };
}

function resourceKindOf(awaitKind: string): string {
  return awaitKind.startsWith("queue.") ? "queue" : awaitKind;
}

function sortedCopy(values: readonly number[]): number[] {
  return values.slice().sort((x, y) => x - y);
}

function fail(path: string, message: string): AppendResult {
  return { ok: false, error: { path, message } };
}

/**
 * What makes a batch unusable for `source` beyond the batch itself (checkBatch): it must be
 * the source's next in sequence, continue its string table, and keep its time origin.
 */
function continuityProblem(batch: TraceBatch, source: SourceState): TraceError | null {
  if (batch.seq !== source.nextSeq) {
    return {
      path: "$.batch.seq",
      message: batch.seq > source.nextSeq
        ? `batch ${batch.seq} arrived but batch ${source.nextSeq} was expected: a batch was lost`
        : `batch ${batch.seq} arrived again (batch ${source.nextSeq} was expected)`,
    };
  }
  if (batch.stringBase !== source.strings.length) {
    return { path: "$.batch.stringBase", message: `expected ${source.strings.length} (the next string id), got ${batch.stringBase}` };
  }
  if (source.timeOrigin !== null && batch.timeOrigin !== source.timeOrigin) {
    return { path: "$.batch.timeOrigin", message: `changed from ${source.timeOrigin} to ${batch.timeOrigin} within one source` };
  }
  return null;
}

/**
 * Everything a recorder holds, as a trace: takes its pending batch into a new session.
 * For tests, the CLI and one-shot recordings; streaming consumers append batches themselves.
 *
 * @example
 * const recorder = new Recorder({ clock: "loop" });
 * addInstrument(recorder);
 * await run(main, { clock: "virtual" });
 * removeInstrument(recorder);
 * const trace = traceOf(recorder);
 */
export function traceOf(recorder: { takeBatch(): TraceBatch }, metadata: SessionMetadataInput = {}): Trace {
  const builder = new SessionBuilder(metadata);
  const result = builder.append(recorder.takeBatch());
  if (!result.ok) throw new Error(`aioscope: the recorder's own batch was refused: ${result.error.path}: ${result.error.message}`);
  return builder.trace();
}
