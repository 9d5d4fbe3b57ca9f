/**
 * The live await tree: what every task of a page is waiting for right now, as the page agent
 * answers a "snapshot" (Python 3.14's `asyncio ps` / `pstree`), and the deadlocks visible in
 * it. Pure data and functions, shared by the panel's "Now" view and `aioscope ps`.
 *
 * A snapshot is one frame's answer: its tasks carry ids unique in that frame's realm only, so
 * every function here works on one frame at a time.
 *
 * The tree follows awaits, as `pstree` does: a task sits under the task that awaits it (a
 * `yield* task`, a gather), else under the task that created it while that one lives, else at
 * the top. A wait-for cycle (a task awaits a task or a lock's holder that, through others,
 * awaits it) is a deadlock: none of them can go on until something outside cancels one.
 */
import type { CreationSite } from "../model.ts";
import { findCycle } from "./warnings.ts";

export type SnapshotTaskState = "running" | "ready" | "waiting";

export interface SnapshotAwait {
  /** One of KNOWN_AWAIT_KINDS, or a newer runtime's kind. */
  readonly kind: string;
  readonly label: string;
  /** The awaited resource's id (lock, event, queue…), or null. */
  readonly resource: number | null;
  /** The live tasks awaited: the task, or a gather's children not yet done. */
  readonly tasks: readonly number[];
  /** The task holding the awaited lock, or null. */
  readonly holder: number | null;
}

export interface SnapshotTask {
  readonly id: number;
  readonly name: string;
  readonly parent: number | null;
  readonly kind: "coroutine" | "async";
  readonly state: SnapshotTaskState;
  readonly awaiting: SnapshotAwait | null;
  /** When it began waiting, on the frame's clock (ms, as `takenAt`); null unless waiting. */
  readonly since: number | null;
  /** A cancellation was asked for and has not ended the task yet. */
  readonly cancelling: boolean;
  /** Where it was created, when aioscope was recording then; null otherwise. */
  readonly site: CreationSite | null;
  /** Which runtime copy it belongs to: an index into FrameSnapshot.runtimes. */
  readonly runtime: number;
}

export interface SnapshotRuntime {
  readonly version: string;
  /** The page bundled this copy (it registered after aioscope's own): its word is the page's. */
  readonly bundled: boolean;
  /** False for copies too old to answer: their tasks are missing from the snapshot. */
  readonly answered: boolean;
}

/** One frame's answer to a snapshot. */
export interface FrameSnapshot {
  /** The frame's clock when it answered (ms, `performance.now()` in a page). */
  readonly takenAt: number;
  readonly runtimes: readonly SnapshotRuntime[];
  /** At most the protocol's bound, in id order. */
  readonly tasks: readonly SnapshotTask[];
  /** Live tasks left out past that bound. */
  readonly omitted: number;
}

/** A wait-for cycle: its tasks in order, the first one not repeated. */
export type SnapshotCycle = readonly number[];

/** Who `task` waits for: the tasks it awaits and the holder of the lock it awaits, live ones only. */
function waitsFor(task: SnapshotTask, live: ReadonlyMap<number, SnapshotTask>): number[] {
  const a = task.awaiting;
  if (task.state !== "waiting" || a === null || a.kind === "waitFor") return []; // waitFor ends by its timeout
  const out: number[] = [];
  for (const id of a.tasks) if (live.has(id) && id !== task.id) out.push(id);
  if (a.holder !== null && live.has(a.holder)) out.push(a.holder);
  return out;
}

/**
 * Every disjoint wait-for cycle of the snapshot, each as its tasks in order (a task that holds
 * a lock its waiter awaits counts as awaited). Found by repeated search, each without the
 * tasks of the cycles found before it.
 */
export function snapshotCycles(snapshot: FrameSnapshot): SnapshotCycle[] {
  const live = new Map(snapshot.tasks.map((t) => [t.id, t]));
  const taken = new Set<number>();
  const cycles: SnapshotCycle[] = [];
  const nodes = snapshot.tasks.map((t) => t.id);
  for (;;) {
    const cycle = findCycle(nodes.filter((id) => !taken.has(id)), (id) => waitsFor(live.get(id)!, live).filter((n) => !taken.has(n)));
    if (cycle === null) return cycles;
    const members = cycle.slice(0, -1);
    for (const id of members) taken.add(id);
    cycles.push(members);
  }
}

/** The tasks that wait, directly or through others, on a task of a cycle: stuck with it. */
export function stuckOnCycles(snapshot: FrameSnapshot, cycles: readonly SnapshotCycle[]): Set<number> {
  const live = new Map(snapshot.tasks.map((t) => [t.id, t]));
  const stuck = new Set<number>(cycles.flat());
  for (let grew = true; grew;) {
    grew = false;
    for (const task of snapshot.tasks) {
      if (stuck.has(task.id)) continue;
      if (waitsFor(task, live).some((id) => stuck.has(id))) {
        stuck.add(task.id);
        grew = true;
      }
    }
  }
  return stuck;
}

