/**
 * The recorder: an `Instrument` that writes every runtime event, and the native operations
 * and markers the extension feeds it, into a compact columnar buffer (see encoding.ts:
 * 25 bytes an event, strings interned once). The page takes the events recorded since the
 * last time with `takeBatch()` and streams them; a `SessionBuilder` turns batches into a
 * `Trace`.
 *
 * Drop policy (load shedding): the buffer holds at most `capacity` events not yet taken. When
 * it is full, new events are dropped (the oldest are kept, so every recorded task keeps its
 * beginning) and counted exactly in `droppedEvents`, which travels in every batch and in the
 * trace; a dropped event costs one comparison. A creation site is the exception: it is never
 * taken for a spawn that finds no room (a stack is the costliest part of an event), and so not
 * counted, as sites past their budget are not. Taking a batch frees the space again, so a
 * host that takes batches on a timer bounds the event rate it records, and the memory. A host
 * told when the buffer fills (`onFull`) may take a batch right then instead, so a burst goes
 * out as several batches within the same bound on memory.
 * Creation sites, the costliest part of an event, have their own budget per batch
 * (`maxSitesPerBatch`). Hooks never throw: a broken recorder must not break the page.
 *
 * It runs inside pages: after construction it calls only built-ins from primordials.ts.
 */
import { addInstrument, removeInstrument } from "../runtime/index.ts";
import type { AwaitTarget, Instrument, Resource, ResourceOp, Task, TaskOutcome } from "../runtime/index.ts";
import {
  BATCH_FORMAT, BATCH_VERSION, EV_CANCEL, EV_ERROR, EV_EXIT, EV_MARK, EV_NATIVE_END, EV_NATIVE_PARENT,
  EV_NATIVE_START, EV_NATIVE_TICK, EV_RESOURCE, EV_RESOURCE_OP, EV_RETRIEVED, EV_SCHEDULED, EV_SITE,
  EV_SITE_FUNCTION, EV_SPAWN, EV_STEP_BEGIN, EV_STEP_END, EV_TIMEOUT_ARMED, EV_TIMEOUT_DISARMED, EV_TIMEOUT_EXPIRED, OPS_PER_EVENT,
  OUTCOME_CANCELLED, OUTCOME_DONE, OUTCOME_ERROR, TASK_KIND_ASYNC, TASK_KIND_COROUTINE, VALUE_NONE,
  BYTES_PER_EVENT, isBareYield, markerKindCode, nativeKindCode, nativeOutcomeCode, type TraceBatch,
} from "./encoding.ts";
import { RECORDER_VERSION, type CreationSite, type MarkerKind, type NativeKind, type NativeOutcome } from "./model.ts";
import { captureSite, captureStack, DEFAULT_INTERNAL_FRAMES, firstExternalFrame, type FrameFilter } from "./stack.ts";
import {
  append, copyPrefix, dateNow, hostNow, hostTimeOrigin, mathFloor, mathMax, mathMin, mathRound, numberIsFinite, ownOption, safeMap, safeSet,
  stringSlice, stringStartsWith, toText,
} from "./primordials.ts";

/** Where event times come from: see `RecorderOptions.clock`. */
export type RecorderClock = "host" | "loop" | ((task: Task<unknown> | null) => number);

export interface RecorderOptions {
  /** The most events held before they are taken; newer ones are dropped and counted. Default 1 048 576. */
  capacity?: number;
  /**
   * Called when an event finds the buffer full, once until the next `takeBatch`: the host may
   * take a batch then (a burst shipped as several batches), and the event is recorded in the
   * room made; else it is dropped and counted, as later ones are. It must not record anything.
   * Also called, once a batch, when the batch grows past `maxBatchBytes` (`stats().held` is then
   * below `capacity`).
   */
  onFull?: () => void;
  /**
   * A batch's estimated size in bytes (its event columns, 25 bytes an event, and its new
   * strings, 2 bytes a character) past which `onFull` is told, once a batch, though the buffer
   * is not full: the host may take a smaller batch then, or let the buffer fill (nothing is
   * dropped for this). The extension keeps each batch under the size past which a message
   * between processes costs the page's thread several times more. Default: no limit.
   */
  maxBatchBytes?: number;
  /**
   * Capture each task's creation site from the stack (a few µs a task). Off by default for
   * library users; the extension turns it on. `true` reads V8's structured call sites:
   * positions in the code as loaded, as a page's own stack traces show them. `"mapped"`
   * parses the formatted stack text instead, so a host's source-map support (Node's
   * --enable-source-maps, tsx, vitest) maps positions to the sources; much slower there.
   */
  creationSites?: boolean | "mapped";
  /** Frames to skip when looking for a creation site; default: the runtime's, aioscope's and the host's. */
  internalFrames?: FrameFilter;
  /**
   * `"host"` (default): `performance.now()`, relative to when the recorder was made.
   * `"loop"`: the clock of the task's event loop — with `clock: "virtual"` loops this makes
   * deterministic traces. A function: any clock (tests). Times are kept non-decreasing.
   */
  clock?: RecorderClock;
  /** Epoch ms of time 0 for the `"loop"` and custom clocks; default `Date.now()` at construction. */
  timeOrigin?: number;
  /** The most distinct strings; later new strings are recorded as "…". Default 1 048 576. */
  maxStrings?: number;
  /** Longer names, labels and messages are cut. Default 2048 (16384 for stacks). */
  maxStringLength?: number;
  /**
   * Creation sites taken between two batches, at most (default: no limit). A stack costs a
   * few µs, more than the rest of a task's events: under a flood of tasks, the ones past this
   * budget carry no site (never a wrong one), so recording sheds that cost first.
   */
  maxSitesPerBatch?: number;
  /** Told each creation site taken, by task id, for whoever asks later (the page agent's live snapshot). */
  onSite?: (task: number, site: CreationSite) => void;
}

