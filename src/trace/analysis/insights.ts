/**
 * Insights: what to change, found in a trace — where warnings say "this went wrong", an
 * insight says "do this instead", with the evidence and, where one applies, the time it would
 * save. Pure functions of the model, like the rest of the analysis; the panel and the CLI only
 * present them. (tokio-console's lints and workerd's async-trace anti-patterns are the models.)
 *
 * Every rule is a heuristic over what was recorded: the runtime cannot see data dependencies,
 * so "sequential" means "started only once the previous one ended, from the same place", and
 * the saving is what running them at once would have given (their sum minus the longest).
 */
import type { AwaitRecord, NativeOpRecord, TaskRecord, Trace } from "../model.ts";
import { nativeName, sourceOrigin } from "../native-names.ts";
import { awaitGraph } from "./graph.ts";
import { numberedGroup } from "./tasks.ts";
import { awaitsOf, us, type TraceIndex } from "./trace-index.ts";
import type { Warning } from "./warnings.ts";
import { CHECK, inOneGo, NEVER, type Pause } from "./pause.ts";
import { partitionPoint } from "../sorted.ts";

export type InsightKind =
  | "sequential-awaits"
  | "duplicate-request"
  | "lost-error"
  | "pending-at-end"
  | "lock-across-wait"
  | "blocked-loop"
  | "timer-storm"
  | "unbounded-queue";

export interface Insight {
  readonly kind: InsightKind;
  /** One line: what to change. */
  readonly title: string;
  /** The evidence, a line each (what was awaited, for how long…). */
  readonly evidence: readonly string[];
  /** The tasks involved, the first the one to select. */
  readonly tasks: readonly number[];
  /** The native operations involved. */
  readonly ops: readonly number[];
  /** When it begins, for scrolling the timeline to it. */
  readonly at: number;
  /** Wall time the change would save, as far as the trace tells; null where no estimate applies. */
  readonly savingMs: number | null;
}

export interface InsightOptions {
  /** Sequential waits that would save less than this (ms) are not worth a word. Default 10. */
  minSavingMs?: number;
  /** An await inside a held lock longer than this (ms) that others queued behind. Default 20. */
  lockWaitMs?: number;
  /** Timers started within one second, per document, that make a storm. Default 200. */
  timerStorm?: number;
  /** A queue that grew to this many items was not bounded. Default 1000. */
  queueItems?: number;
}

/** Await kinds that wait for work elsewhere, which could have run at the same time as another. */
const INDEPENDENT_WAITS = new Set(["sleep", "promise", "task", "waitFor"]);
const REQUEST_KINDS = new Set(["fetch", "xhr"]);
const TIMER_KINDS = new Set(["setTimeout", "setInterval"]);
/** Insights without a saving, worst first, after those that have one. */
const SEVERITY: Readonly<Record<InsightKind, number>> = {
  "lost-error": 0, "pending-at-end": 1, "blocked-loop": 2, "lock-across-wait": 3, "sequential-awaits": 4,
  "duplicate-request": 5, "unbounded-queue": 6, "timer-storm": 7,
};

const ms = (value: number): string => `${us(value)} ms`;

/**
 * Whether `next` began right after `previous` ended: no more between them than a short step
 * (reading a response's body, parsing it) — 5 ms, or half the shorter of the two.
 */
function followsRightAfter(previousEnd: number, previousLength: number, nextStart: number, nextLength: number): boolean {
  const gap = nextStart - previousEnd;
  return gap >= 0 && gap <= Math.max(5, 0.5 * Math.min(previousLength, nextLength));
}

/** `sum − longest` of a run of sequential waits, with the insight when it is worth saying. */
function sequentialRun(
  run: readonly { start: number; end: number; text: string }[], minSavingMs: number, make: (saving: number, evidence: string[]) => Insight,
): Insight | null {
  if (run.length < 2) return null;
  const lengths = run.map((item) => item.end - item.start);
  const saving = us(lengths.reduce((a, b) => a + b, 0) - Math.max(...lengths));
  if (saving < minSavingMs) return null;
  return make(saving, run.map((item) => `${item.text} · ${ms(item.end - item.start)}`));
}

/**
 * Tasks of one numbered name ("consumer-1", "consumer-2"…) doing the same thing are one
 * insight, not one each: its saving is the largest of theirs (they ran side by side).
 */
