/**
 * The recorder's event encoding, shared by the recorder (page side) and the session builder
 * (panel side). An event is one row of three columns:
 *
 *   time  Float64  ms since the recorder's time origin (non-decreasing, except the
 *                  explicit times native operations and markers may carry)
 *   kind  Uint8    one of the EV_* codes below
 *   ops   4×Int32  operands a, b, c, d (meaning per kind, below)
 *
 * 8 + 1 + 16 = 25 bytes per event. Strings (names, labels, messages) are interned once in
 * a string table and referred to by id; id 0 means "none". A float operand (a deadline)
 * takes the c and d slots, read through a Float64Array view of the same buffer.
 */
import type { MarkerKind, NativeKind, NativeOutcome } from "./model.ts";
import { MARKER_KINDS, NATIVE_KINDS, NATIVE_OUTCOMES } from "./model.ts";
import { indexOf } from "./primordials.ts";

export const OPS_PER_EVENT = 4;
export const BYTES_PER_EVENT = 8 + 1 + OPS_PER_EVENT * 4;

/** a task, b parent (0 none), c name (0: the default `Task-<id>`), d kind (TASK_KIND_*). */
export const EV_SPAWN = 1;
/** a task, b file, c line, d column: where the task was created. */
export const EV_SITE = 2;
/** a task, b function name at the creation site. */
export const EV_SITE_FUNCTION = 3;
/**
 * a task, b waker task (0 none): the task became ready. Two wake-ups are implied instead of
 * written: a task's first, by its spawn (at the spawn's time, woken by its parent), and a
 * bare yield's (`sleep(0)`), by the end of the step that awaits it (`isBareYield`).
 */
export const EV_SCHEDULED = 4;
/** a task: a step begins. */
export const EV_STEP_BEGIN = 5;
/** a task, b await kind (string, 0: none), c label, d target id (0 none): a step ends. */
export const EV_STEP_END = 6;
/**
 * a task, b outcome (OUTCOME_*), c name (0 default), d kind (TASK_KIND_*). A runtime task's
 * exit implies the end of its last step, at the same time: that step end is not written.
 */
export const EV_EXIT = 7;
/** a task, b error name, c message, d stack (0 none): why the task failed. */
export const EV_ERROR = 8;
/** a task, b requesting task (0 none), c message (0 none). */
export const EV_CANCEL = 9;
/** a task, b the scope (0: unknown), (c, d) the deadline as a Float64 on the recorder's clock. */
export const EV_TIMEOUT_ARMED = 10;
/** a task, b the scope that expired (0: unknown). */
export const EV_TIMEOUT_EXPIRED = 11;
/** a task: someone read its error. */
export const EV_RETRIEVED = 12;
/** a resource, b kind (string), c label: first sight of a resource. */
export const EV_RESOURCE = 13;
/** a resource, b op (string), c task (0 none), d value (VALUE_NONE: none). */
export const EV_RESOURCE_OP = 14;
/** a native op id, b kind (NATIVE_KINDS index), c label, d task (0 none); time = its start. */
export const EV_NATIVE_START = 15;
/** a native op id, b parent native op id (0 none), c cause native op id (0 none). */
export const EV_NATIVE_PARENT = 16;
/** a native op id, b outcome (NATIVE_OUTCOMES index), c detail (0 none); time = its end. */
export const EV_NATIVE_END = 17;
/** a native op id; time = when it fired. */
export const EV_NATIVE_TICK = 18;
/** a marker kind (MARKER_KINDS index), b label, c detail (0 none). */
export const EV_MARK = 19;
/** a task, b the scope: left or rescheduled before its deadline. */
export const EV_TIMEOUT_DISARMED = 20;
export const EV_MAX = 20;

/**
 * What a bare `yield` (`sleep(0)`) awaits: a step ending on it has rescheduled its own task
 * (asyncio's `__sleep0`), so the step's end stands for that wake-up too.
 */
export function isBareYield(kind: string, label: string, target: number | undefined): boolean {
  return kind === "sleep" && label === "sleep(0)" && (target === undefined || target === 0);
}

export const TASK_KIND_COROUTINE = 0;
export const TASK_KIND_ASYNC = 1;

export const OUTCOME_DONE = 0;
export const OUTCOME_ERROR = 1;
export const OUTCOME_CANCELLED = 2;

/** A resource operation without a value. */
export const VALUE_NONE = -0x80000000;

// Plain loops (primordials.ts): the recorder calls these inside pages.
export const nativeKindCode = (kind: NativeKind): number => indexOf(NATIVE_KINDS, kind);
export const nativeOutcomeCode = (outcome: NativeOutcome): number => indexOf(NATIVE_OUTCOMES, outcome);
export const markerKindCode = (kind: MarkerKind): number => indexOf(MARKER_KINDS, kind);

export const BATCH_FORMAT = "aioscope-batch";
export const BATCH_VERSION = 1;

/**
 * The events recorded since the previous batch, as the page streams them to the panel:
 * typed arrays and plain values only, so it survives structured clone (and its buffers can
 * be transferred). `strings` holds only the strings interned since the previous batch; the
 * first of them has id `stringBase`.
 */
export interface TraceBatch {
  readonly format: typeof BATCH_FORMAT;
  readonly version: typeof BATCH_VERSION;
  /** 0 for the first batch of a recorder, then 1, 2… A gap means a batch was lost. */
  readonly seq: number;
  readonly recorderVersion: string;
  /** Epoch ms of the recorder's time 0. */
  readonly timeOrigin: number;
  readonly clock: "host" | "loop" | "custom";
  readonly count: number;
  readonly time: Float64Array;
  readonly kind: Uint8Array;
  /** `count * 4` operands. */
  readonly ops: Int32Array;
  readonly stringBase: number;
  readonly strings: readonly string[];
  /** Events dropped since the recorder started (cumulative). */
  readonly droppedEvents: number;
}
