/**
 * Long tasks and long animation frames: the moments the page blocked its own event loop, as
 * the browser reports them to a PerformanceObserver of ours (the page's own observers and
 * performance timeline are untouched). Each is a `longTask` or `longAnimationFrame` operation
 * spanning the entry (reported after the fact, with its own start and end), ending `ok`, with
 * the attribution the browser gives in its detail:
 *
 * - long task: `{"duration":…,"name":"self","container":"window"}` (and the container's
 *   src/id/name for an iframe);
 * - long animation frame: `{"duration":…,"blocking":…,"scripts":["event-listener
 *   BUTTON#go.onclick · handler https://app/main.js:120 · 48 ms", …]}`, longest first.
 */
import {
  consoleWarn, entryDuration, entryName, entryStartTime, frameTiming, longTaskTiming, NativePerformanceObserver, observerMethods,
  supportedEntryTypes,
} from "./originals.ts";
import { append, apply, indexOf, mathMin, mathRound } from "../../trace/primordials.ts";
import { currentSink, describe, startOp, type Fields } from "./sink.ts";
import type { NativeKind } from "../../trace/model.ts";

const ENTRY_KINDS: readonly (readonly [string, NativeKind, string])[] = [
  ["longtask", "longTask", "long task"],
  ["long-animation-frame", "longAnimationFrame", "long animation frame"],
];

/** The most scripts named for one long animation frame. */
const MAX_SCRIPTS = 5;

const round = (ms: number): number => mathRound(ms * 10) / 10;
/** A number the browser gave, or 0 for anything else. */
const numberOr0 = (value: unknown): number => (typeof value === "number" ? value : 0);
/** A non-empty string the browser gave, or undefined. */
const textOrNone = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The `n` longest of a frame's scripts, longest first, by plain loops. Every member of an entry
 * is read through the native getters (originals.ts): the page may have replaced the
 * prototypes' own, and they must neither run nor tell us anything.
 */
function longestScripts(scripts: readonly PerformanceEntry[] | undefined, n: number): string[] {
  const chosen: PerformanceEntry[] = [];
  const durations: number[] = [];
  if (scripts === undefined) return [];
  for (let k = 0; k < scripts.length; k++) {
    const script = scripts[k]!;
    const duration = numberOr0(entryDuration(script));
    let at = chosen.length;
    while (at > 0 && durations[at - 1]! < duration) at--;
    if (at >= n) continue;
    for (let j = mathMin(chosen.length, n - 1); j > at; j--) {
      chosen[j] = chosen[j - 1]!;
      durations[j] = durations[j - 1]!;
    }
    chosen[at] = script;
    durations[at] = duration;
  }
  const described: string[] = [];
  for (let k = 0; k < chosen.length; k++) described[k] = describeScript(chosen[k]!, durations[k]!);
  return described;
}

function describeScript(script: PerformanceEntry, duration: number): string {
  const t = frameTiming;
  const url = textOrNone(t.sourceURL(script));
  const position = t.sourceCharPosition(script);
  const where = url === undefined ? "" : ` ${url}${typeof position === "number" && position >= 0 ? `:${position}` : ""}`;
  const name = textOrNone(t.sourceFunctionName(script));
  const fn = name === undefined ? "" : ` · ${name}`;
  return `${textOrNone(t.invokerType(script)) ?? "script"} ${textOrNone(t.invoker(script)) ?? ""}${fn}${where} · ${round(duration)} ms`;
}

function attributionOf(entry: PerformanceEntry, kind: NativeKind): Fields {
  const duration = round(numberOr0(entryDuration(entry)));
  if (kind === "longTask") {
    const t = longTaskTiming;
    const container = t.attribution(entry)?.[0];
    const ofContainer = (read: (target: unknown) => string | undefined): string | undefined =>
      container === undefined ? undefined : textOrNone(read(container));
    return {
      duration,
      name: textOrNone(entryName(entry)),
      container: ofContainer(t.containerType),
      containerSrc: ofContainer(t.containerSrc),
      containerId: ofContainer(t.containerId),
      containerName: ofContainer(t.containerName),
    };
  }
  const blocking = frameTiming.blockingDuration(entry);
  const scripts = longestScripts(frameTiming.scripts(entry), MAX_SCRIPTS);
  return {
    duration,
    blocking: typeof blocking === "number" ? round(blocking) : undefined,
    scripts: scripts.length > 0 ? scripts : undefined,
  };
}

/** Observes long tasks and frames into the current sink while started. */
export class LongTaskObserver {
  private observers: PerformanceObserver[] = [];

  /** Starts observing, including the entries the browser buffered before (those of this recording only). */
  start(): void {
    this.stop();
    if (NativePerformanceObserver === undefined) return;
    for (let k = 0; k < ENTRY_KINDS.length; k++) {
      // Indexed, not destructured: destructuring goes through the page's Array iterator.
      const entryKind = ENTRY_KINDS[k]!;
      const type = entryKind[0];
      const kind = entryKind[1];
      const label = entryKind[2];
      if (indexOf(supportedEntryTypes, type) < 0) continue;
      try {
        const methods = observerMethods!;
        const observer = new NativePerformanceObserver((list) => {
          const entries = methods.getEntries === undefined ? [] : apply(methods.getEntries, list, []) as PerformanceEntry[];
          this.report(entries, kind, label);
        });
        // No prototype: the browser reads every member by name, and none may reach a getter the page put on Object.prototype.
        apply(methods.observe, observer, [{ __proto__: null, type, buffered: true }]);
        append(this.observers, observer);
      } catch (error) {
        apply(consoleWarn, console, [`aioscope: cannot observe ${type} entries: ${describe(error)}`]);
      }
    }
  }

  stop(): void {
    for (let k = 0; k < this.observers.length; k++) apply(observerMethods!.disconnect, this.observers[k]!, []);
    this.observers = [];
  }

  private report(entries: readonly PerformanceEntry[], kind: NativeKind, label: string): void {
    const into = currentSink();
    if (into === null) return;
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k]!;
      try {
        const startTime = numberOr0(entryStartTime(entry));
        const end = into.recorder.fromHostTime(startTime + numberOr0(entryDuration(entry)));
        if (end <= 0) continue; // before this recording began
        const start = into.recorder.fromHostTime(startTime);
        const op = startOp(into, kind, label, null, { at: start, task: 0 });
        op.end("ok", attributionOf(entry, kind), end);
      } catch {
        // A malformed entry: skipped, never thrown into the page.
      }
    }
  }
}