function groupByName(found: readonly { name: string; insight: Insight }[]): Insight[] {
  const groups = new Map<string, { name: string; insight: Insight }[]>();
  for (const item of found) {
    const key = numberedGroup(item.name);
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(item);
  }
  const out: Insight[] = [];
  for (const [group, items] of groups) {
    const tasks = new Set(items.map((item) => item.insight.tasks[0]));
    if (tasks.size === 1) {
      for (const item of items) out.push(item.insight);
      continue;
    }
    const best = items.reduce((a, b) => ((b.insight.savingMs ?? 0) > (a.insight.savingMs ?? 0) ? b : a)).insight;
    out.push({
      ...best,
      title: `${tasks.size} tasks named ${group} each wait for independent things one after another: started together (gather, a task group), each would take up to ${ms(best.savingMs ?? 0)} less`,
      evidence: items.map((item) => `${item.name}: ${item.insight.evidence.length} waits, ${ms(item.insight.savingMs ?? 0)} to save`),
      tasks: items.flatMap((item) => item.insight.tasks),
      at: Math.min(...items.map((item) => item.insight.at)),
    });
  }
  return out;
}

function* sequentialAwaits(index: TraceIndex, minSavingMs: number, out: Insight[], pause: Pause): Generator<void, void, void> {
  const found: { name: string; insight: Insight }[] = [];
  yield* collectSequentialAwaits(index, minSavingMs, found, pause);
  out.push(...groupByName(found));
}

/** Loops over tasks ask the Pause once every this many + 1; over lock holds, every CHECK_HOLDS + 1. */
const CHECK_RECORDS = 255;
const CHECK_HOLDS = 15;

/** A task sleeping the same time at least this many times in a row beside another is keeping time. */
const PACING_SLEEPS = 8;

/**
 * Whether a run of waits is a task pacing itself: the same sleep over and over (a ticker, a
 * heartbeat, a poll) while another task of the same parent runs — the work it keeps time
 * beside. Started together, those sleeps would not do the work sooner; they would stop keeping
 * time, and a ticker beside a long recording would top the insights with a "saving" of nearly
 * all of it. A few equal sleeps (a consumer's fixed processing time), or any number in a task
 * alone (sleeps standing for work in a lesson), are still sequential.
 */
function isPacing(run: readonly AwaitRecord[], task: TaskRecord, families: Families): boolean {
  const first = run[0]!;
  if (run.length < PACING_SLEEPS || first.kind !== "sleep" || !run.every((a) => a.kind === "sleep" && a.label === first.label)) return false;
  return families.aliveBetween(task, first.start, run.at(-1)!.end!) > 1;
}

/** Tasks by source and parent, counted alive over a span with two binary searches. */
class Families {
  private byKey: Map<number, { created: Float64Array; ends: Float64Array }> | null = null;

  constructor(private readonly tasks: readonly TaskRecord[]) {}

  /** How many tasks of `task`'s family (itself included) were alive at some moment of [from, to). */
  aliveBetween(task: TaskRecord, from: number, to: number): number {
    const family = this.families().get(familyKey(task))!;
    // Alive at some moment of the span: created before it ends, and not ended by its start
    // (a task that ended by `from` was created before `to` as well).
    const createdBefore = partitionPoint(0, family.created.length, (k) => family.created[k]! < to);
    const endedBy = partitionPoint(0, family.ends.length, (k) => family.ends[k]! <= from);
    return createdBefore - endedBy;
  }

  private families(): Map<number, { created: Float64Array; ends: Float64Array }> {
    if (this.byKey !== null) return this.byKey;
    const lists = new Map<number, TaskRecord[]>();
    for (const task of this.tasks) {
      const key = familyKey(task);
      const list = lists.get(key);
      if (list === undefined) lists.set(key, [task]);
      else list.push(task);
    }
    this.byKey = new Map();
    for (const [key, list] of lists) {
      const created = Float64Array.from(list, (t) => t.created).sort();
      const ends = Float64Array.from(list, (t) => t.end ?? Infinity).sort();
      this.byKey.set(key, { created, ends });
    }
    return this.byKey;
  }
}

/** A task's source and parent in one number (task ids start at 1: 0 is "no parent"). */
const familyKey = (task: TaskRecord): number => task.source * 2 ** 32 + (task.parent ?? 0);

