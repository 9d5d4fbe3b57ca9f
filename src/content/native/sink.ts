/**
 * Where the wrappers record: the active recorder (the page agent's start-up or session
 * recorder), or nothing. Every wrapper reads the sink on each call; while it is null the
 * wrapper only calls the original, so a reference the page kept to a wrapper costs one branch
 * after instrumentation is turned off.
 *
 * An operation is ended on the recorder it started on, and only while that recorder is still
 * the sink: a timer set during one recording and fired after it leaves nothing behind.
 *
 * Details: each operation's `detail` is a small JSON object (see README.md here), e.g.
 * `{"status":200,"bytes":512,"site":"load (https://app.example/main.js:12:5)"}`.
 */
import type { Instrument, Task } from "../../runtime/index.ts";
import { isArray, ownOption, safeMap, safeWeakMap, stringSlice, toText } from "../../trace/primordials.ts";
import type { CreationSite, NativeKind, NativeOutcome } from "../../trace/model.ts";
import type { Recorder } from "../../trace/recorder.ts";
import { withEveryHook } from "../instrument-hooks.ts";
import { apply, dataProperty, exceptionMessage, exceptionName, jsonPrimitive, pageWindow } from "./originals.ts";
import { formatSite } from "./site.ts";
import { Cause, enter, leave, lookUpCause } from "./causes.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- page callbacks are any function */

export interface Sink {
  readonly recorder: Recorder;
  /** Put each operation's creation site in its detail. */
  readonly sites: boolean;
}

let sink: Sink | null = null;

/** The sink wrappers record into now, or null. */
export function currentSink(): Sink | null {
  return sink;
}

export function setSink(next: Sink | null): void {
  sink = next;
}

/**
 * The runtime task whose step runs now, in any runtime copy of the page: an instrument added
 * to every copy (as the recorder is), so operations started later on a task's behalf — a
 * timeout signal that fires — are still attributed to the task that asked for them.
 */
export const taskTracker: Instrument & { running: number } = withEveryHook({
  running: 0,
  beforeTaskStep(task: Task<unknown>): void {
    taskTracker.running = task.id;
  },
  afterTaskStep(): void {
    taskTracker.running = 0;
  },
});

/**
 * The operation behind a promise the page holds (a fetch's, a combinator's), so a combinator
 * can name the operations it groups.
 */
export const promiseOps = safeWeakMap<object, NativeOp>();

const keys = Object.keys;
const MAX_TEXT = 300;

export type DetailValue = string | number | boolean | readonly (string | number)[] | null | undefined;
export type Fields = Readonly<Record<string, DetailValue>>;

/** `{"site":…}` by site: most operations end with no other detail, and one site makes many. */
const siteDetails = safeMap<string, string>();
const MAX_CACHED_SITES = 4096;

/**
 * The detail's JSON, written member by member: `JSON.stringify` of an object would look up
 * `toJSON` on Object.prototype and Array.prototype, which are the page's (originals.ts).
 */
function detailOf(site: string | null, fields: Fields | undefined): string | undefined {
  if (fields === undefined) {
    if (site === null) return undefined;
    let detail = siteDetails.get(site);
    if (detail === undefined) {
      detail = `{"site":${jsonPrimitive(site)}}`;
      if (siteDetails.size < MAX_CACHED_SITES) siteDetails.set(site, detail);
    }
    return detail;
  }
  let text = "";
  const names = keys(fields);
  for (let k = 0; k < names.length; k++) {
    const key = names[k]!;
    const value = fields[key];
    if (value === undefined || value === null) continue;
    text += `${text === "" ? "{" : ","}${jsonPrimitive(key)}:${jsonValue(value)}`;
  }
  if (site !== null) text += `${text === "" ? "{" : ","}"site":${jsonPrimitive(site)}`;
  return text === "" ? undefined : `${text}}`;
}

function jsonValue(value: Exclude<DetailValue, null | undefined>): string {
  if (!isArray(value)) return jsonPrimitive(value as string | number | boolean);
  let text = "[";
  for (let k = 0; k < value.length; k++) text += `${k === 0 ? "" : ","}${jsonPrimitive(value[k]!)}`;
  return `${text}]`;
}

/**
 * One native operation being recorded. It is its own cause frame (causes.ts), so a timer that
 * fires or a fetch whose continuations run allocates no frame for them.
 */
export class NativeOp extends Cause {
  constructor(
    sink: Sink,
    id: number,
    private readonly site: string | null,
  ) {
    super(sink, id, 0, null, null, 0, null, null);
  }

  /** This operation as the cause of what its callbacks and continuations start. */
  asCause(): Cause {
    return this;
  }

  /** Still recording into the sink it started in. */
  get live(): boolean {
    return sink === this.sink;
  }

  end(outcome: NativeOutcome, fields?: Fields, at?: number): void {
    if (sink !== this.sink) return;
    this.endDetailed(outcome, detailOf(this.site, fields), at);
  }

  /**
   * Ends with a detail already written as a JSON object's text (with at least one member), by a
   * caller that writes one for every operation of its kind (a request's phases) and builds no
   * `Fields` for it.
   */
  endWithJson(outcome: NativeOutcome, json: string, at?: number): void {
    if (sink !== this.sink) return;
    const site = this.site;
    this.endDetailed(outcome, site === null ? json : `${stringSlice(json, 0, json.length - 1)},"site":${jsonPrimitive(site)}}`, at);
  }