/** A task as the native-operation API accepts it: the task, its runtime id, or none. */
export type TaskRef = Task<unknown> | number | null;

export interface RecorderStats {
  /** Events held, not yet taken. */
  readonly held: number;
  /** Events accepted since the recorder was made. */
  readonly recorded: number;
  readonly droppedEvents: number;
  readonly strings: number;
  /** Bytes of the event columns holding `held` events (25 an event). */
  readonly usedBytes: number;
  /** Bytes allocated for event columns (whole chunks). */
  readonly allocatedBytes: number;
  /** Approximate bytes of the strings interned so far (UTF-16). */
  readonly stringBytes: number;
}

const CHUNK_EVENTS = 1 << 14;
/** A run of self-resumed steps this fast on average (ms, loop included) reads the clock less often. */
const FAST_STEP_MS = 0.001;
/**
 * A burst of spawns this fast on average (ms) reads the clock less often. A spawn's time only
 * places an instant inside its step (no step's length depends on it), so the bar is lower
 * than for steps: it holds on slow machines, and with creation sites taken.
 */
const FAST_SPAWN_MS = 0.005;
/** The most step ends of a run (or spawns of a burst) left unread between two readings. */
const MAX_UNREAD_STEPS = 31;
const DEFAULT_CAPACITY = 1 << 20;
const OVERFLOW_STRING = "…";

interface Chunk {
  readonly time: Float64Array;
  readonly kind: Uint8Array;
  readonly ops: Int32Array;
  /** The same memory as `ops`, for Float64 operands in the (c, d) slots. */
  readonly f64: Float64Array;
}

function makeChunk(): Chunk {
  const ops = new Int32Array(CHUNK_EVENTS * OPS_PER_EVENT);
  return { time: new Float64Array(CHUNK_EVENTS), kind: new Uint8Array(CHUNK_EVENTS), ops, f64: new Float64Array(ops.buffer) };
}


export class Recorder implements Instrument {
  readonly capacity: number;
  readonly timeOrigin: number;
  readonly clockKind: "host" | "loop" | "custom";
  private readonly read: (task: Task<unknown> | null) => number;
  /** `clock: "host"`: read inline, without the `read` call. */
  private readonly hostClock: boolean;
  private readonly hostStart: number;
  private readonly creationSites: boolean | "mapped";
  private readonly internalFrames: FrameFilter;
  private readonly maxStrings: number;
  private readonly maxStringLength: number;
  private readonly maxSitesPerBatch: number;
  private readonly onSite: ((task: number, site: CreationSite) => void) | null;
  private readonly onFull: (() => void) | null;
  /** `onFull` was called since the last batch was taken: a dropped event then costs a comparison only. */
  private fullAnnounced = false;
  /** `onFull` was called for the batch's size (`maxBatchBytes`) since the last batch was taken. */
  private sizeAnnounced = false;
  /** `maxBatchBytes` less the bytes of the batch's new strings: the events' columns may fill the rest. */
  private columnBytesLeft: number;
  private readonly maxBatchBytes: number;
  /** Who the cancellations requested now are attributed to (cancelFromOutside), or null. */
  private canceller: string | null = null;
  private sitesThisBatch = 0;

  private chunks: Chunk[] = [makeChunk()];
  private chunk: Chunk = this.chunks[0]!;
  /**
   * Chunks emptied by `takeBatch`, reused before new ones are made: a recording that takes
   * batches on a timer writes into the same memory instead of allocating (and zeroing, and
   * collecting) 400 KiB every 16 384 events. At most as many as the last batch filled.
   */
  private spare: Chunk[] = [];
  private fill = 0;
  private held = 0;
  /** Events taken in batches so far: `recorded` is this plus `held`, one counter less per event. */
  private taken = 0;
  private dropped = 0;
  private lastTime = 0;
  private seq = 0;