function* collectSequentialAwaits(index: TraceIndex, minSavingMs: number, out: { name: string; insight: Insight }[], pause: Pause): Generator<void, void, void> {
  const { trace } = index;
  const taskById = (id: number) => trace.tasks[index.taskPos.get(id) ?? -1];
  const families = new Families(trace.tasks);
  for (let p = 0; p < trace.tasks.length; p++) {
    if ((p & CHECK_RECORDS) === 0 && pause.due()) yield;
    const task = trace.tasks[p]!;
    let run: AwaitRecord[] = [];
    const flush = (): void => {
      if (isPacing(run, task, families)) {
        run = [];
        return;
      }
      const found = sequentialRun(run.map((a) => ({ start: a.start, end: a.end!, text: `${a.kind} ${a.label}` })), minSavingMs, (saving, evidence) => ({
        kind: "sequential-awaits",
        title: `${task.name} waits for ${run.length} independent things one after another: started together (gather, a task group), they would take ${ms(saving)} less`,
        evidence, tasks: [task.id, ...run.flatMap((a) => (a.targetTask === null ? [] : [a.targetTask]))], ops: [], at: run[0]!.start, savingMs: saving,
      }));
      if (found !== null) out.push({ name: task.name, insight: found });
      run = [];
    };
    for (const k of awaitsOf(index, p)) {
      const a = trace.awaits[k]!;
      const usable = a.end !== null && a.outcome === "resumed" && INDEPENDENT_WAITS.has(a.kind);
      if (!usable) {
        flush();
        continue;
      }
      const previous = run.at(-1);
      const target = a.targetTask === null ? undefined : taskById(a.targetTask);
      // A child created before the previous wait ended ran concurrently with it already.
      const startedAfter = previous === undefined || target === undefined || target.created >= previous.end!;
      if (previous !== undefined && !(startedAfter && followsRightAfter(previous.end!, previous.end! - previous.start, a.start, a.end! - a.start))) flush();
      run.push(a);
    }
    flush();
  }
}

/** The call site a native operation's detail names (`"site": "load (…/app.js:6:36)"`). */
function siteOf(op: NativeOpRecord): string | null {
  if (op.detail === null || !op.detail.startsWith("{")) return null;
  try {
    const site: unknown = (JSON.parse(op.detail) as { site?: unknown }).site;
    return typeof site === "string" ? site : null;
  } catch {
    return null;
  }
}

function sequentialRequests(trace: Trace, minSavingMs: number, out: Insight[]): void {
  // Per document and call site, requests in start order.
  const groups = new Map<string, NativeOpRecord[]>();
  for (const op of trace.nativeOps) {
    // A runtime task's requests are its awaits, which sequentialAwaits reads per task; the
    // call site alone would join requests of tasks that ran side by side.
    if (!REQUEST_KINDS.has(op.kind) || op.end === null || op.task !== null) continue;
    const site = siteOf(op);
    if (site === null) continue;
    const key = `${op.source}\u0000${site}`;
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(op);
  }
  for (const [key, ops] of groups) {
    const site = key.slice(key.indexOf("\u0000") + 1);
    const origin = sourceOrigin(trace, ops[0]!.source);
    let run: NativeOpRecord[] = [];
    const flush = (): void => {
      const found = sequentialRun(run.map((op) => ({ start: op.start, end: op.end!, text: nativeName(op, origin) })), minSavingMs, (saving, evidence) => ({
        kind: "sequential-awaits",
        title: `${run.length} requests from ${site} ran one after another: started together (Promise.all), they would take ${ms(saving)} less`,
        evidence, tasks: [], ops: run.map((op) => op.id), at: run[0]!.start, savingMs: saving,
      }));
      if (found !== null) out.push(found);
      run = [];
    };
    for (const op of ops) {
      const previous = run.at(-1);
      if (previous !== undefined && !followsRightAfter(previous.end!, previous.end! - previous.start, op.start, op.end! - op.start)) flush();
      run.push(op);
    }
    flush();
  }
}

