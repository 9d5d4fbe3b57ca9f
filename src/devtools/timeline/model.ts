/**
 * What the timeline draws, derived once per trace: the analysis' index (each task's steps and
 * awaits in time order), and the tree of rows — every task under its parent, and every native
 * operation under its cause (the operation during whose callback it began), else under the
 * task that started it — as flat typed arrays, so a 100 000-task session costs a few megabytes
 * and no object per row.
 *
 * Repeating series are one row until unfolded: native siblings of the same kind, label and
 * creation site (an animation-frame loop, an interval's callbacks, a timer re-armed from the
 * same line). An operation caused by one of its own series (the next frame of a loop, asked
 * for in the previous frame's callback) is placed beside it, not under it, so a loop of a
 * thousand frames is a series of siblings rather than a tree a thousand deep.
 *
 * A node is a task (`node < taskCount`, its position in `trace.tasks`) or a native operation
 * (`node - taskCount` is its position in `trace.nativeOps`).
 *
 * A live session grows: each new model is built from the one before (`previous`), and what
 * each record contributes (its task's position, its parent, its series key) is computed once,
 * when the record is new or changed; a column that grew by appends alone (the session
 * builder says which: columnsGrownByAppends) is not even read where it had records, and only
 * typed-array passes run over the whole session again.
 * A session whose earlier tasks moved (a late source whose clock sorts before them) is built
 * afresh.
 *
 * A build can pause: `timelineModelBuild` is a generator that yields whenever its `Pause` says
 * the slice of time it was given is used up, so a panel can build the next model of a session
 * of a million records a few milliseconds at a time, between frames (see session/model-job.ts),
 * while it keeps drawing the model before. `buildTimelineModel` builds in one go.
 */
import type { TraceIndex } from "../../trace/analysis.ts";
import type { NativeOpRecord, TaskRecord, Trace } from "../../trace/model.ts";
import { nativeGroupOf, nativeName, PART_KINDS, sourceOrigin, type NativeGroup } from "../../trace/native-names.ts";
import { columnsGrownByAppends, type PositionedColumn } from "../../trace/session.ts";

export interface TimelineModel {
  readonly trace: Trace;
  readonly index: TraceIndex;
  readonly taskCount: number;
  readonly nodeCount: number;
  /** Parent node of each node, or -1 for a root. */
  readonly parent: Int32Array;
  readonly depth: Uint16Array;
  /** Children of node n are childList[childOffsets[n] .. childOffsets[n + 1]), by start time. */
  readonly childOffsets: Int32Array;
  readonly childList: Int32Array;
  readonly roots: Int32Array;
  /** The kinds of native work in the session, for the legend. */
  readonly nativeGroups: ReadonlySet<NativeGroup>;
  /** Each source's document origin, for URLs shown relative to it. */
  readonly origins: readonly (string | null)[];
  /** Native operation id → its position in trace.nativeOps. */
  readonly nativePos: ReadonlyMap<number, number>;
  /** Members in each series (at its first member, the head), 0 elsewhere. */
  readonly seriesSize: Int32Array;
  /** The series' head of each member (itself for the head), -1 outside a series. */
  readonly seriesHead: Int32Array;
  /** The next member of the series after each member, in start order, -1 after the last. */
  readonly seriesNext: Int32Array;
  /** Positions in trace.cancellations / trace.timeouts, grouped per task like the index. */
  readonly cancelOffsets: Int32Array;
  readonly cancelList: Int32Array;
  readonly timeoutOffsets: Int32Array;
  readonly timeoutList: Int32Array;
  /** What each record contributed, for the next model of the same growing session. */
  readonly derived: DerivedFacts;
}

/** Per record: its task's position (-1: none), or a task's parent position; a native operation's series key. */
export interface DerivedFacts {
  readonly stepTask: Int32Array;
  readonly awaitTask: Int32Array;
  readonly cancelTask: Int32Array;
  readonly timeoutTask: Int32Array;
  readonly taskParent: Int32Array;
  readonly seriesKeys: readonly string[];
}

/** Tells a build whether to pause now (it is resumed later, from where it stopped). */
export interface Pause {
  due(): boolean;
}

/** Never pauses: the build runs in one go. */
const NEVER: Pause = { due: () => false };

