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
import { consoleWarn, NativePerformanceObserver, observerMethods, supportedEntryTypes } from "./originals.ts";
import { append, apply, indexOf, mathMin, mathRound } from "../../trace/primordials.ts";
import { currentSink, describe, startOp, type Fields } from "./sink.ts";
import type { NativeKind } from "../../trace/model.ts";

const ENTRY_KINDS: readonly (readonly [string, NativeKind, string])[] = [
  ["longtask", "longTask", "long task"],
  ["long-animation-frame", "longAnimationFrame", "long animation frame"],
];

/** The most scripts named for one long animation frame. */
const MAX_SCRIPTS = 5;

interface ScriptTiming {
  readonly invoker?: string;
  readonly invokerType?: string;
  readonly sourceURL?: string;
  readonly sourceFunctionName?: string;
  readonly sourceCharPosition?: number;
  readonly duration?: number;
}

interface LongEntry extends PerformanceEntry {
  readonly attribution?: readonly { containerType?: string; containerSrc?: string; containerId?: string; containerName?: string }[];
  readonly blockingDuration?: number;
  readonly scripts?: readonly ScriptTiming[];
}

const round = (ms: number): number => mathRound(ms * 10) / 10;

/** The `n` longest scripts, longest first, by plain loops (page-side code: primordials only). */
function longestScripts(scripts: readonly ScriptTiming[] | undefined, n: number): string[] {
  const chosen: ScriptTiming[] = [];
  if (scripts === undefined) return [];
  for (let k = 0; k < scripts.length; k++) {
    const script = scripts[k]!;
    let at = chosen.length;
    while (at > 0 && (chosen[at - 1]!.duration ?? 0) < (script.duration ?? 0)) at--;
    if (at >= n) continue;
    for (let j = mathMin(chosen.length, n - 1); j > at; j--) chosen[j] = chosen[j - 1]!;
    chosen[at] = script;
  }
  const described: string[] = [];
  for (let k = 0; k < chosen.length; k++) described[k] = describeScript(chosen[k]!);
  return described;
}

function describeScript(script: ScriptTiming): string {
  const where = script.sourceURL ? ` ${script.sourceURL}${typeof script.sourceCharPosition === "number" && script.sourceCharPosition >= 0 ? `:${script.sourceCharPosition}` : ""}` : "";
  const fn = script.sourceFunctionName ? ` · ${script.sourceFunctionName}` : "";
  return `${script.invokerType ?? "script"} ${script.invoker ?? ""}${fn}${where} · ${round(script.duration ?? 0)} ms`;
}

function attributionOf(entry: LongEntry): Fields {
  if (entry.entryType === "longtask") {
    const container = entry.attribution?.[0];
    return {
      duration: round(entry.duration),
      name: entry.name,
      container: container?.containerType,
      containerSrc: container?.containerSrc || undefined,
      containerId: container?.containerId || undefined,
      containerName: container?.containerName || undefined,
    };
  }
  const scripts = longestScripts(entry.scripts, MAX_SCRIPTS);
  return {
    duration: round(entry.duration),
    blocking: typeof entry.blockingDuration === "number" ? round(entry.blockingDuration) : undefined,
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
          const entries = methods.getEntries === undefined ? [] : apply(methods.getEntries, list, []) as LongEntry[];
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

  private report(entries: readonly LongEntry[], kind: NativeKind, label: string): void {
    const into = currentSink();
    if (into === null) return;
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k]!;
      try {
        const end = into.recorder.fromHostTime(entry.startTime + entry.duration);
        if (end <= 0) continue; // before this recording began
        const start = into.recorder.fromHostTime(entry.startTime);
        const op = startOp(into, kind, label, null, { at: start, task: 0 });
        op.end("ok", attributionOf(entry), end);
      } catch {
        // A malformed entry: skipped, never thrown into the page.
      }
    }
  }
}