function duplicateRequests(trace: Trace, out: Insight[]): void {
  const byLabel = new Map<string, NativeOpRecord[]>();
  for (const op of trace.nativeOps) {
    if (!REQUEST_KINDS.has(op.kind)) continue;
    const key = `${op.source}\u0000${op.label}`;
    let list = byLabel.get(key);
    if (list === undefined) byLabel.set(key, (list = []));
    list.push(op);
  }
  for (const ops of byLabel.values()) {
    // Those in flight while an earlier one of the same method and URL still was.
    const duplicates: NativeOpRecord[] = [];
    let first: NativeOpRecord | null = null;
    let openUntil = -Infinity;
    for (const op of ops) {
      if (op.start < openUntil) duplicates.push(op);
      else first = op;
      openUntil = Math.max(openUntil, op.end ?? trace.end);
    }
    if (duplicates.length === 0 || first === null) continue;
    const origin = sourceOrigin(trace, first.source);
    const name = nativeName(first, origin);
    out.push({
      kind: "duplicate-request",
      title: `${name} was requested ${duplicates.length + 1} times at once: share one request (cache its promise)`,
      evidence: [first, ...duplicates].map((op) => `started at ${ms(op.start)} · ${ms((op.end ?? trace.end) - op.start)}`),
      tasks: [], ops: [first.id, ...duplicates.map((op) => op.id)], at: duplicates[0]!.start, savingMs: null,
    });
  }
}

function fromWarnings(index: TraceIndex, warnings: readonly Warning[], out: Insight[]): void {
  const { trace } = index;
  const nameOf = (id: number): string => trace.tasks[index.taskPos.get(id) ?? -1]?.name ?? `#${id}`;
  const blocking = warnings.flatMap((w) => (w.kind === "slowStep" || w.kind === "longTask" ? [w] : []));
  if (blocking.length > 0) {
    const total = us(blocking.reduce((sum, w) => sum + w.duration, 0));
    const worst = blocking.reduce((a, b) => (b.duration > a.duration ? b : a));
    const culprit = worst.kind === "slowStep" ? worst.task : worst.tasks[0];
    const who = culprit !== undefined ? `a step of ${nameOf(culprit)}` : "the page's own code";
    out.push({
      kind: "blocked-loop",
      title: `${blocking.length === 1 ? `The event loop was blocked for ${ms(total)}` : `The event loop was blocked ${blocking.length} times for ${ms(total)} in all, the longest ${ms(worst.duration)}`} by ${who}: split the work (yield between chunks) or move it to a worker`,
      evidence: blocking.slice(0, 10).map((w) => w.message),
      tasks: [...new Set(blocking.flatMap((w) => (w.kind === "slowStep" ? [w.task] : w.tasks)))],
      ops: blocking.flatMap((w) => (w.kind === "longTask" ? w.ops : [])),
      at: Math.min(...blocking.map((w) => w.start)),
      savingMs: total,
    });
  }
  for (const w of warnings) {
    if (w.kind === "unretrievedError") {
      out.push({
        kind: "lost-error", title: `${nameOf(w.task)} failed and nobody awaited it or asked for its exception: await it, or keep it in a task group`,
        evidence: [w.message], tasks: [w.task], ops: [], at: trace.tasks[index.taskPos.get(w.task) ?? -1]?.end ?? 0, savingMs: null,
      });
    }
  }
}

function pendingAtEnd(index: TraceIndex, out: Insight[]): void {
  const { trace } = index;
  const pending = trace.tasks.filter((t) => t.outcome === "pending");
  if (pending.length === 0) return;
  const edges = new Map(awaitGraph(index).edges.map((edge) => [edge.task, edge]));
  out.push({
    kind: "pending-at-end",
    title: `${pending.length} task${pending.length === 1 ? " was" : "s were"} still pending when the recording ended: cancel what is no longer needed, or give waits a timeout`,
    evidence: pending.slice(0, 10).map((t) => {
      const edge = edges.get(t.id);
      return edge === undefined ? `${t.name}: not waiting (ready or running)` : `${t.name}: waiting on ${edge.kind} ${edge.label} since ${ms(edge.since)}`;
    }),
    tasks: pending.map((t) => t.id), ops: [], at: Math.min(...pending.map((t) => t.created)), savingMs: null,
  });
}

/** The waits for one resource, with the longest of them, and whether they are in start order (a trace's awaits are). */
interface Queue {
  readonly waits: AwaitRecord[];
  longest: number;
  inOrder: boolean;
}

/** First position in `waits` (in start order) whose start is at least `t`. */
function firstStartingFrom(waits: readonly AwaitRecord[], t: number): number {
  return partitionPoint(0, waits.length, (k) => waits[k]!.start < t);
}

