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
 * when the record is new or changed; only typed-array passes run over the whole session again.
 * A session whose earlier tasks moved (a late source whose clock sorts before them) is built
 * afresh.
 */
import type { TraceIndex } from "../../trace/analysis.ts";
import type { NativeOpRecord, TaskRecord, Trace } from "../../trace/model.ts";
import { nativeGroupOf, nativeName, PART_KINDS, sourceOrigin, type NativeGroup } from "../../trace/native-names.ts";

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

/** Groups positions 0…keys.length-1 by their key (a task position, -1 for none), keeping their order (CSR). */
function groupKeys(groups: number, keys: Int32Array): [Int32Array, Int32Array] {
  const offsets = new Int32Array(groups + 1);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key >= 0) offsets[key + 1]!++;
  }
  for (let g = 0; g < groups; g++) offsets[g + 1]! += offsets[g]!;
  const fill = offsets.slice(0, groups);
  const list = new Int32Array(offsets[groups]!);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key >= 0) list[fill[key]!++] = k;
  }
  return [offsets, list];
}

/**
 * The position of the task each record names: taken from `previous` where the record at that
 * position is the same object as before, or names the same task (task positions of a grown
 * session are those of the one before), else looked up. Comparing references first keeps the
 * pass over records a session has had for long from reading them at all.
 */
function taskPositions(
  items: readonly { readonly task: number }[], taskPos: ReadonlyMap<number, number>,
  previous: { readonly items: readonly { readonly task: number }[]; readonly positions: Int32Array } | null,
): Int32Array {
  const out = new Int32Array(items.length);
  let k = 0;
  if (previous !== null) {
    const before = previous.items;
    const positions = previous.positions;
    for (const reuse = Math.min(before.length, items.length); k < reuse; k++) {
      const item = items[k]!;
      const was = before[k]!;
      out[k] = item === was || item.task === was.task ? positions[k]! : taskPos.get(item.task) ?? -1;
    }
  }
  for (; k < items.length; k++) out[k] = taskPos.get(items[k]!.task) ?? -1;
  return out;
}

