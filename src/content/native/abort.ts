/**
 * Abort signals: `AbortController.prototype.abort`, `AbortSignal.timeout` and `AbortSignal.any`.
 *
 * An abort is recorded as an `abortSignal` operation, the "mark" of the cancellation:
 * - `controller.abort(reason)`: the span of the `abort()` call (the page's abort listeners run
 *   inside it), attributed to the task that called it;
 * - `AbortSignal.timeout(ms)`: recorded when it fires, as a span from the call that armed it
 *   (and attributed to the task that armed it) to the moment it fired. A timeout signal that
 *   never fires leaves nothing: most guard requests that finish in time.
 * Both end `aborted`, with `{"cause":"abort"|"timeout","reason":…}` in their detail.
 *
 * Operations that a signal ended (fetch) find their mark here (`abortCauseOf`) and name it in
 * their own detail (`"by": <mark id>`): the reason object travels unchanged from the signal to
 * every signal that follows it (`AbortSignal.any`, a Request's own signal), so it is the key;
 * signals are a second key for reasons that are not objects.
 *
 * The wrappers change nothing else: `abort()` runs as before; the timeout signal gets one
 * `abort` listener of ours, which only keeps it alive until it fires, as any listener does.
 * Subclasses of AbortController inherit the wrapped `abort` and keep working.
 */
import { Patch } from "./cloak.ts";
import {
  apply, controllerSignal, isArray, listen, NativeAbortController, NativeAbortSignal, ONCE_PASSIVE, signalAborted, signalReason,
} from "./originals.ts";
import { firstKey, safeMap, safeWeakMap } from "../../trace/primordials.ts";
import { callerSite } from "./site.ts";
import { causeNow, currentSink, describe, domExceptionName, startOp, taskTracker, type Sink } from "./sink.ts";
import type { CreationSite } from "../../trace/model.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- wrappers stand in for any function */

export type AbortKind = "abort" | "timeout";

/** Why a signal aborted: its mark (an `abortSignal` operation, in `sink`) and its kind. */
export interface AbortCause {
  readonly sink: Sink | null;
  readonly mark: number;
  readonly cause: AbortKind;
}

const causeByReason = safeWeakMap<object, AbortCause>();
const causeBySignal = safeWeakMap<object, AbortCause>();
/** Reasons that are not objects (`abort("user left")`), the most recent few. */
const causeByPrimitive = safeMap<unknown, AbortCause>();
const MAX_PRIMITIVE_REASONS = 64;
/** The signals an `AbortSignal.any` signal follows. */
const anySources = safeWeakMap<object, readonly object[]>();

interface ArmedTimeout {
  readonly sink: Sink;
  readonly at: number;
  readonly task: number;
  /** What was running when it was armed: the cause of its firing. */
  readonly cause: number;
  readonly site: CreationSite | null;
  readonly label: string;
}
const armedTimeouts = safeWeakMap<object, ArmedTimeout>();