/**
 * The waits of `queue` that overlap [from, to), in their order. In start order, they lie among
 * those that started in [from - longest, to): a lock's waits are found in that stretch rather
 * than by reading all of them for each hold (a session of 100 000 tasks has tens of thousands).
 */
function queuedDuring(queue: Queue | undefined, from: number, to: number, end: number): AwaitRecord[] {
  if (queue === undefined) return [];
  const overlaps = (w: AwaitRecord): boolean => w.start < to && (w.end ?? end) > from;
  if (!queue.inOrder) return queue.waits.filter(overlaps);
  const out: AwaitRecord[] = [];
  for (let k = firstStartingFrom(queue.waits, from - queue.longest), stop = firstStartingFrom(queue.waits, to); k < stop; k++) {
    const w = queue.waits[k]!;
    if (overlaps(w)) out.push(w);
  }
  return out;
}

function* lockAcrossWait(index: TraceIndex, lockWaitMs: number, out: Insight[], pause: Pause): Generator<void, void, void> {
  const { trace } = index;
  const resources = new Map(trace.resources.map((r) => [r.id, r]));
  const nameOf = (id: number): string => trace.tasks[index.taskPos.get(id) ?? -1]?.name ?? `#${id}`;
  // Hold intervals from acquire/release, as holdersAt replays them.
  const open = new Map<number, { task: number; since: number }[]>();
  const holds: { resource: number; task: number; start: number; end: number }[] = [];
  for (let k = 0; k < trace.resourceOps.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const op = trace.resourceOps[k]!;
    if (op.op === "acquire" && op.task !== null) {
      let list = open.get(op.resource);
      if (list === undefined) open.set(op.resource, (list = []));
      list.push({ task: op.task, since: op.time });
    } else if (op.op === "release") {
      const list = open.get(op.resource);
      if (list === undefined || list.length === 0) continue;
      const k = op.task === null ? -1 : list.findIndex((h) => h.task === op.task);
      const [held] = list.splice(k >= 0 ? k : 0, 1);
      holds.push({ resource: op.resource, task: held!.task, start: held!.since, end: op.time });
    }
  }
  for (const [resource, list] of open) for (const held of list) holds.push({ resource, task: held.task, start: held.since, end: trace.end });
  // Who queued for each resource, and when.
  const queued = new Map<number, Queue>();
  for (let k = 0; k < trace.awaits.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const a = trace.awaits[k]!;
    if (a.resource === null) continue;
    let queue = queued.get(a.resource);
    if (queue === undefined) queued.set(a.resource, (queue = { waits: [], longest: 0, inOrder: true }));
    const last = queue.waits.at(-1);
    if (last !== undefined && last.start > a.start) queue.inOrder = false;
    queue.waits.push(a);
    queue.longest = Math.max(queue.longest, (a.end ?? trace.end) - a.start);
  }
  for (let h = 0; h < holds.length; h++) {
    // A hold reads its task's waits and who queued meanwhile: up to thousands of records.
    if ((h & CHECK_HOLDS) === 0 && pause.due()) yield;
    const hold = holds[h]!;
    // A semaphore held across I/O is what a semaphore is for (a crawler's concurrency limit);
    // a lock held across it serialises everyone behind one wait.
    if (!/lock/i.test(resources.get(hold.resource)?.kind ?? "")) continue;
    const p = index.taskPos.get(hold.task);
    if (p === undefined) continue;
    for (const k of awaitsOf(index, p)) {
      const a = trace.awaits[k]!;
      const end = a.end ?? trace.end;
      if (a.resource !== null || a.start < hold.start || end > hold.end || end - a.start < lockWaitMs) continue;
      const waiters = queuedDuring(queued.get(hold.resource), a.start, end, trace.end).filter((w) => w.task !== hold.task);
      if (waiters.length === 0) continue;
      const resource = resources.get(hold.resource);
      const label = resource?.label ?? `resource #${hold.resource}`;
      out.push({
        kind: "lock-across-wait",
        title: `${nameOf(hold.task)} held ${label} across ${a.kind} ${a.label} (${ms(end - a.start)}) while ${waiters.length} other task${waiters.length === 1 ? "" : "s"} queued for it: release it before waiting`,
        evidence: waiters.slice(0, 10).map((w) => `${nameOf(w.task)} queued from ${ms(w.start)} for ${ms((w.end ?? trace.end) - w.start)}`),
        tasks: [hold.task, ...new Set(waiters.map((w) => w.task))], ops: [], at: a.start, savingMs: us(end - a.start),
      });
    }
  }
}