export interface SnapshotRow {
  readonly task: SnapshotTask;
  /** 0 for a top task; one more per level of the await tree. */
  readonly depth: number;
  /** The task is in a wait-for cycle. */
  readonly inCycle: boolean;
  /** It waits, directly or not, on a cycle's task. */
  readonly stuck: boolean;
  /** Milliseconds it has waited when the snapshot was taken, or null. */
  readonly waited: number | null;
}

/**
 * The await tree as rows, parents before children: blocked tasks first at every level (in a
 * cycle, then stuck behind one, then the longest waiting), the rest in creation order. Each
 * task appears once, under the first task that awaits it.
 */
export function snapshotRows(snapshot: FrameSnapshot, cycles: readonly SnapshotCycle[] = snapshotCycles(snapshot)): SnapshotRow[] {
  const live = new Map(snapshot.tasks.map((t) => [t.id, t]));
  const inCycle = new Set<number>(cycles.flat());
  const stuck = stuckOnCycles(snapshot, cycles);
  // Tree parent: the first task awaiting it, else its creator while that lives.
  const treeParent = new Map<number, number>();
  for (const task of snapshot.tasks) {
    for (const id of task.awaiting?.tasks ?? []) if (live.has(id) && id !== task.id && !treeParent.has(id)) treeParent.set(id, task.id);
  }
  for (const task of snapshot.tasks) {
    if (!treeParent.has(task.id) && task.parent !== null && live.has(task.parent)) treeParent.set(task.id, task.parent);
  }
  const children = new Map<number | null, SnapshotTask[]>();
  // A chain of tree parents that loops (tasks awaiting each other) has no top: the loop's
  // first task (lowest id) becomes one, the others hang under it.
  const loopStart = (id: number): number | null => {
    const seen: number[] = [];
    for (let at: number | undefined = id; at !== undefined; at = treeParent.get(at)) {
      const k = seen.indexOf(at);
      if (k >= 0) return Math.min(...seen.slice(k));
      seen.push(at);
    }
    return null;
  };
  for (const task of snapshot.tasks) {
    const up = treeParent.get(task.id);
    const key = up === undefined || loopStart(task.id) === task.id ? null : up;
    let list = children.get(key);
    if (list === undefined) children.set(key, list = []);
    list.push(task);
  }
  const rank = (t: SnapshotTask): number => (inCycle.has(t.id) ? 0 : stuck.has(t.id) ? 1 : t.state === "waiting" ? 2 : 3);
  const order = (a: SnapshotTask, b: SnapshotTask): number =>
    rank(a) - rank(b) || (a.since ?? Infinity) - (b.since ?? Infinity) || a.id - b.id;
  const rows: SnapshotRow[] = [];
  const placed = new Set<number>();
  const visit = (task: SnapshotTask, depth: number): void => {
    if (placed.has(task.id)) return;
    placed.add(task.id);
    rows.push({
      task, depth, inCycle: inCycle.has(task.id), stuck: stuck.has(task.id),
      waited: task.since === null ? null : Math.max(0, snapshot.takenAt - task.since),
    });
    for (const child of [...(children.get(task.id) ?? [])].sort(order)) visit(child, depth + 1);
  };
  for (const top of [...(children.get(null) ?? [])].sort(order)) visit(top, 0);
  // Whatever hangs under a loop started elsewhere (never, by construction; kept so no task is lost).
  for (const task of [...snapshot.tasks].sort(order)) visit(task, 0);
  return rows;
}

/** A task as a person reads it: `name (#id)`. */
export function taskLabel(task: SnapshotTask): string {
  return `${task.name} (#${task.id})`;
}

/** What a row's task is doing, in words: "awaits Lock#3 held by b (#5)", "running", "ready". */
export function describeLiveAwait(task: SnapshotTask, byId: ReadonlyMap<number, SnapshotTask>): string {
  const a = task.awaiting;
  if (task.state !== "waiting" || a === null) return task.state;
  const name = (id: number): string => {
    const t = byId.get(id);
    return t === undefined ? `#${id}` : taskLabel(t);
  };
  let text = `awaits ${a.kind === "task" && a.tasks.length === 1 ? name(a.tasks[0]!) : a.label}`;
  if (a.kind === "gather" && a.tasks.length > 0) text += ` of ${a.tasks.map(name).join(", ")}`;
  if (a.holder !== null) text += ` held by ${name(a.holder)}`;
  return text;
}

/** One line for a deadlock: "deadlock: a (#2) → Lock#1 held by b (#3) → Lock#2 held by a (#2)". */
export function describeCycle(cycle: SnapshotCycle, byId: ReadonlyMap<number, SnapshotTask>): string {
  const parts: string[] = [];
  for (let k = 0; k < cycle.length; k++) {
    const task = byId.get(cycle[k]!)!;
    const next = byId.get(cycle[(k + 1) % cycle.length]!)!;
    const a = task.awaiting;
    const how = a !== null && a.holder === next.id ? `${a.label} held by` : "awaits";
    parts.push(k === 0 ? `${taskLabel(task)} → ${how} ${taskLabel(next)}` : `→ ${how} ${taskLabel(next)}`);
  }
  return `deadlock: ${parts.join(" ")}`;
}