  private readonly stringIds = safeMap<string, number>();
  private newStrings: string[] = [];
  private nextStringId = 1;
  private batchStringBase = 1;
  private stringChars = 0;
  private overflowId = 0;
  private lastTarget: AwaitTarget | null = null;
  private lastTargetKind = 0;
  private lastTargetLabel = 0;

  private readonly seenResources = safeSet<number>();
  private nextNativeId = 1;
  /** The task whose step runs now (the hooks see every runtime copy of the realm), or 0. */
  private runningTask = 0;
  /**
   * The latest event is a step's end, dated by its own clock read (`lastTime`), or the exit
   * that a task's last step ended in (its end implied, at the same reading).
   */
  private stepEnded = false;
  /** The task spawned last, until its first wake-up (implied by the spawn: not written). */
  private justSpawned = 0;
  /**
   * The task whose step rescheduled it (0 none): written at the step's end unless the step
   * ends in a bare yield, whose wake-up the step's end implies (see `taskScheduled`).
   */
  private selfScheduled = 0;
  /** The task of the latest step end. */
  private lastEndedTask = 0;
  /**
   * A run: one task resumed right after its own step, again and again, with nothing else in
   * between (a `sleep(0)` loop with no other task ready). While its steps take under
   * FAST_STEP_MS each on average, the recorder reads the clock at every 2nd, 4th … 32nd step
   * end only (`window`; `skip` ends left unread); the unread ends carry the previous reading.
   * A run that turns slow goes back to reading every end.
   */
  private selfChained = false;
  private window = 1;
  private skip = 0;
  /** The run's latest reading, and the steps ended since. */
  private runReadAt = 0;
  private runSteps = 0;
  /**
   * A burst: one step spawning task after task (a gather of 100 000 coroutines). While its
   * spawns come under FAST_SPAWN_MS apart on average, the recorder reads the clock at every 2nd,
   * 4th … 32nd spawn only (`spawnWindow`; `spawnSkip` spawns left unread), and the unread
   * spawns carry the latest reading, taken in the same step: a spawn is an instant of its
   * step, so no time moves from one task to another. A slower gap closes the window again.
   */
  private spawnWindow = 1;
  private spawnSkip = 0;
  /** The burst's latest reading (-Infinity: none yet in this step). */
  private spawnReadAt = -Infinity;
  /** The latest unread step end (its chunk and index), or null. */
  private staleChunk: Chunk | null = null;
  private staleIndex = 0;

  constructor(options: RecorderOptions = {}) {
    // Each option read as an own property: a page's Object.prototype has no say (ownOption).
    const option = <K extends keyof RecorderOptions>(key: K): RecorderOptions[K] => ownOption(options, key);
    this.capacity = mathMax(1, mathFloor(option("capacity") ?? DEFAULT_CAPACITY));
    this.creationSites = option("creationSites") ?? false;
    this.internalFrames = option("internalFrames") ?? DEFAULT_INTERNAL_FRAMES;
    this.maxStrings = option("maxStrings") ?? 1 << 20;
    this.maxStringLength = option("maxStringLength") ?? 2048;
    this.maxSitesPerBatch = option("maxSitesPerBatch") ?? Infinity;
    this.onSite = option("onSite") ?? null;
    this.onFull = option("onFull") ?? null;
    const maxBatchBytes = option("maxBatchBytes");
    this.maxBatchBytes = maxBatchBytes !== undefined && maxBatchBytes > 0 ? maxBatchBytes : Infinity;
    this.columnBytesLeft = this.maxBatchBytes;
    this.hostStart = hostNow();
    const clock = option("clock") ?? "host";
    this.hostClock = clock === "host";
    if (clock === "host") {
      this.clockKind = "host";
      const origin = hostTimeOrigin;
      this.timeOrigin = typeof origin === "number" ? origin + this.hostStart : dateNow();
      this.read = () => hostNow() - this.hostStart;
    } else if (clock === "loop") {
      this.clockKind = "loop";
      this.timeOrigin = option("timeOrigin") ?? dateNow();
      this.read = (task) => (task !== null ? task.getLoop().time() : this.lastTime);
    } else {
      this.clockKind = "custom";
      this.timeOrigin = option("timeOrigin") ?? dateNow();
      this.read = clock;
    }
  }

  /** Starts recording every runtime copy of this realm, with a `recordingStart` marker. */
  start(): void {
    addInstrument(this);
    this.mark("recordingStart");
  }

  /** Stops recording, with a `recordingStop` marker. */
  stop(): void {
    this.mark("recordingStop");
    removeInstrument(this);
  }

