/**
 * What a page did outside the runtime, per document: how long its main thread was blocked
 * (long tasks and long animation frames), its requests (and how many waited for a connection),
 * its timers, script and module loads by outcome, its workers and their messages. Most pages
 * have no runtime task at all, so without this a summary of theirs says "0 tasks, 0% busy,
 * no warnings" over a page that froze for a fifth of a second.
 *
 * Blocked time is the union of long-task and long-animation-frame intervals: the browser
 * reports both for one blocking script, and they overlap.
 */
import type { NativeKind, NativeOpRecord, NativeOutcome, Trace } from "../model.ts";
import { us } from "./trace-index.ts";
import { nativeName, sourceOrigin } from "../native-names.ts";

/** Operations the browser reports when the main thread was blocked for 50 ms or more. */
export const BLOCKING_KINDS: ReadonlySet<NativeKind> = new Set(["longTask", "longAnimationFrame"]);
const REQUEST_KINDS: ReadonlySet<NativeKind> = new Set(["fetch", "xhr"]);
const TIMER_KINDS: ReadonlySet<NativeKind> = new Set(["setTimeout", "setInterval", "requestAnimationFrame", "requestIdleCallback"]);
const LOAD_KINDS: ReadonlySet<NativeKind> = new Set(["script", "module"]);

/** Operations by how they ended; `pending` were still open when the trace was taken. */
export type OutcomeCounts = Readonly<Record<NativeOutcome | "pending", number>>;

/** One stretch of time the main thread was blocked: overlapping long tasks and frames, merged. */
export interface BlockedSpan {
  readonly source: number;
  readonly start: number;
  readonly end: number;
  /** The operations that make it up (long tasks, long animation frames). */
  readonly ops: readonly number[];
  /** The scripts the browser named for it (from a long animation frame's attribution), longest first. */
  readonly scripts: readonly string[];
}

export interface NativeStats {
  readonly source: number;
  /** Time the main thread was blocked (union of long tasks and long animation frames). */
  readonly blocked: number;
  /** `blocked` over the session's length. */
  readonly blockedRatio: number;
  /** Blocked stretches, in time order. */
  readonly blockedSpans: readonly BlockedSpan[];
  readonly requests: OutcomeCounts;
  /** The longest request, named as the timeline names it, with its duration (to the trace's end while pending). */
  readonly slowestRequest: { readonly op: number; readonly name: string; readonly duration: number } | null;
  readonly timers: OutcomeCounts;
  /** Requests that waited for a connection (≥ QUEUED_MS before they were sent), and the longest wait. */
  readonly queuedRequests: number;
  readonly longestQueue: number;
  /** Classic script and module loads (`<script>`, `import`, `import()`), by outcome. */
  readonly scripts: OutcomeCounts;
  readonly modules: OutcomeCounts;
  /** Web Workers started, those still running at the end, and their messages each way. */
  readonly workers: { readonly started: number; readonly running: number; readonly toWorkers: number; readonly fromWorkers: number };
  /** Every native operation of this source, whatever its kind. */
  readonly operations: number;
  /** The longest chains of causes (at least two operations), longest first. */
  readonly longestChains: readonly CauseChain[];
}

/**
 * A chain of causes: each operation began during the callback of the one before it (a click,
 * its fetch, the timer that fetch's `.then` set, the fetch that timer made), and how long the
 * whole took, from the first operation's start to the last one's end.
 */
export interface CauseChain {
  /** Operation ids, from the first cause to the last effect. */
  readonly ops: readonly number[];
  /** Their names, as the timeline names them. */
  readonly names: readonly string[];
  readonly duration: number;
}

/** How many of the longest chains a summary keeps. */
export const CHAINS_KEPT = 3;

/** A request counts as queued when it waited at least this long for a connection. */
export const QUEUED_MS = 1;

function emptyCounts(): Record<NativeOutcome | "pending", number> {
  return { ok: 0, error: 0, aborted: 0, cancelled: 0, pending: 0 };
}