function isObject(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

function remember(signal: object, reason: unknown, cause: AbortCause): void {
  causeBySignal.set(signal, cause);
  if (isObject(reason)) {
    causeByReason.set(reason, cause);
  } else {
    causeByPrimitive.delete(reason);
    causeByPrimitive.set(reason, cause);
    if (causeByPrimitive.size > MAX_PRIMITIVE_REASONS) causeByPrimitive.delete(firstKey(causeByPrimitive));
  }
}

function kindOfReason(reason: unknown): AbortKind {
  return domExceptionName(reason) === "TimeoutError" ? "timeout" : "abort";
}

function lookup(signal: object | null, reason: unknown): AbortCause | undefined {
  const byReason = isObject(reason) ? causeByReason.get(reason) : causeByPrimitive.get(reason);
  if (byReason !== undefined) return byReason;
  if (signal === null) return undefined;
  const bySignal = causeBySignal.get(signal);
  if (bySignal !== undefined) return bySignal;
  const sources = anySources.get(signal);
  if (sources === undefined) return undefined;
  for (let k = 0; k < sources.length; k++) {
    const source = sources[k]!;
    try {
      if (signalAborted(source) === true && signalReason(source) === reason) return lookup(source, reason);
    } catch {
      // Not a signal after all.
    }
  }
  return undefined;
}

/**
 * What ended an operation whose signal aborted with `reason`: a timeout or an abort, and the
 * id of its mark in `into` (0 when it was not recorded there). `signals` are the signals the
 * page passed, most specific first.
 */
export function abortCauseOf(into: Sink, signals: readonly (object | null)[], reason: unknown): { cause: AbortKind; by: number } {
  for (let k = 0; k < signals.length; k++) {
    const found = lookup(signals[k]!, reason);
    if (found !== undefined) return { cause: found.cause, by: found.sink === into ? found.mark : 0 };
  }
  return { cause: kindOfReason(reason), by: 0 };
}

const abortPatch = Patch.of(NativeAbortController?.prototype, "abort", (original) => {
  const wrapper: Function = {
    abort(this: unknown, ...args: unknown[]): unknown {
      const into = currentSink();
      if (into === null) return apply(original, this, args);
      let signal: AbortSignal | undefined;
      try {
        signal = controllerSignal(this);
      } catch {
        return apply(original, this, args); // not a controller: the original throws as it should
      }
      if (signal === undefined || signalAborted(signal) === true) return apply(original, this, args);
      const op = startOp(into, "abortSignal", "abort()", callerSite(wrapper));
      try {
        return apply(original, this, args);
      } finally {
        // Before any microtask: the fetches it rejected look their cause up in their reactions.
        const reason = signalReason(signal);
        const cause = kindOfReason(reason);
        remember(signal, reason, { sink: into, mark: op.id, cause });
        op.end("aborted", { cause, reason: describe(reason) });
      }
    },
  }.abort;
  return wrapper;
});

/** Runs first among the timeout signal's listeners (it was added when the signal was made). */
function onTimeoutFired(this: EventTarget): void {
  const armed = armedTimeouts.get(this);
  if (armed === undefined) return;
  armedTimeouts.delete(this);
  const reason = signalReason(this);
  if (armed.sink !== currentSink()) {
    remember(this, reason, { sink: null, mark: 0, cause: "timeout" });
    return;
  }
  const op = startOp(armed.sink, "abortSignal", armed.label, armed.site, { at: armed.at, task: armed.task, cause: armed.cause });
  remember(this, reason, { sink: armed.sink, mark: op.id, cause: "timeout" });
  op.end("aborted", { cause: "timeout", reason: describe(reason) });
}

const timeoutPatch = Patch.of(NativeAbortSignal, "timeout", (original) => {
  const wrapper: Function = {
    timeout(this: unknown, ...args: unknown[]): unknown {
      const signal = apply(original, this, args) as AbortSignal;
      const into = currentSink();
      if (into === null || !isObject(signal)) return signal;
      const ms = args[0];
      armedTimeouts.set(signal, {
        sink: into,
        at: into.recorder.now(),
        task: taskTracker.running,
        cause: causeNow(into),
        site: callerSite(wrapper),
        label: `AbortSignal.timeout(${typeof ms === "number" ? ms : "?"})`,
      });
      listen(signal, "abort", onTimeoutFired, ONCE_PASSIVE);
      return signal;
    },
  }.timeout;
  return wrapper;
});

const anyPatch = Patch.of(NativeAbortSignal, "any", (original) => ({
  any(this: unknown, ...args: unknown[]): unknown {
    const signal = apply(original, this, args) as AbortSignal;
    const sources = args[0];
    if (currentSink() !== null && isObject(signal) && isArray(sources)) {
      const copy: object[] = [];
      for (let k = 0; k < sources.length; k++) {
        const source: unknown = sources[k];
        if (isObject(source)) copy[copy.length] = source;
      }
      anySources.set(signal, copy);
    }
    return signal;
  },
}).any);

export const abortPatches: readonly Patch[] = [abortPatch, timeoutPatch, anyPatch].filter((p): p is Patch => p !== null);