  /** The recorder's clock now (ms since its time origin). */
  now(task: Task<unknown> | null = null): number {
    this.tick(task);
    return this.lastTime;
  }

  /**
   * Reads the clock into `lastTime`, which never goes back. The hooks date their events by
   * `lastTime` after a tick rather than by a returned number: where a hook picks either a fresh
   * reading or the previous one, both are then a field's double, and the optimizing compiler
   * does not box one into a heap number to merge it with the other (32 bytes a task less in
   * a recorded spawn+gather, of the 56 the recorder added: the rest is the clock's own result).
   */
  private tick(task: Task<unknown> | null): void {
    const t = this.hostClock ? hostNow() - this.hostStart : this.read(task);
    if (t >= this.lastTime) this.lastTime = t; // a NaN or earlier reading keeps the last
  }

  /** A `performance.now()` reading (as PerformanceObserver entries carry) on the recorder's clock. */
  fromHostTime(hostTime: number): number {
    return this.clockKind === "host" ? mathMax(0, hostTime - this.hostStart) : this.now();
  }

  get droppedEvents(): number {
    return this.dropped;
  }

  stats(): RecorderStats {
    return {
      held: this.held,
      recorded: this.taken + this.held,
      droppedEvents: this.dropped,
      strings: this.nextStringId - 1,
      usedBytes: this.held * BYTES_PER_EVENT,
      allocatedBytes: (this.chunks.length + this.spare.length) * CHUNK_EVENTS * BYTES_PER_EVENT,
      stringBytes: this.stringChars * 2,
    };
  }

  // --- Instrument hooks --------------------------------------------------------------------

  taskSpawned(task: Task<unknown>, parent: Task<unknown> | null): void {
    // Its first wake-up, which follows, is implied by the spawn: never written, nor counted dropped.
    this.justSpawned = task.id;
    if (!this.hasRoom()) return;
    if (this.spawnSkip > 0 && this.runningTask !== 0) {
      // A fast burst of spawns in one step (see `spawnSkip`): this one is not read.
      this.spawnSkip--;
    } else {
      this.tick(task);
      const reading = this.lastTime;
      // A reading comes once the window's unread spawns are used up (a step's end closes it,
      // and forgets the reading): the window is the spawns since the last reading, this one included.
      if (this.hostClock && this.runningTask !== 0 && reading - this.spawnReadAt < FAST_SPAWN_MS * this.spawnWindow) {
        this.spawnWindow = mathMin(this.spawnWindow * 2, MAX_UNREAD_STEPS + 1);
        this.spawnSkip = this.spawnWindow - 1;
      } else {
        this.spawnWindow = 1;
      }
      this.spawnReadAt = reading;
    }
    const t = this.lastTime;
    this.write(EV_SPAWN, t, task.id, parent === null ? 0 : parent.id, this.nameId(task), task.kind === "async" ? TASK_KIND_ASYNC : TASK_KIND_COROUTINE);
    if (this.creationSites !== false) this.recordSite(task, t);
  }

  taskScheduled(task: Task<unknown>, wokenBy: Task<unknown> | null): void {
    // Two wake-ups are implied by other events, and not written (docs/trace-format.md): a new
    // task's first, by its spawn (at the spawn's time, by its parent), and a bare yield's
    // (`sleep(0)`), by its step's end. A task rescheduling itself inside its step is decided
    // at the step's end, when what it awaits is known; the builder dates that wake-up by the
    // step's end anyway.
    const spawnWake = task.id === this.justSpawned;
    this.justSpawned = 0;
    if (spawnWake) return;
    if (this.runningTask !== 0 && task.id === this.runningTask) {
      this.selfScheduled = task.id;
      return;
    }
    if (!this.hasRoom()) return;
    // Any other wake-up reads the clock: one made inside a long step (the task completed at its
    // end, an event set after a computation) happened at that moment, not when the step began,
    // and dating it there would show the woken task ready while the step still held the loop.
    this.tick(task);
    this.write(EV_SCHEDULED, this.lastTime, task.id, wokenBy === null ? 0 : wokenBy.id, 0, 0);
  }

  beforeTaskStep(task: Task<unknown>, chained?: boolean): void {
    this.runningTask = task.id;
    // A task's first wake-up comes before any step: whatever was not met by now is not one.
    this.justSpawned = 0;
    this.selfScheduled = 0;
    if (!this.hasRoom()) {
      this.stepEnded = false;
      this.endRun();
      return;
    }
    // One host clock read per step at most: a step that follows the previous one directly
    // (the loop ran nothing in between) starts at the time that step ended. The loop and
    // custom clocks are cheap and read at every event (a virtual loop may move its time
    // between two such steps).
    if (chained === true && this.stepEnded && this.hostClock) {
      this.selfChained = task.id === this.lastEndedTask;
      if (!this.selfChained && this.staleChunk !== null) {
        // Another task follows a run of unread step ends directly: the run's last step ended
        // just now. Its end, the latest event, gets this reading.
        this.tick(task);
        if (this.staleChunk === this.chunk && this.staleIndex === this.fill - 1) this.chunk.time[this.staleIndex] = this.lastTime;
        this.endRun();
      }
    } else {
      this.selfChained = false;
      this.endRun();
      this.tick(task);
    }
    this.stepEnded = false;
    this.write(EV_STEP_BEGIN, this.lastTime, task.id, 0, 0, 0);
  }