/** The scripts a long animation frame's detail names (see src/content/native/long-tasks.ts). */
function scriptsOf(op: NativeOpRecord): string[] {
  if (op.kind !== "longAnimationFrame" || op.detail === null) return [];
  try {
    const detail: unknown = JSON.parse(op.detail);
    if (typeof detail !== "object" || detail === null) return [];
    const scripts = (detail as { scripts?: unknown }).scripts;
    return Array.isArray(scripts) ? scripts.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}

/** How long a request waited for a connection: its queueing's `queued` phase (see src/content/native/resources.ts). */
function queuedOf(op: NativeOpRecord): number {
  if (op.detail === null) return 0;
  try {
    const queued = (JSON.parse(op.detail) as { queued?: unknown } | null)?.queued;
    return typeof queued === "number" && Number.isFinite(queued) && queued > 0 ? queued : 0;
  } catch {
    return 0;
  }
}

/** Overlapping blocking operations of one source merged into spans (ops sorted by start). */
function blockedSpans(source: number, ops: readonly NativeOpRecord[], end: number): BlockedSpan[] {
  const spans: BlockedSpan[] = [];
  let current: { start: number; end: number; ops: number[]; scripts: string[] } | null = null;
  for (const op of ops) {
    const opEnd = op.end ?? end;
    if (current !== null && op.start < current.end) {
      current.end = Math.max(current.end, opEnd);
      current.ops.push(op.id);
      current.scripts.push(...scriptsOf(op));
      continue;
    }
    if (current !== null) spans.push({ source, ...current });
    current = { start: op.start, end: opEnd, ops: [op.id], scripts: scriptsOf(op) };
  }
  if (current !== null) spans.push({ source, ...current });
  return spans;
}

/** Per source that recorded any native operation, in source order. */
export function nativeStats(trace: Trace): NativeStats[] {
  const bySource = new Map<number, NativeOpRecord[]>();
  for (const op of trace.nativeOps) {
    let ops = bySource.get(op.source);
    if (ops === undefined) bySource.set(op.source, (ops = []));
    ops.push(op);
  }
  const out: NativeStats[] = [];
  for (const source of [...bySource.keys()].sort((a, b) => a - b)) {
    const ops = bySource.get(source)!;
    const requests = emptyCounts();
    const timers = emptyCounts();
    let slowest: NativeOpRecord | null = null;
    let slowestDuration = 0;
    const blocking: NativeOpRecord[] = [];
    const scripts = emptyCounts();
    const modules = emptyCounts();
    const workers = { started: 0, running: 0, toWorkers: 0, fromWorkers: 0 };
    let queuedRequests = 0;
    let longestQueue = 0;
    for (const op of ops) {
      if (BLOCKING_KINDS.has(op.kind)) blocking.push(op);
      else if (LOAD_KINDS.has(op.kind)) (op.kind === "script" ? scripts : modules)[op.outcome ?? "pending"]++;
      else if (op.kind === "worker") {
        workers.started++;
        if (op.end === null) workers.running++;
      } else if (op.kind === "workerMessage") {
        if (op.label.startsWith("postMessage")) workers.toWorkers++;
        else workers.fromWorkers++;
      } else if (op.kind === "requestQueue") {
        const queued = queuedOf(op);
        if (queued >= QUEUED_MS) queuedRequests++;
        longestQueue = Math.max(longestQueue, queued);
      }
      else if (REQUEST_KINDS.has(op.kind)) {
        requests[op.outcome ?? "pending"]++;
        const duration = us((op.end ?? trace.end) - op.start);
        if (slowest === null || duration > slowestDuration) [slowest, slowestDuration] = [op, duration];
      } else if (TIMER_KINDS.has(op.kind)) timers[op.outcome ?? "pending"]++;
    }
    // Long tasks arrive after the fact, so recording order is not start order.
    blocking.sort((a, b) => a.start - b.start || a.id - b.id);
    const spans = blockedSpans(source, blocking, trace.end);
    const origin = sourceOrigin(trace, source);
    const slowestRequest = slowest === null ? null : { op: slowest.id, name: nativeName(slowest, origin), duration: slowestDuration };
    const blocked = us(spans.reduce((sum, span) => sum + (span.end - span.start), 0));
    out.push({
      source,
      blocked,
      blockedRatio: trace.end > 0 ? blocked / trace.end : 0,
      blockedSpans: spans,
      requests,
      slowestRequest,
      timers,
      queuedRequests,
      longestQueue,
      scripts,
      modules,
      workers,
      operations: ops.length,
      longestChains: longestChains(ops, trace.end, origin),
    });
  }
  return out;
}

/**
 * The longest chains of causes among one source's operations. A repetition of its own cause
 * (the next frame of an animation loop, a timer re-armed by its own callback) starts a chain
 * afresh: a loop is one row of the timeline, not a chain as long as the session. Causes are
 * earlier operations (smaller ids), so one pass in id order knows each cause's chain first.
 */
function longestChains(ops: readonly NativeOpRecord[], end: number, origin: string | null): CauseChain[] {
  const byId = new Map<number, NativeOpRecord>();
  const rootStart = new Map<number, number>();
  const links = new Map<number, number>();
  const ordered = [...ops].sort((a, b) => a.id - b.id);
  for (const op of ordered) {
    byId.set(op.id, op);
    const cause = op.cause === null ? undefined : byId.get(op.cause);
    const continues = cause !== undefined && !(cause.kind === op.kind && cause.label === op.label);
    rootStart.set(op.id, continues ? rootStart.get(cause.id)! : op.start);
    links.set(op.id, continues ? links.get(cause.id)! + 1 : 1);
  }
  const ends = ordered
    .filter((op) => links.get(op.id)! >= 2 && !BLOCKING_KINDS.has(op.kind))
    .map((op) => ({ op, duration: us((op.end ?? end) - rootStart.get(op.id)!) }))
    .sort((a, b) => b.duration - a.duration || links.get(b.op.id)! - links.get(a.op.id)! || a.op.id - b.op.id);
  const chains: CauseChain[] = [];
  const covered = new Set<number>();
  for (const { op, duration } of ends) {
    if (chains.length === CHAINS_KEPT) break;
    // A chain already kept includes this one's operations: keep only chains that end elsewhere.
    if (covered.has(op.id)) continue;
    const ids: number[] = [];
    for (let at: NativeOpRecord | undefined = op; at !== undefined; ) {
      ids.push(at.id);
      covered.add(at.id);
      const cause: NativeOpRecord | undefined = at.cause === null ? undefined : byId.get(at.cause);
      if (cause === undefined || (cause.kind === at.kind && cause.label === at.label)) break;
      at = cause;
    }
    ids.reverse();
    chains.push({ ops: ids, names: ids.map((id) => nativeName(byId.get(id)!, origin)), duration });
  }
  return chains;
}