  private endDetailed(outcome: NativeOutcome, detail: string | undefined, at: number | undefined): void {
    this.sink.recorder.nativeEndWith(this.id, outcome, detail, at);
  }
}

export interface StartOptions {
  /** The group or scheduling operation this one belongs to. */
  readonly parent?: number;
  /** An explicit start on the recorder's clock, for operations reported after the fact. */
  readonly at?: number;
  /** The runtime task that started it; by default the one running now. */
  readonly task?: number;
  /**
   * The operation it was caused by. By default, for an operation starting now (no `at`, no
   * `task`), what is running: the task whose step runs, else the cause frame (causes.ts).
   */
  readonly cause?: number;
}

/** Starts recording an operation into `into`. */
export function startOp(into: Sink, kind: NativeKind, label: string, site: CreationSite | null, options?: StartOptions): NativeOp {
  // Read as own properties (ownOption): the callers leave members out, and a page's
  // Object.prototype must not fill them in. Most operations (every timer and fetch) give none.
  const givenTask = options === undefined ? undefined : ownOption(options, "task");
  const givenCause = options === undefined ? undefined : ownOption(options, "cause");
  const at = options === undefined ? undefined : ownOption(options, "at");
  let task = givenTask ?? taskTracker.running;
  let cause = givenCause ?? 0;
  if (task === 0 && givenTask === undefined && at === undefined && givenCause === undefined) {
    const found = lookUpCause(into);
    task = found.task;
    cause = found.id;
  }
  const formatted = into.sites && site !== null ? formatSite(site) : null;
  // The site goes out with the start: an operation still pending (the newest frame of a loop)
  // is then already known as a member of its series (kind, label and site), not only once it ends.
  const parent = options === undefined ? undefined : ownOption(options, "parent");
  const id = into.recorder.nativeStartWith(kind, label, task, parent, at, cause, detailOf(formatted, undefined));
  return new NativeOp(into, id, formatted);
}

/**
 * The cause an operation starting now in `into` would get (an operation id, 0 none), for one
 * reported later on behalf of this moment (a timeout signal that fires).
 */
export function causeNow(into: Sink): number {
  return taskTracker.running !== 0 ? 0 : lookUpCause(into).id;
}

/**
 * Runs a page callback that `op` scheduled, as the browser calls it: `op` fires (a tick for a
 * repeating operation, else its end, `ok`), the callback runs with `op` as the cause of what it
 * starts (causes.ts), and its run becomes a step — a child
 * operation of kind `other` labelled `label` — when it took a measurable time (at least one
 * tick of the page's clock, which Chrome coarsens to 0.1 ms; a shorter run has no length to
 * show, and its moment is the firing already recorded). An exception passes through
 * untouched: it is never caught (a rethrow would move where the page's `error` event says it
 * was thrown), so the step only knows that it threw.
 */
export function fireAndRun(op: NativeOp, repeating: boolean, label: string, callback: Function, self: unknown, args: readonly unknown[]): unknown {
  if (sink !== op.sink) return apply(callback, self, args);
  const recorder = op.sink.recorder;
  const fired = recorder.now();
  if (repeating) recorder.nativeTick(op.id, fired);
  else op.end("ok", undefined, fired);
  let threw = true;
  const saved = enter(op.asCause());
  try {
    const result = apply(callback, self, args);
    threw = false;
    return result;
  } finally {
    leave(saved);
    if (sink === op.sink) {
      const done = recorder.now();
      if (done > fired || threw) {
        const step = recorder.nativeStartWith("other", label, 0, op.id, fired, op.id, undefined);
        recorder.nativeEndWith(step, threw ? "error" : "ok", threw ? THREW : undefined, done);
      }
    }
  }
}

const THREW = '{"error":"the callback threw"}';

/**
 * Whether a wrapper of a Window operation was called on the window (or with no receiver): any
 * other receiver makes the original throw "Illegal invocation" before it looks at its
 * arguments, so the wrapper calls it at once and records nothing.
 */
export function onWindow(receiver: unknown): boolean {
  return receiver === undefined || receiver === null || receiver === pageWindow;
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${stringSlice(text, 0, MAX_TEXT - 1)}…` : text;
}

/**
 * A short text for an error or abort reason, running no page code: DOMExceptions through the
 * native getters, other objects through their data properties only.
 */
export function describe(value: unknown): string {
  if (typeof value === "string") return cut(value);
  if (typeof value !== "object" && typeof value !== "function") return cut(toText(value));
  if (value === null) return "null";
  try {
    const name = exceptionName(value);
    if (typeof name === "string") return cut(`${name}: ${exceptionMessage(value) ?? ""}`);
  } catch {
    // Not a DOMException.
  }
  const name = dataProperty(value, "name");
  const message = dataProperty(value, "message");
  if (typeof message === "string") return cut(`${typeof name === "string" ? name : "Error"}: ${message}`);
  return typeof value === "function" ? "function" : "object";
}

/** The name of a DOMException (e.g. "TimeoutError"), or null for anything else. */
export function domExceptionName(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return null;
  try {
    return exceptionName(value) ?? null;
  } catch {
    return null;
  }
}