  afterTaskStep(task: Task<unknown>, waitingOn: AwaitTarget | null): void {
    this.runningTask = 0;
    // A burst of spawns ends with its step: the next step's first spawn is read.
    this.spawnSkip = 0;
    this.spawnReadAt = -Infinity;
    if (this.selfScheduled !== 0) {
      const rescheduled = this.selfScheduled === task.id && (waitingOn === null || !isBareYield(waitingOn.kind, waitingOn.label, waitingOn.id));
      this.selfScheduled = 0;
      // Written before the step's end, as the builder expects a wake-up made inside the step.
      if (rescheduled && this.hasRoom()) this.write(EV_SCHEDULED, this.lastTime, task.id, task.id, 0, 0);
    }
    if (waitingOn === null && typeof task.done === "function" && task.done()) {
      // The task's last step: its exit follows at once, at this reading, and implies the
      // step's end, which is not written (docs/trace-format.md). (The transform's async
      // calls have no `done`: their last step's end is written.)
      this.tick(task);
      this.endRun();
      this.stepEnded = true;
      this.lastEndedTask = task.id;
      return;
    }
    if (!this.hasRoom()) {
      this.stepEnded = false;
      this.endRun();
      return;
    }
    let kind = 0;
    let label = 0;
    let target = 0;
    if (waitingOn !== null) {
      if (waitingOn === this.lastTarget) {
        kind = this.lastTargetKind;
        label = this.lastTargetLabel;
      } else {
        kind = this.intern(waitingOn.kind);
        label = this.intern(waitingOn.label);
        this.lastTarget = waitingOn;
        this.lastTargetKind = kind;
        this.lastTargetLabel = label;
      }
      target = waitingOn.id ?? 0;
    }
    if (this.selfChained && this.skip > 0 && waitingOn !== null) {
      // A fast run of one task resuming itself (see `skip`): this end is not read.
      this.skip--;
      this.runSteps++;
      this.write(EV_STEP_END, this.lastTime, task.id, kind, label, target);
      this.staleChunk = this.chunk;
      this.staleIndex = this.fill - 1;
    } else {
      this.tick(task);
      const t = this.lastTime;
      this.write(EV_STEP_END, t, task.id, kind, label, target);
      this.staleChunk = null;
      if (this.selfChained && t - this.runReadAt < FAST_STEP_MS * (this.runSteps + 1)) {
        this.window = mathMin(this.window * 2, MAX_UNREAD_STEPS + 1);
        this.skip = this.window - 1;
      } else {
        this.window = 1;
        this.skip = 0;
      }
      this.runReadAt = t;
      this.runSteps = 0;
    }
    this.stepEnded = true;
    this.lastEndedTask = task.id;
  }

  taskExited(task: Task<unknown>, outcome: TaskOutcome, raised?: unknown): void {
    if (!this.hasRoom()) {
      if (outcome === "error") this.dropped++; // the error's event, written with the exit
      return;
    }
    // A task exits at the end of its last step, which was just dated.
    if (!this.stepEnded) this.tick(task);
    const t = this.lastTime;
    const code = outcome === "done" ? OUTCOME_DONE : outcome === "error" ? OUTCOME_ERROR : OUTCOME_CANCELLED;
    this.write(EV_EXIT, t, task.id, code, this.nameId(task), task.kind === "async" ? TASK_KIND_ASYNC : TASK_KIND_COROUTINE);
    if (outcome === "error" && this.hasRoom()) {
      // Older runtime copies do not pass the error, and `exception()` would mark it retrieved:
      // for them, read the stored error directly.
      const error = arguments.length >= 3 ? raised : (task as unknown as { _exception?: unknown })._exception;
      const info = describeError(error);
      this.write(EV_ERROR, t, task.id, this.intern(info.name), this.intern(info.message),
        info.stack === null ? 0 : this.intern(info.stack, 16384));
    }
  }

  cancelRequested(task: Task<unknown>, msg: string | undefined, by: Task<unknown> | null): void {
    if (!this.hasRoom()) return;
    const canceller = this.canceller === null ? 0 : this.intern(this.canceller);
    this.write(EV_CANCEL, this.now(task), task.id, by === null ? 0 : by.id, msg === undefined ? 0 : this.intern(toText(msg)), canceller);
  }