function timerStorms(trace: Trace, threshold: number, out: Insight[]): void {
  const bySource = new Map<number, NativeOpRecord[]>();
  for (const op of trace.nativeOps) {
    if (!TIMER_KINDS.has(op.kind)) continue;
    let list = bySource.get(op.source);
    if (list === undefined) bySource.set(op.source, (list = []));
    list.push(op);
  }
  for (const timers of bySource.values()) {
    // The busiest second: a window sliding over the start times (in recording order, sorted).
    const starts = Float64Array.from(timers, (op) => op.start).sort();
    let best = 0;
    let bestAt = 0;
    for (let lo = 0, hi = 0; hi < starts.length; hi++) {
      while (starts[hi]! - starts[lo]! > 1000) lo++;
      if (hi - lo + 1 > best) [best, bestAt] = [hi - lo + 1, starts[lo]!];
    }
    if (best < threshold) continue;
    const cancelled = timers.filter((op) => op.outcome === "cancelled").length;
    out.push({
      kind: "timer-storm",
      title: `${best} timers were started within one second (${cancelled} of ${timers.length} cleared before firing): debounce, or use one timer for many`,
      evidence: [`busiest second from ${ms(bestAt)}`],
      tasks: [], ops: timers.filter((op) => op.start >= bestAt && op.start <= bestAt + 1000).slice(0, 50).map((op) => op.id), at: bestAt, savingMs: null,
    });
  }
}

function* unboundedQueues(trace: Trace, threshold: number, out: Insight[], pause: Pause): Generator<void, void, void> {
  const kinds = new Map(trace.resources.map((r) => [r.id, r]));
  const queues = new Set(trace.resources.filter((r) => r.kind.toLowerCase().includes("queue")).map((r) => r.id));
  const peaks = new Map<number, { size: number; at: number }>();
  for (let k = 0; k < trace.resourceOps.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const op = trace.resourceOps[k]!;
    if (op.op !== "put" || op.value === null || !queues.has(op.resource)) continue;
    const peak = peaks.get(op.resource);
    if (peak === undefined || op.value > peak.size) peaks.set(op.resource, { size: op.value, at: op.time });
  }
  for (const [resource, peak] of peaks) {
    if (peak.size < threshold) continue;
    const label = kinds.get(resource)?.label ?? `queue #${resource}`;
    out.push({
      kind: "unbounded-queue",
      title: `${label} grew to ${peak.size} items: give it a maxsize, so producers wait for consumers instead of filling memory`,
      evidence: [`${peak.size} items at ${ms(peak.at)}`], tasks: [], ops: [], at: peak.at, savingMs: null,
    });
  }
}

/** Every insight of the trace, ranked: the largest saving first, then the worst kinds. */
export function insights(index: TraceIndex, warnings: readonly Warning[], options: InsightOptions = {}): Insight[] {
  return inOneGo(insightsBuild(index, warnings, options, NEVER));
}

/** insights, pausing (yielding) whenever `pause` says so: between detectors, and inside the two that read every task or hold. */
export function* insightsBuild(index: TraceIndex, warnings: readonly Warning[], options: InsightOptions, pause: Pause): Generator<void, Insight[], void> {
  const out: Insight[] = [];
  const minSavingMs = options.minSavingMs ?? 10;
  yield* sequentialAwaits(index, minSavingMs, out, pause);
  if (pause.due()) yield;
  sequentialRequests(index.trace, minSavingMs, out);
  duplicateRequests(index.trace, out);
  fromWarnings(index, warnings, out);
  if (pause.due()) yield;
  pendingAtEnd(index, out);
  if (pause.due()) yield;
  yield* lockAcrossWait(index, options.lockWaitMs ?? 20, out, pause);
  if (pause.due()) yield;
  timerStorms(index.trace, options.timerStorm ?? 200, out);
  yield* unboundedQueues(index.trace, options.queueItems ?? 1000, out, pause);
  if (pause.due()) yield;
  return out.sort((a, b) => (b.savingMs ?? -1) - (a.savingMs ?? -1) || SEVERITY[a.kind] - SEVERITY[b.kind] || a.at - b.at);
}
