/**
 * Timers: `setTimeout`, `setInterval`, `requestAnimationFrame`, `requestIdleCallback` and
 * their `clear…`/`cancel…` counterparts.
 *
 * - A one-shot timer (setTimeout, rAF, rIC) is a span from the call to when its callback is
 *   called (`ok`), or to the clear call that dropped it (`cancelled`).
 * - An interval is a span from `setInterval` to `clearInterval` (`cancelled`), with a tick at
 *   each firing.
 * - Each callback run that took a measurable time (≥ 0.1 ms, the page clock's resolution) is a
 *   step: a child operation of kind `other` (`setTimeout callback`…), ending `ok`, or `error`
 *   when the callback threw (the exception goes on to the page as before).
 *
 * The page's callback is called with the `this` and arguments the browser passes, and the
 * timer id is the browser's own. String handlers (`setTimeout("code", 10)`) are passed through
 * unrecorded: wrapping them would change how the code is compiled. Timers set by the
 * extension's own runtime copy (its event loop's) are not recorded: they are its tasks'
 * sleeps, already on the timeline.
 */
import { Patch } from "./cloak.ts";
import { apply, pageWindow } from "./originals.ts";
import { safeMap } from "../../trace/primordials.ts";
import { callerSite, isOwnSite } from "./site.ts";
import { currentSink, fireAndRun, onWindow, startOp, type NativeOp } from "./sink.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- page callbacks are any function */

/** Pending one-shot timers and live intervals, by the browser's id (both share one id space). */
const timerOps = safeMap<number, NativeOp>();
const frameOps = safeMap<number, NativeOp>();
const idleOps = safeMap<number, NativeOp>();

/** Labels of the common delays, made once: `setTimeout(0)`… `setTimeout(1000)`. */
const labelCache: Record<"setTimeout" | "setInterval", string[]> = { setTimeout: [], setInterval: [] };
const CACHED_DELAYS = 1000;

function delayLabel(kind: "setTimeout" | "setInterval", delay: unknown): string {
  if (delay === undefined) delay = 0;
  if (typeof delay !== "number") return `${kind}(?)`;
  if (!(delay >= 0 && delay <= CACHED_DELAYS && (delay | 0) === delay)) return `${kind}(${delay})`;
  return (labelCache[kind][delay] ??= `${kind}(${delay})`);
}

type Scheduler = "setTimeout" | "setInterval" | "requestAnimationFrame" | "requestIdleCallback";

/**
 * The wrapper of a scheduling function whose first argument is the callback and whose result
 * is the id its clearing function takes.
 */
function scheduler(kind: Scheduler, ops: Map<number, NativeOp>) {
  const repeating = kind === "setInterval";
  const stepLabel = `${kind} callback`;
  return (original: Function): Function => {
    const wrapper = {
      schedule(this: unknown, ...args: unknown[]): unknown {
        const into = currentSink();
        const callback = args[0];
        if (into === null || typeof callback !== "function" || !onWindow(this)) return apply(original, this, args);
        const site = callerSite(wrapper);
        if (isOwnSite(site)) return apply(original, this, args);
        const label = kind === "setTimeout" || kind === "setInterval" ? delayLabel(kind, args[1]) : kind;
        const op = startOp(into, kind, label, site);
        let id: unknown;
        args[0] = function (this: unknown, ...callbackArgs: unknown[]): unknown {
          if (!repeating && typeof id === "number") ops.delete(id);
          return fireAndRun(op, repeating, stepLabel, callback, this, callbackArgs);
        };
        let threw = true;
        try {
          id = apply(original, this, args);
          threw = false;
        } finally {
          // Not caught and rethrown: the page's error event must keep the original location.
          if (threw) op.end("error", { error: `${kind}() threw` });
        }
        if (typeof id === "number") ops.set(id, op);
        return id;
      },
    }.schedule;
    return wrapper;
  };
}

/** The wrapper of a clearing function: the timer it names, if recorded, ends `cancelled`. */
function canceller(ops: Map<number, NativeOp>) {
  return (original: Function): Function => ({
    cancel(this: unknown, ...args: unknown[]): unknown {
      const result = apply(original, this, args);
      const id = args[0];
      if (typeof id === "number") {
        const op = ops.get(id);
        if (op !== undefined) {
          ops.delete(id);
          op.end("cancelled");
        }
      }
      return result;
    },
  }).cancel;
}

export const timerPatches: readonly Patch[] = [
  Patch.of(pageWindow, "setTimeout", scheduler("setTimeout", timerOps)),
  Patch.of(pageWindow, "setInterval", scheduler("setInterval", timerOps)),
  Patch.of(pageWindow, "clearTimeout", canceller(timerOps)),
  Patch.of(pageWindow, "clearInterval", canceller(timerOps)),
  Patch.of(pageWindow, "requestAnimationFrame", scheduler("requestAnimationFrame", frameOps)),
  Patch.of(pageWindow, "cancelAnimationFrame", canceller(frameOps)),
  Patch.of(pageWindow, "requestIdleCallback", scheduler("requestIdleCallback", idleOps)),
  Patch.of(pageWindow, "cancelIdleCallback", canceller(idleOps)),
].filter((patch): patch is Patch => patch !== null);

/** Forgets every pending timer: their operations belong to a recorder no longer fed. */
export function forgetTimers(): void {
  timerOps.clear();
  frameOps.clear();
  idleOps.clear();
}
