/**
 * The page side of "what is every task waiting for now": walks every runtime copy registered
 * with the page hook (aioscope's own and those the page bundled) and builds one frame's
 * snapshot (trace/analysis/snapshot.ts), recording or not. And the other side of the panel's
 * "Cancel task": finds the copy that owns a live task and cancels it.
 *
 * A bundled copy is page code: what its walk returns is read field by field, typed, cut to the
 * protocol's bounds (protocol/validate.ts checks them again on the way out), and a copy that
 * throws or answers nonsense is skipped. It runs in the page's realm: built-ins from
 * trace/primordials.ts only.
 */
import { hostNow, isArray, mathMin, numberIsFinite, numberIsSafeInteger, safeMap, stringSlice } from "../trace/primordials.ts";
import { MAX_SNAPSHOT_AWAITED, MAX_SNAPSHOT_FILE, MAX_SNAPSHOT_TASKS, MAX_SNAPSHOT_TEXT } from "../protocol/validate.ts";
import type { FrameSnapshot, SnapshotAwait, SnapshotRuntime, SnapshotTask } from "../trace/analysis/snapshot.ts";
import type { CreationSite } from "../trace/model.ts";
import type { RegisteredRuntime } from "../runtime/instrument.ts";

/** The message a task cancelled from the panel sees. */
export const DEVTOOLS_CANCEL_MESSAGE = "cancelled from DevTools";
/** Who the recording says asked. */
export const DEVTOOLS_CANCELLER = "DevTools";

const MAX_RUNTIMES = 16;

const text = (value: unknown, max: number): string => (typeof value === "string" ? stringSlice(value, 0, max) : "");
const idOrNull = (value: unknown): number | null => (typeof value === "number" && numberIsSafeInteger(value) && value > 0 ? value : null);

/**
 * Every live task of the copies in `runtimes`, at most MAX_SNAPSHOT_TASKS in all. `bundledFrom`
 * is the index of the first copy the page bundled; `siteOf` gives the creation sites aioscope
 * recorded.
 */
export function takeSnapshot(runtimes: readonly RegisteredRuntime[], bundledFrom: number, siteOf: (task: number) => CreationSite | undefined): FrameSnapshot {
  const takenAt = hostNow();
  const copies: SnapshotRuntime[] = [];
  const tasks: SnapshotTask[] = [];
  let omitted = 0;
  const count = mathMin(runtimes.length, MAX_RUNTIMES);
  for (let r = 0; r < count; r++) {
    const runtime = runtimes[r]!;
    let walk: unknown = null;
    try {
      if (typeof runtime.liveTasks === "function") walk = runtime.liveTasks(MAX_SNAPSHOT_TASKS - tasks.length);
    } catch {
      walk = null;
    }
    const listed = typeof walk === "object" && walk !== null ? (walk as { tasks?: unknown }).tasks : undefined;
    copies[r] = { version: text(runtime.version, 32) || "?", bundled: r >= bundledFrom, answered: isArray(listed) };
    if (!isArray(listed)) continue;
    const more = (walk as { omitted?: unknown }).omitted;
    if (typeof more === "number" && numberIsSafeInteger(more) && more > 0) omitted += more;
    for (let k = 0; k < listed.length; k++) {
      if (tasks.length >= MAX_SNAPSHOT_TASKS) {
        omitted++;
        continue;
      }
      const task = readTask(listed[k], r, siteOf);
      if (task !== null) tasks[tasks.length] = task;
    }
  }
  return { takenAt, runtimes: copies, tasks, omitted };
}

function readTask(value: unknown, runtime: number, siteOf: (task: number) => CreationSite | undefined): SnapshotTask | null {
  if (typeof value !== "object" || value === null) return null;
  const t = value as Record<string, unknown>;
  const id = idOrNull(t.id);
  if (id === null) return null;
  const state = t.state === "running" || t.state === "ready" || t.state === "waiting" ? t.state : "ready";
  const since = typeof t.since === "number" && numberIsFinite(t.since) ? t.since : null;
  return {
    id, name: text(t.name, MAX_SNAPSHOT_TEXT), parent: idOrNull(t.parent), kind: t.kind === "async" ? "async" : "coroutine",
    state, awaiting: readAwait(t.awaiting), since: state === "waiting" ? since : null, cancelling: t.cancelling === true,
    site: readSite(siteOf(id)), runtime,
  };
}

function readAwait(value: unknown): SnapshotAwait | null {
  if (typeof value !== "object" || value === null) return null;
  const a = value as Record<string, unknown>;
  const tasks: number[] = [];
  if (isArray(a.tasks)) {
    const listed = a.tasks as unknown[];
    for (let k = 0; k < listed.length && tasks.length < MAX_SNAPSHOT_AWAITED; k++) {
      const id = idOrNull(listed[k]);
      if (id !== null) tasks[tasks.length] = id;
    }
  }
  return { kind: text(a.kind, 32) || "future", label: text(a.label, MAX_SNAPSHOT_TEXT), resource: idOrNull(a.resource), tasks, holder: idOrNull(a.holder) };
}

function readSite(site: CreationSite | undefined): CreationSite | null {
  if (site === undefined) return null;
  const line = site.line;
  const column = site.column;
  return {
    file: stringSlice(site.file, 0, MAX_SNAPSHOT_FILE),
    line: numberIsSafeInteger(line) && line >= 0 ? line : 0,
    column: numberIsSafeInteger(column) && column >= 0 ? column : 0,
    function: site.function === null ? null : stringSlice(site.function, 0, MAX_SNAPSHOT_TEXT),
  };
}

/** Sites kept per generation: the memo holds the latest 4 096 to 8 192 tasks' sites. */
const SITES_PER_GENERATION = 4096;

/**
 * The creation sites aioscope's recorders took, by task id, for the snapshot: bounded in two
 * generations (a full one is dropped as the next fills), so a long-lived page costs no more.
 */
export class SiteMemo {
  private current = safeMap<number, CreationSite>();
  private previous = safeMap<number, CreationSite>();
  /** Entries in `current`, counted here: Map's size getter is the page's to replace. */
  private count = 0;

  readonly remember = (task: number, site: CreationSite): void => {
    if (this.count >= SITES_PER_GENERATION) {
      this.previous = this.current;
      this.current = safeMap<number, CreationSite>();
      this.count = 0;
    }
    this.current.set(task, site);
    this.count++;
  };

  readonly siteOf = (task: number): CreationSite | undefined => this.current.get(task) ?? this.previous.get(task);
}

/** Asks each runtime copy in turn to cancel live task `id` (ids are unique in a realm); true once one did. */
export function cancelLiveTask(runtimes: readonly RegisteredRuntime[], id: number): boolean {
  for (let r = 0; r < runtimes.length && r < MAX_RUNTIMES; r++) {
    const runtime = runtimes[r]!;
    try {
      if (typeof runtime.cancelTask === "function" && runtime.cancelTask(id, DEVTOOLS_CANCEL_MESSAGE) === true) return true;
    } catch {
      // A copy that throws cannot cancel: the next may own the task.
    }
  }
  return false;
}