  /**
   * Runs `cancel` with every cancellation it requests attributed to `canceller`, someone outside
   * the page's tasks (the panel's "Cancel task" passes "DevTools"); returns what `cancel` returns.
   */
  cancelFromOutside<R>(canceller: string, cancel: () => R): R {
    const outer = this.canceller;
    this.canceller = canceller;
    try {
      return cancel();
    } finally {
      this.canceller = outer;
    }
  }

  timeoutArmed(task: Task<unknown>, deadline: number, scope = 0): void {
    if (!this.hasRoom()) return;
    const t = this.now(task);
    // The deadline is on the task's loop clock; the trace keeps it on the recorder's.
    let onTrace = t + (deadline - task.getLoop().time());
    if (!numberIsFinite(onTrace)) onTrace = t;
    this.write(EV_TIMEOUT_ARMED, t, task.id, scope, 0, 0);
    const index = this.fill - 1;
    this.chunk.f64[(index * OPS_PER_EVENT + 2) >> 1] = onTrace;
  }

  timeoutExpired(task: Task<unknown>, scope = 0): void {
    if (!this.hasRoom()) return;
    this.write(EV_TIMEOUT_EXPIRED, this.now(task), task.id, scope, 0, 0);
  }

  timeoutDisarmed(task: Task<unknown>, scope: number): void {
    if (!this.hasRoom()) return;
    this.write(EV_TIMEOUT_DISARMED, this.now(task), task.id, scope, 0, 0);
  }

  exceptionRetrieved(task: Task<unknown>): void {
    if (!this.hasRoom()) return;
    this.write(EV_RETRIEVED, this.now(task), task.id, 0, 0, 0);
  }

  resourceOp(resource: Resource, op: ResourceOp, task: Task<unknown> | null, value?: number): void {
    if (!this.hasRoom()) return;
    const t = this.now(task);
    if (!this.seenResources.has(resource.id)) {
      this.seenResources.add(resource.id);
      let label: string;
      try {
        label = toText(resource.label());
      } catch {
        label = `${resource.kind} ${resource.id}`;
      }
      this.write(EV_RESOURCE, t, resource.id, this.intern(resource.kind), this.intern(label), 0);
      if (!this.hasRoom()) return;
    }
    const v = value === undefined || !numberIsFinite(value) ? VALUE_NONE : mathMax(VALUE_NONE + 1, mathMin(0x7fffffff, mathRound(value)));
    this.write(EV_RESOURCE_OP, t, resource.id, this.intern(op), task === null ? 0 : task.id, v);
  }

  // --- What the extension feeds it -----------------------------------------------------------

  /**
   * A native operation began (a fetch, a timer, an abort signal, a Promise.all…). Returns its
   * id for `nativeEnd`. `task` defaults to the task whose step is running; `at` is an explicit
   * start on the recorder's clock (see `fromHostTime`) for operations reported after the fact;
   * `cause` the earlier native operation during whose callback this one was created; `detail`
   * what is known of it already (its creation site), kept until its end brings the full detail.
   */
  nativeStart(kind: NativeKind, label: string, options: { task?: TaskRef; parent?: number; at?: number; cause?: number; detail?: string } = {}): number {
    const task = ownOption(options, "task");
    return this.nativeStartWith(
      kind, label, task === undefined ? this.runningTask : taskIdOf(task),
      ownOption(options, "parent"), ownOption(options, "at"), ownOption(options, "cause"), ownOption(options, "detail"),
    );
  }

  /**
   * `nativeStart` with its options as arguments, the task as an id: for the extension's
   * wrappers, which start an operation per timer and per fetch, and then have no options
   * object to read member by member.
   */
  nativeStartWith(kind: NativeKind, label: string, task: number, parent: number | undefined, at: number | undefined, cause: number | undefined, detail: string | undefined): number {
    const id = this.nextNativeId++;
    const code = nativeKindCode(kind);
    if (code < 0) return id;
    const parentId = parent !== undefined && parent > 0 ? parent | 0 : 0;
    // Only an earlier operation can be a cause: a later id would be a forged or broken link.
    const causeId = cause !== undefined && cause > 0 && cause < id ? cause | 0 : 0;
    // The links' event, written with the start when there are any (and counted with it when dropped).
    const linked = parentId !== 0 || causeId !== 0 || detail !== undefined;
    if (!this.hasRoom()) {
      if (linked) this.dropped++;
      return id;
    }
    const t = this.timeOf(at);
    this.write(EV_NATIVE_START, t, id, code, this.intern(toText(label)), task | 0);
    if (linked && this.hasRoom()) {
      // At the start's time: the room for it may have been made by taking a batch (onFull).
      this.write(EV_NATIVE_PARENT, t, id, parentId, causeId, detail === undefined ? 0 : this.intern(toText(detail)));
    }
    return id;
  }