/** The position of each task's parent (-1: none), reusing `previous` as taskPositions does. */
function parentPositions(
  tasks: readonly TaskRecord[], taskPos: ReadonlyMap<number, number>, previous: { readonly items: readonly TaskRecord[]; readonly positions: Int32Array } | null,
): Int32Array {
  const out = new Int32Array(tasks.length);
  const reuse = previous === null ? 0 : Math.min(previous.items.length, tasks.length);
  for (let p = 0; p < tasks.length; p++) {
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
function grewFrom(before: Trace, trace: Trace): boolean {
  if (before.metadata.timeOrigin !== trace.metadata.timeOrigin || before.tasks.length > trace.tasks.length) return false;
  for (let p = 0; p < before.tasks.length; p++) {
    const was = before.tasks[p]!;
    const task = trace.tasks[p]!;
    if (was !== task && was.id !== task.id) return false;
  }
  return true;
}

/** Groups item positions by the task position `keyOf` gives, keeping their order (CSR). */
function groupBy(groups: number, count: number, keyOf: (k: number) => number): [Int32Array, Int32Array] {
  const keys = new Int32Array(count);
  const offsets = new Int32Array(groups + 1);
  for (let k = 0; k < count; k++) {
    const key = keyOf(k);
    keys[k] = key;
    if (key >= 0) offsets[key + 1]!++;
  }
  for (let g = 0; g < groups; g++) offsets[g + 1]! += offsets[g]!;
  const fill = offsets.slice(0, groups);
  const list = new Int32Array(offsets[groups]!);
  for (let k = 0; k < count; k++) {
    const key = keys[k]!;
    if (key >= 0) list[fill[key]!++] = k;
  }
  return [offsets, list];
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
  const before = previous !== null && grewFrom(previous.trace, trace) ? previous : null;
  const taskCount = trace.tasks.length;
  const nodeCount = taskCount + trace.nativeOps.length;
  let taskPos: Map<number, number>;
  if (before === null) taskPos = new Map();
  else {
    // The map grows in place: the tasks it knew keep their positions, so it stays right for the
    // previous model too (which never asks for a task it does not have: see nodeOfKey).
    taskPos = before.index.taskPos as Map<number, number>;
  }
  for (let p = before === null ? 0 : before.taskCount; p < taskCount; p++) taskPos.set(trace.tasks[p]!.id, p);
  const facts = before?.derived ?? null;
  const old = before?.trace ?? null;
  const stepTask = taskPositions(trace.steps, taskPos, old === null ? null : { items: old.steps, positions: facts!.stepTask });
  const awaitTask = taskPositions(trace.awaits, taskPos, old === null ? null : { items: old.awaits, positions: facts!.awaitTask });
  const cancelTask = taskPositions(trace.cancellations, taskPos, old === null ? null : { items: old.cancellations, positions: facts!.cancelTask });
  const timeoutTask = taskPositions(trace.timeouts, taskPos, old === null ? null : { items: old.timeouts, positions: facts!.timeoutTask });
  const taskParent = parentPositions(trace.tasks, taskPos, old === null ? null : { items: old.tasks, positions: facts!.taskParent });
  const [stepOffsets, stepList] = groupKeys(taskCount, stepTask);
  const [awaitOffsets, awaitList] = groupKeys(taskCount, awaitTask);
  const index: TraceIndex = { trace, taskPos, stepOffsets, stepList, awaitOffsets, awaitList };
  const parent = new Int32Array(nodeCount).fill(-1);
  parent.set(taskParent);
  let nativePos: Map<number, number>;
  const reusedOps = before === null ? 0 : Math.min(old!.nativeOps.length, trace.nativeOps.length);
  if (before !== null && old!.nativeOps.length <= trace.nativeOps.length && old!.nativeOps.every((op, k) => trace.nativeOps[k]!.id === op.id)) {
    nativePos = before.nativePos as Map<number, number>;
    for (let k = old!.nativeOps.length; k < trace.nativeOps.length; k++) nativePos.set(trace.nativeOps[k]!.id, k);
  } else nativePos = new Map(trace.nativeOps.map((op, k) => [op.id, k]));
  // A series key changes only with its record (a record that changes is a new object).
  const keys = trace.nativeOps.map((op, k) => (k < reusedOps && old!.nativeOps[k] === op ? facts!.seriesKeys[k]! : seriesKeyOf(op)));
  trace.nativeOps.forEach((op, k) => {
    // A worker's messages and a request's queueing are drawn on their parent's row: no row, no place in the tree.
    if (PART_KINDS.has(op.kind)) return;
    let cause = op.cause === null ? undefined : nativePos.get(op.cause);
    // Caused by a part (a worker's reply), which has no row: it goes under the part's worker.
    if (cause !== undefined && PART_KINDS.has(trace.nativeOps[cause]!.kind)) {
      const owner = trace.nativeOps[cause]!.parent;
      cause = owner === null ? undefined : nativePos.get(owner);
    }
    if (cause !== undefined && cause !== k) {
      // The next of a series (a frame asked for in the previous frame) goes beside its cause.
      // A cause is an earlier operation, so its own place is set already (start order mostly
      // agrees; where it does not, the cause's task or nothing is its place for now).
      parent[taskCount + k] = keys[cause] === keys[k] ? parent[taskCount + cause]! : taskCount + cause;
    } else if (op.task !== null) parent[taskCount + k] = index.taskPos.get(op.task) ?? -1;
  });

  // All nodes in start order (tasks and native operations are each sorted already): merged.
  const order = new Int32Array(nodeCount);
  let t = 0;
  let n = 0;
  for (let o = 0; o < nodeCount; o++) {
    const takeTask = n >= trace.nativeOps.length || (t < taskCount && trace.tasks[t]!.created <= trace.nativeOps[n]!.start);
    order[o] = takeTask ? t++ : taskCount + n++;
  }
  const [childOffsets, byParent] = groupBy(nodeCount, nodeCount, (k) => parent[order[k]!]!);
  const childList = byParent.map((k) => order[k]!);
  // Root tasks first, in creation order; then native operations no task started, which would
  // otherwise crowd in between the tasks a person came to see.
  const roots: number[] = [];
  for (const node of order) if (parent[node] === -1 && node < taskCount) roots.push(node);
  for (const node of order) if (parent[node] === -1 && node >= taskCount && !PART_KINDS.has(trace.nativeOps[node - taskCount]!.kind)) roots.push(node);
  const series = linkSeries(nodeCount, taskCount, keys, roots, childOffsets, childList);

  // Depths, walking down from the roots (a parent cycle, impossible in a valid trace, is cut).
  const depth = new Uint16Array(nodeCount);
  const stack = roots.slice();
  const seen = new Uint8Array(nodeCount);
  while (stack.length > 0) {
    const node = stack.pop()!;
    seen[node] = 1;
    for (let c = childOffsets[node]!; c < childOffsets[node + 1]!; c++) {
      const child = childList[c]!;
      if (seen[child] === 1) continue;
      depth[child] = Math.min(depth[node]! + 1, 0xffff);
      stack.push(child);
    }
  }
  const [cancelOffsets, cancelList] = groupKeys(taskCount, cancelTask);
  const [timeoutOffsets, timeoutList] = groupKeys(taskCount, timeoutTask);
  return {
    trace, index, taskCount, nodeCount, parent, depth, childOffsets, childList, roots: Int32Array.from(roots),
    nativeGroups: new Set(trace.nativeOps.map((op) => nativeGroupOf(op.kind))),
    origins: trace.sources.map((source) => sourceOrigin(trace, source.id)),
    nativePos,
    ...series,
    cancelOffsets, cancelList, timeoutOffsets, timeoutList,
    derived: { stepTask, awaitTask, cancelTask, timeoutTask, taskParent, seriesKeys: keys },
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
function linkSeries(
  nodeCount: number, taskCount: number, keys: readonly string[], roots: readonly number[], childOffsets: Int32Array, childList: Int32Array,
): Pick<TimelineModel, "seriesSize" | "seriesHead" | "seriesNext"> {
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
  for (let node = 0; node < nodeCount; node++) link(childList, childOffsets[node]!, childOffsets[node + 1]!);
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