/**
 * The passes below ask the Pause once every 4096 iterations (`(k & CHECK) === 0`): asking
 * costs a clock read, and 4096 iterations of any pass take well under a millisecond.
 */
const CHECK = 4095;

/** Groups positions 0…keys.length-1 by their key (a task position, -1 for none), keeping their order (CSR). */
function* groupKeys(groups: number, keys: Int32Array, pause: Pause): Generator<void, [Int32Array, Int32Array], void> {
  const offsets = new Int32Array(groups + 1);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key >= 0) offsets[key + 1]!++;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  for (let g = 0; g < groups; g++) offsets[g + 1]! += offsets[g]!;
  const fill = offsets.slice(0, groups);
  const list = new Int32Array(offsets[groups]!);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key >= 0) list[fill[key]!++] = k;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  return [offsets, list];
}

/**
 * The position of the task each record names: taken from `previous` where the record at that
 * position is the same object as before, or names the same task (task positions of a grown
 * session are those of the one before), else looked up. Comparing references first keeps the
 * pass over records a session has had for long from reading them at all; a column that grew
 * by appends alone (`appended`, session.ts' columnsGrownByAppends) is not read where it had
 * records. `kept`: whether every record `previous` had still names the task it named (then
 * groups of them can be extended).
 */
function* taskPositions(
  items: readonly { readonly task: number }[], taskPos: ReadonlyMap<number, number>,
  previous: { readonly items: readonly { readonly task: number }[]; readonly positions: Int32Array; readonly appended: boolean } | null, pause: Pause,
): Generator<void, { readonly positions: Int32Array; readonly kept: boolean }, void> {
  const out = new Int32Array(items.length);
  let k = 0;
  let kept = previous !== null && previous.items.length <= items.length;
  if (previous !== null && previous.appended && kept) {
    // The records it had are where they were, naming the tasks they named: nothing to read.
    k = previous.items.length;
    out.set(previous.positions.subarray(0, k));
  } else if (previous !== null) {
    const before = previous.items;
    const positions = previous.positions;
    for (const reuse = Math.min(before.length, items.length); k < reuse; k++) {
      const item = items[k]!;
      const was = before[k]!;
      if (item === was || item.task === was.task) out[k] = positions[k]!;
      else {
        out[k] = taskPos.get(item.task) ?? -1;
        kept = false;
      }
      if ((k & CHECK) === 0 && pause.due()) yield;
    }
  }
  for (; k < items.length; k++) {
    out[k] = taskPos.get(items[k]!.task) ?? -1;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  return { positions: out, kept };
}

/** A grouping (groupKeys) of the records a model had, by the task positions it had for them. */
interface Grouped {
  readonly keys: Int32Array;
  readonly groups: number;
  readonly offsets: Int32Array;
  readonly list: Int32Array;
}

/**
 * groupKeys of `keys`, whose first `previous.keys.length` keys are previous's (the records a
 * session had keep their tasks): each group is its list from before, then its new positions.
 * Only the groups new records joined are visited one by one; the runs of groups between them
 * are copied a run at a time (their offsets shifted by what the groups before them gained), and
 * a grouping nothing joined keeps its list — so what a build of a grown session costs here
 * follows what was added, not the session's size.
 */
function* extendGroups(groups: number, keys: Int32Array, previous: Grouped, pause: Pause): Generator<void, [Int32Array, Int32Array], void> {
  const known = previous.keys.length;
  const oldGroups = previous.groups;
  const before = previous.offsets;
  const total = before[oldGroups]!;
  // Per group, the records joining it (at g + 1); then, per joined group, where its next one goes.
  const joining = new Int32Array(groups + 1);
  const joined: number[] = [];
  let joiners = 0;
  for (let k = known; k < keys.length; k++) {
    const key = keys[k]!;
    if (key >= 0) {
      if (joining[key + 1]!++ === 0) joined.push(key);
      joiners++;
    }
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  const offsets = new Int32Array(groups + 1);
  if (joined.length === 0) {
    offsets.set(before);
    offsets.fill(total, oldGroups + 1);
    return [offsets, previous.list];
  }
  const order = Int32Array.from(joined).sort();
  const list = new Int32Array(total + joiners);
  // Groups g…t-1 gained nothing: their offsets are the old ones shifted, their lists one copy.
  let g = 0;
  let shift = 0;
  const copyRun = (to: number): void => {
    const last = Math.min(to, oldGroups);
    for (let x = g; x < last; x++) offsets[x + 1] = before[x + 1]! + shift;
    if (last > g) list.set(previous.list.subarray(before[g]!, before[last]!), before[g]! + shift);
    if (to > last) offsets.fill(offsets[Math.max(g, last)]!, Math.max(g, last) + 1, to + 1);
  };
  for (let j = 0; j < order.length; j++) {
    const t = order[j]!;
    copyRun(t);
    const had = t < oldGroups ? before[t + 1]! - before[t]! : 0;
    if (had > 0) list.set(previous.list.subarray(before[t]!, before[t + 1]!), offsets[t]!);
    const joiningT = joining[t + 1]!;
    offsets[t + 1] = offsets[t]! + had + joiningT;
    joining[t + 1] = offsets[t]! + had; // now: where the first new record of group t goes
    shift += joiningT;
    g = t + 1;
    if ((j & CHECK) === 0 && pause.due()) yield;
  }
  copyRun(groups);
  for (let k = known; k < keys.length; k++) {
    const key = keys[k]!;
    if (key >= 0) list[joining[key + 1]!++] = k;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  return [offsets, list];
}

/** groupKeys, extending `previous`'s grouping where `kept` says the records it had keep their tasks. */
function* regroup(groups: number, keys: { readonly positions: Int32Array; readonly kept: boolean }, previous: Grouped | null, pause: Pause): Generator<void, [Int32Array, Int32Array], void> {
  if (previous !== null && keys.kept && previous.groups <= groups) return yield* extendGroups(groups, keys.positions, previous, pause);
  return yield* groupKeys(groups, keys.positions, pause);
}

/** The position of each task's parent (-1: none), reusing `previous` as taskPositions does. */
function* parentPositions(
  tasks: readonly TaskRecord[], taskPos: ReadonlyMap<number, number>,
  previous: { readonly items: readonly TaskRecord[]; readonly positions: Int32Array; readonly appended: boolean } | null, pause: Pause,
): Generator<void, Int32Array, void> {
  const out = new Int32Array(tasks.length);
  const reuse = previous === null ? 0 : Math.min(previous.items.length, tasks.length);
  let first = 0;
  if (previous !== null && previous.appended) {
    first = reuse;
    out.set(previous.positions.subarray(0, reuse));
  }
  for (let p = first; p < tasks.length; p++) {
    if ((p & CHECK) === 0 && pause.due()) yield;
    const task = tasks[p]!;
    if (p < reuse) {
      const was = previous!.items[p]!;
      if (task === was || task.parent === was.parent) {
        out[p] = previous!.positions[p]!;
        continue;
      }
    }
    out[p] = task.parent === null ? -1 : taskPos.get(task.parent) ?? -1;
  }
  return out;
}

/** Whether `trace` keeps every task of `before` at its position: then it grew from it. */
function* grewFrom(before: Trace, trace: Trace, appended: ReadonlySet<PositionedColumn>, pause: Pause): Generator<void, boolean, void> {
  if (before.metadata.timeOrigin !== trace.metadata.timeOrigin || before.tasks.length > trace.tasks.length) return false;
  if (appended.has("tasks")) return true;
  for (let p = 0; p < before.tasks.length; p++) {
    if ((p & CHECK) === 0 && pause.due()) yield;
    const was = before.tasks[p]!;
    const task = trace.tasks[p]!;
    if (was !== task && was.id !== task.id) return false;
  }
  return true;
}

/** Groups item positions by the task position `keyOf` gives, keeping their order (CSR). */
function* groupBy(groups: number, count: number, keyOf: (k: number) => number, pause: Pause): Generator<void, [Int32Array, Int32Array], void> {
  const keys = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    keys[k] = keyOf(k);
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  return yield* groupKeys(groups, keys, pause);
}

export function nodeStart(model: TimelineModel, node: number): number {
  return node < model.taskCount ? model.trace.tasks[node]!.created : model.trace.nativeOps[node - model.taskCount]!.start;
}

export function nodeEnd(model: TimelineModel, node: number): number | null {
  return node < model.taskCount ? model.trace.tasks[node]!.end : model.trace.nativeOps[node - model.taskCount]!.end;
}

export function nodeName(model: TimelineModel, node: number): string {
  if (node < model.taskCount) return model.trace.tasks[node]!.name;
  const op = model.trace.nativeOps[node - model.taskCount]!;
  return nativeName(op, model.origins[op.source] ?? null);
}

/** The model of `trace`; with `previous`, the model of a trace it grew from, whose work is reused. */
export function buildTimelineModel(trace: Trace, previous: TimelineModel | null = null): TimelineModel {
  const build = timelineModelBuild(trace, previous, NEVER);
  for (;;) {
    const next = build.next();
    if (next.done === true) return next.value;
  }
}

/**
 * The same build as buildTimelineModel, pausing (yielding) whenever `pause` says so; its
 * return value is the model. The previous model stays whole and usable while it runs: the id
 * maps it extends are ones the previous model only asks about what it has (see nodeOfKey).
 */
export function* timelineModelBuild(trace: Trace, previous: TimelineModel | null, pause: Pause): Generator<void, TimelineModel, void> {
  const appended = columnsGrownByAppends(previous?.trace ?? null, trace);
  const before = previous !== null && (yield* grewFrom(previous.trace, trace, appended, pause)) ? previous : null;
  const taskCount = trace.tasks.length;
  const nodeCount = taskCount + trace.nativeOps.length;
  let taskPos: Map<number, number>;
  if (before === null) taskPos = new Map();
  else {
    // The map grows in place: the tasks it knew keep their positions, so it stays right for the
    // previous model too (which never asks for a task it does not have: see nodeOfKey).
    taskPos = before.index.taskPos as Map<number, number>;
  }
  for (let p = before === null ? 0 : before.taskCount; p < taskCount; p++) {
    taskPos.set(trace.tasks[p]!.id, p);
    if ((p & CHECK) === 0 && pause.due()) yield;
  }
  const facts = before?.derived ?? null;
  const old = before?.trace ?? null;
  const stepTask = yield* taskPositions(trace.steps, taskPos, old === null ? null : { items: old.steps, positions: facts!.stepTask, appended: appended.has("steps") }, pause);
  const awaitTask = yield* taskPositions(trace.awaits, taskPos, old === null ? null : { items: old.awaits, positions: facts!.awaitTask, appended: appended.has("awaits") }, pause);
  const cancelTask = yield* taskPositions(
    trace.cancellations, taskPos, old === null ? null : { items: old.cancellations, positions: facts!.cancelTask, appended: appended.has("cancellations") }, pause,
  );
  const timeoutTask = yield* taskPositions(
    trace.timeouts, taskPos, old === null ? null : { items: old.timeouts, positions: facts!.timeoutTask, appended: appended.has("timeouts") }, pause,
  );
  const taskParent = yield* parentPositions(trace.tasks, taskPos, old === null ? null : { items: old.tasks, positions: facts!.taskParent, appended: appended.has("tasks") }, pause);
  // The groupings before, of the records the previous model had (its facts give their keys).
  const was = before === null ? null : { groups: before.taskCount, index: before.index, facts: facts! };
  const [stepOffsets, stepList] = yield* regroup(taskCount, stepTask, was && { keys: was.facts.stepTask, groups: was.groups, offsets: was.index.stepOffsets, list: was.index.stepList }, pause);
  const [awaitOffsets, awaitList] = yield* regroup(taskCount, awaitTask, was && { keys: was.facts.awaitTask, groups: was.groups, offsets: was.index.awaitOffsets, list: was.index.awaitList }, pause);
  const index: TraceIndex = { trace, taskPos, stepOffsets, stepList, awaitOffsets, awaitList };
  const parent = new Int32Array(nodeCount).fill(-1);
  parent.set(taskParent);
  const ops = trace.nativeOps;
  let nativePos: Map<number, number>;
  const reusedOps = before === null ? 0 : Math.min(old!.nativeOps.length, ops.length);
  let sameOps = before !== null && old!.nativeOps.length <= ops.length;
  for (let k = appended.has("nativeOps") ? reusedOps : 0; sameOps && k < reusedOps; k++) {
    sameOps = ops[k]!.id === old!.nativeOps[k]!.id;
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  let firstNew = 0;
  if (sameOps) {
    nativePos = before!.nativePos as Map<number, number>;
    firstNew = old!.nativeOps.length;
  } else nativePos = new Map();
  for (let k = firstNew; k < ops.length; k++) {
    nativePos.set(ops[k]!.id, k);
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  // A series key changes only with its record (a record that changes is a new object).
  const keys = new Array<string>(ops.length);
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    keys[k] = k < reusedOps && old!.nativeOps[k] === op ? facts!.seriesKeys[k]! : seriesKeyOf(op);
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  for (let k = 0; k < ops.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const op = ops[k]!;
    // A worker's messages and a request's queueing are drawn on their parent's row: no row, no place in the tree.
    if (PART_KINDS.has(op.kind)) continue;
    let cause = op.cause === null ? undefined : nativePos.get(op.cause);
    // Caused by a part (a worker's reply), which has no row: it goes under the part's worker.
    if (cause !== undefined && PART_KINDS.has(ops[cause]!.kind)) {
      const owner = ops[cause]!.parent;
      cause = owner === null ? undefined : nativePos.get(owner);
    }
    if (cause !== undefined && cause !== k) {
      // The next of a series (a frame asked for in the previous frame) goes beside its cause.
      // A cause is an earlier operation, so its own place is set already (start order mostly
      // agrees; where it does not, the cause's task or nothing is its place for now).
      parent[taskCount + k] = keys[cause] === keys[k] ? parent[taskCount + cause]! : taskCount + cause;
    } else if (op.task !== null) parent[taskCount + k] = index.taskPos.get(op.task) ?? -1;
  }

  // All nodes in start order (tasks and native operations are each sorted already): merged.
  const order = new Int32Array(nodeCount);
  let t = 0;
  let n = 0;
  for (let o = 0; o < nodeCount; o++) {
    const takeTask = n >= ops.length || (t < taskCount && trace.tasks[t]!.created <= ops[n]!.start);
    order[o] = takeTask ? t++ : taskCount + n++;
    if ((o & CHECK) === 0 && pause.due()) yield;
  }
  const [childOffsets, byParent] = yield* groupBy(nodeCount, nodeCount, (k) => parent[order[k]!]!, pause);
  const childList = new Int32Array(byParent.length);
  for (let c = 0; c < byParent.length; c++) {
    childList[c] = order[byParent[c]!]!;
    if ((c & CHECK) === 0 && pause.due()) yield;
  }
  // Root tasks first, in creation order; then native operations no task started, which would
  // otherwise crowd in between the tasks a person came to see.
  const roots: number[] = [];
  for (let o = 0; o < nodeCount; o++) {
    const node = order[o]!;
    if (parent[node] === -1 && node < taskCount) roots.push(node);
    if ((o & CHECK) === 0 && pause.due()) yield;
  }
  for (let o = 0; o < nodeCount; o++) {
    const node = order[o]!;
    if (parent[node] === -1 && node >= taskCount && !PART_KINDS.has(ops[node - taskCount]!.kind)) roots.push(node);
    if ((o & CHECK) === 0 && pause.due()) yield;
  }
  const series = yield* linkSeries(nodeCount, taskCount, keys, roots, childOffsets, childList, pause);

  // Depths, walking down from the roots (a parent cycle, impossible in a valid trace, is cut).
  const depth = new Uint16Array(nodeCount);
  const stack = roots.slice();
  const seen = new Uint8Array(nodeCount);
  for (let walked = 0; stack.length > 0; walked++) {
    const node = stack.pop()!;
    seen[node] = 1;
    for (let c = childOffsets[node]!; c < childOffsets[node + 1]!; c++) {
      const child = childList[c]!;
      if (seen[child] === 1) continue;
      depth[child] = Math.min(depth[node]! + 1, 0xffff);
      stack.push(child);
    }
    if ((walked & CHECK) === 0 && pause.due()) yield;
  }
  const [cancelOffsets, cancelList] = yield* regroup(taskCount, cancelTask, was && { keys: was.facts.cancelTask, groups: was.groups, offsets: before!.cancelOffsets, list: before!.cancelList }, pause);
  const [timeoutOffsets, timeoutList] = yield* regroup(taskCount, timeoutTask, was && { keys: was.facts.timeoutTask, groups: was.groups, offsets: before!.timeoutOffsets, list: before!.timeoutList }, pause);
  const nativeGroups = new Set<NativeGroup>();
  for (let k = 0; k < ops.length; k++) {
    nativeGroups.add(nativeGroupOf(ops[k]!.kind));
    if ((k & CHECK) === 0 && pause.due()) yield;
  }
  return {
    trace, index, taskCount, nodeCount, parent, depth, childOffsets, childList, roots: Int32Array.from(roots),
    nativeGroups,
    origins: trace.sources.map((source) => sourceOrigin(trace, source.id)),
    nativePos,
    ...series,
    cancelOffsets, cancelList, timeoutOffsets, timeoutList,
    derived: { stepTask: stepTask.positions, awaitTask: awaitTask.positions, cancelTask: cancelTask.positions, timeoutTask: timeoutTask.positions, taskParent, seriesKeys: keys },
  };
}

export function hasChildren(model: TimelineModel, node: number): boolean {
  return model.childOffsets[node + 1]! > model.childOffsets[node]! || model.seriesSize[node]! > 1;
}

/** What makes operations one series: kind, label and creation site (from the detail, unparsed). */
function seriesKeyOf(op: NativeOpRecord): string {
  const at = op.detail === null ? -1 : op.detail.indexOf('"site":"');
  const site = at < 0 ? "" : op.detail!.slice(at + 8, op.detail!.indexOf('"', at + 8));
  return `${op.kind}\u0000${op.label}\u0000${site}`;
}

/** Groups native siblings with the same series key: each group of two or more is a series. */
function* linkSeries(
  nodeCount: number, taskCount: number, keys: readonly string[], roots: readonly number[], childOffsets: Int32Array, childList: Int32Array, pause: Pause,
): Generator<void, Pick<TimelineModel, "seriesSize" | "seriesHead" | "seriesNext">, void> {
  const seriesSize = new Int32Array(nodeCount);
  const seriesHead = new Int32Array(nodeCount).fill(-1);
  const seriesNext = new Int32Array(nodeCount).fill(-1);
  const last = new Map<string, number>();
  const link = (siblings: ArrayLike<number>, from: number, to: number): void => {
    let cleared = false;
    for (let c = from; c < to; c++) {
      const node = siblings[c]!;
      if (node < taskCount) continue;
      if (!cleared) {
        last.clear();
        cleared = true;
      }
      const key = keys[node - taskCount]!;
      const previous = last.get(key);
      last.set(key, node);
      if (previous === undefined) continue;
      const head = seriesHead[previous] === -1 ? previous : seriesHead[previous]!;
      seriesHead[head] = head;
      seriesHead[node] = head;
      seriesNext[previous] = node;
      seriesSize[head] = (seriesSize[head] === 0 ? 1 : seriesSize[head]!) + 1;
    }
  };
  if (nodeCount === taskCount) return { seriesSize, seriesHead, seriesNext }; // series are of native operations only
  link(roots, 0, roots.length);
  for (let node = 0; node < nodeCount; node++) {
    link(childList, childOffsets[node]!, childOffsets[node + 1]!);
    if ((node & CHECK) === 0 && pause.due()) yield;
  }
  return { seriesSize, seriesHead, seriesNext };
}

/**
 * A node's identity that survives a rebuild of the model (positions shift as a live session
 * grows): a task's id, or -(id + 1) for a native operation.
 */
export type NodeKey = number;

export function keyOfNode(model: TimelineModel, node: number): NodeKey {
  return node < model.taskCount ? model.trace.tasks[node]!.id : -(model.trace.nativeOps[node - model.taskCount]!.id + 1);
}

export function nodeOfKey(model: TimelineModel, key: NodeKey): number {
  if (key >= 0) {
    // The map may know tasks of a later model of the same session (see buildTimelineModel).
    const position = model.index.taskPos.get(key) ?? -1;
    return position < model.taskCount ? position : -1;
  }
  const position = model.nativePos.get(-key - 1);
  return position === undefined || position >= model.nodeCount - model.taskCount ? -1 : model.taskCount + position;
}