  /** A native operation ended: `ok`, `error`, `aborted` (an abort signal fired) or `cancelled` (cleared). */
  nativeEnd(id: number, outcome: NativeOutcome = "ok", options: { detail?: string; at?: number } = {}): void {
    this.nativeEndWith(id, outcome, ownOption(options, "detail"), ownOption(options, "at"));
  }

  /** `nativeEnd` with its options as arguments (see `nativeStartWith`). */
  nativeEndWith(id: number, outcome: NativeOutcome, detail: string | undefined, at: number | undefined): void {
    const code = nativeOutcomeCode(outcome);
    if (code < 0 || !this.hasRoom()) return;
    this.write(EV_NATIVE_END, this.timeOf(at), id | 0, code, detail === undefined ? 0 : this.intern(toText(detail)), 0);
  }

  /** A repeating native operation fired (an interval's tick, a frame of a rAF loop). */
  nativeTick(id: number, at?: number): void {
    if (!this.hasRoom()) return;
    this.write(EV_NATIVE_TICK, this.timeOf(at), id | 0, 0, 0, 0);
  }

  /** A point in time worth showing: navigation, load, recording start/stop, or the user's own. */
  mark(kind: MarkerKind, label = "", options: { detail?: string; at?: number } = {}): void {
    const code = markerKindCode(kind);
    if (code < 0 || !this.hasRoom()) return;
    const detail = ownOption(options, "detail");
    this.write(EV_MARK, this.timeOf(ownOption(options, "at")), code, this.intern(toText(label)), detail === undefined ? 0 : this.intern(toText(detail)), 0);
  }

  // --- Streaming -----------------------------------------------------------------------------

  /**
   * The events recorded since the previous batch, with the strings new since then, and
   * empties the buffer. Structured-clone friendly; its three buffers may be transferred.
   */
  takeBatch(): TraceBatch {
    const count = this.held;
    const time = new Float64Array(count);
    const kind = new Uint8Array(count);
    const ops = new Int32Array(count * OPS_PER_EVENT);
    let offset = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      const n = mathMin(CHUNK_EVENTS, count - offset);
      if (n <= 0) break;
      copyPrefix(time, chunk.time, n, offset);
      copyPrefix(kind, chunk.kind, n, offset);
      copyPrefix(ops, chunk.ops, n * OPS_PER_EVENT, offset * OPS_PER_EVENT);
      offset += n;
    }
    const batch: TraceBatch = {
      format: BATCH_FORMAT,
      version: BATCH_VERSION,
      seq: this.seq++,
      recorderVersion: RECORDER_VERSION,
      timeOrigin: this.timeOrigin,
      clock: this.clockKind,
      count,
      time,
      kind,
      ops,
      stringBase: this.batchStringBase,
      strings: this.newStrings,
      droppedEvents: this.dropped,
    };
    this.newStrings = [];
    this.sitesThisBatch = 0;
    this.fullAnnounced = false;
    this.sizeAnnounced = false;
    this.columnBytesLeft = this.maxBatchBytes;
    this.batchStringBase = this.nextStringId;
    // Keep as many emptied chunks as this batch filled beyond the first: a steady recording
    // reuses them all, and a quiet batch lets a past burst's memory go.
    const keep = this.chunks.length - 1;
    if (this.spare.length > keep) this.spare.length = keep;
    for (let c = 1; c < this.chunks.length && this.spare.length < keep; c++) append(this.spare, this.chunks[c]!);
    this.chunks = [this.chunks[0]!];
    this.chunk = this.chunks[0]!;
    this.fill = 0;
    this.endRun(); // its chunk is reused: an unread end in it is final
    this.taken += this.held;
    this.held = 0;
    return batch;
  }

  // --- Internals -----------------------------------------------------------------------------

  /** Leaves a run of unread step ends: the next step end is read. */
  private endRun(): void {
    this.staleChunk = null;
    this.window = 1;
    this.skip = 0;
  }

  private hasRoom(): boolean {
    if (this.held < this.capacity) {
      if (this.held * BYTES_PER_EVENT >= this.columnBytesLeft && !this.sizeAnnounced && this.onFull !== null) {
        // Big enough to ship (maxBatchBytes), not full: told once a batch, and nothing is dropped.
        this.sizeAnnounced = true;
        this.callOnFull();
      }
      return true;
    }
    if (this.onFull !== null && !this.fullAnnounced) {
      this.fullAnnounced = true;
      this.callOnFull();
      if (this.held < this.capacity) return true;
    }
    this.dropped++;
    return false;
  }

  private callOnFull(): void {
    try {
      this.onFull!();
    } catch {
      // The host's problem: it took no batch.
    }
  }

  private write(kind: number, time: number, a: number, b: number, c: number, d: number): void {
    let chunk = this.chunk;
    let i = this.fill;
    if (i === CHUNK_EVENTS) {
      const spare = this.spare;
      if (spare.length !== 0) {
        chunk = spare[spare.length - 1]!;
        spare.length -= 1;
      } else chunk = makeChunk();
      append(this.chunks, chunk);
      this.chunk = chunk;
      i = 0;
    }
    chunk.time[i] = time;
    chunk.kind[i] = kind;
    const o = i * OPS_PER_EVENT;
    const ops = chunk.ops;
    ops[o] = a;
    ops[o + 1] = b;
    ops[o + 2] = c;
    ops[o + 3] = d;
    this.fill = i + 1;
    this.held++;
  }

  private timeOf(at: number | undefined): number {
    return at !== undefined && numberIsFinite(at) ? mathMax(0, at) : this.now();
  }

  private intern(value: string, maxLength = this.maxStringLength): number {
    let s = value;
    if (s.length > maxLength) s = `${stringSlice(s, 0, maxLength - 1)}…`;
    const known = this.stringIds.get(s);
    if (known !== undefined) return known;
    if (this.nextStringId > this.maxStrings) {
      if (this.overflowId === 0) this.overflowId = this.addString(OVERFLOW_STRING);
      return this.overflowId;
    }
    return this.addString(s);
  }

  private addString(s: string): number {
    const id = this.nextStringId++;
    this.stringIds.set(s, id);
    append(this.newStrings, s);
    this.stringChars += s.length;
    this.columnBytesLeft -= 2 * s.length;
    return id;
  }

  /** 0 for the default `Task-<id>` name, so the string table does not grow a name per task. */
  private nameId(task: Task<unknown>): number {
    // A task never named has `_name` undefined: no `Task-<id>` string is built to find that out.
    if ((task as unknown as { _name?: string })._name === undefined && "_name" in task) return 0;
    const name = task.getName();
    if (name.length > 5 && stringStartsWith(name, "Task-") && stringSlice(name, 5) === `${task.id}`) return 0;
    return this.intern(name);
  }

  private siteSkipping(internal: FrameFilter): CreationSite | null {
    return this.creationSites === "mapped" ? firstExternalFrame(captureStack(), internal) : captureSite(internal);
  }

  private recordSite(task: Task<unknown>, t: number): void {
    const taskId = task.id;
    if (this.sitesThisBatch >= this.maxSitesPerBatch) return;
    this.sitesThisBatch++;
    let site;
    try {
      site = statedSite(task) ?? this.siteSkipping(this.internalFrames);
      // A page that bundles the runtime into the same file as its own code: skipping that
      // file leaves nothing, so fall back to aioscope's own frames only (the site is then the
      // copy's code, as before, rather than none).
      if (site === null && this.internalFrames !== DEFAULT_INTERNAL_FRAMES) site = this.siteSkipping(DEFAULT_INTERNAL_FRAMES);
    } catch {
      site = null;
    }
    if (site === null) return;
    if (this.onSite !== null) this.onSite(taskId, site);
    if (!this.hasRoom()) return;
    this.write(EV_SITE, t, taskId, this.intern(site.file), site.line | 0, site.column | 0);
    if (site.function !== null && this.hasRoom()) this.write(EV_SITE_FUNCTION, t, taskId, this.intern(site.function), 0, 0);
  }
}

/**
 * The site a task states itself: an async call made by the build transform (src/transform)
 * knows where its function is written in the original source, which no stack can tell.
 */
function statedSite(task: Task<unknown>): CreationSite | null {
  const site = (task as unknown as { site?: Partial<CreationSite> | null }).site;
  if (typeof site !== "object" || site === null) return null;
  if (typeof site.file !== "string" || typeof site.line !== "number" || typeof site.column !== "number") return null;
  return { file: site.file, line: site.line, column: site.column, function: typeof site.function === "string" ? site.function : null };
}

function taskIdOf(task: TaskRef): number {
  if (task === null) return 0;
  return typeof task === "number" ? task | 0 : task.id;
}

/** Name, message and stack of anything thrown, without ever throwing itself. */
export function describeError(error: unknown): { name: string; message: string; stack: string | null } {
  try {
    if (typeof error === "object" && error !== null) {
      const e = error as { name?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: unknown } };
      const name = typeof e.name === "string" ? e.name : typeof e.constructor?.name === "string" ? e.constructor.name : "Object";
      const message = typeof e.message === "string" ? e.message : toText(error);
      return { name, message, stack: typeof e.stack === "string" ? e.stack : null };
    }
    return { name: typeof error, message: toText(error), stack: null };
  } catch {
    return { name: "unknown", message: "(the error could not be described)", stack: null };
  }
}
