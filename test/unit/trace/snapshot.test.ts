/**
 * The live await tree (src/trace/analysis/snapshot.ts): cycles found on the snapshot itself,
 * the tree as `pstree` draws it (blocked first), and the words for awaits and deadlocks.
 */
import { describe, expect, it } from "vitest";
import {
  describeCycle, describeLiveAwait, snapshotCycles, snapshotRows, stuckOnCycles,
  type FrameSnapshot, type SnapshotAwait, type SnapshotTask,
} from "../../../src/trace/analysis.ts";

function task(id: number, name: string, parent: number | null, awaiting: Partial<SnapshotAwait> & { kind: string } | null, since: number | null = null): SnapshotTask {
  return {
    id, name, parent, kind: "coroutine", state: awaiting === null ? "ready" : "waiting",
    awaiting: awaiting === null ? null : { label: awaiting.kind, resource: null, tasks: [], holder: null, ...awaiting },
    since: awaiting === null ? null : since ?? 0, cancelling: false, site: null, runtime: 0,
  };
}

function snapshot(tasks: SnapshotTask[]): FrameSnapshot {
  return { takenAt: 10_000, runtimes: [{ version: "1.0.0", bundled: false, answered: true }], tasks, omitted: 0 };
}

/** The demo's stuck page: a lock-order deadlock under a gather, a queue consumer, an event listener, a sleeper. */
const stuckPage = snapshot([
  task(1, "main", null, { kind: "gather", label: "gather(2)", tasks: [2, 3] }, 100),
  task(2, "transfer-a", 1, { kind: "lock", label: "Lock#2", resource: 2, holder: 3 }, 300),
  task(3, "transfer-b", 1, { kind: "lock", label: "Lock#1", resource: 1, holder: 2 }, 200),
  task(4, "consumer", null, { kind: "queue.get", label: "Queue#3", resource: 3 }, 50),
  task(5, "listener", null, { kind: "event", label: "Event#4", resource: 4 }, 900),
  task(6, "ticker", null, { kind: "sleep", label: "sleep(1000)" }, 9000),
  task(7, "fresh", 4, null),
]);

describe("snapshotCycles", () => {
  it("finds a lock-order deadlock through the holders of the awaited locks", () => {
    expect(snapshotCycles(stuckPage)).toEqual([[2, 3]]);
  });

  it("finds a task awaiting a task that waits on a lock it holds, and each of two disjoint cycles", () => {
    const s = snapshot([
      task(1, "parent", null, { kind: "task", tasks: [2] }),
      task(2, "child", 1, { kind: "lock", label: "Lock#9", holder: 1 }),
      task(3, "x", null, { kind: "lock", holder: 4 }),
      task(4, "y", null, { kind: "lock", holder: 3 }),
    ]);
    expect(snapshotCycles(s)).toEqual([[1, 2], [3, 4]]);
  });

  it("sees no cycle where a wait ends by itself or a holder is gone", () => {
    const s = snapshot([
      task(1, "a", null, { kind: "waitFor", tasks: [2] }),
      task(2, "b", null, { kind: "lock", holder: 1 }),
      task(3, "c", null, { kind: "lock", holder: 99 }),
    ]);
    expect(snapshotCycles(s)).toEqual([]);
  });

  it("counts those waiting on a cycle's task as stuck with it", () => {
    expect([...stuckOnCycles(stuckPage, snapshotCycles(stuckPage))].sort()).toEqual([1, 2, 3]);
  });
});

describe("snapshotRows", () => {
  it("draws the await tree with blocked tasks first, then the longest waiting, then the rest", () => {
    const rows = snapshotRows(stuckPage).map((r) => `${"  ".repeat(r.depth)}${r.task.name}${r.inCycle ? " [cycle]" : r.stuck ? " [stuck]" : ""}${r.waited === null ? "" : ` ${r.waited}ms`}`);
    expect(rows).toEqual([
      "main [stuck] 9900ms",
      "  transfer-b [cycle] 9800ms",
      "  transfer-a [cycle] 9700ms",
      "consumer 9950ms",
      "  fresh",
      "listener 9100ms",
      "ticker 1000ms",
    ]);
  });

  it("shows each task once even when tasks await each other in a loop", () => {
    const s = snapshot([
      task(1, "a", null, { kind: "task", tasks: [2] }),
      task(2, "b", null, { kind: "task", tasks: [1] }),
    ]);
    expect(snapshotRows(s).map((r) => [r.task.name, r.depth])).toEqual([["a", 0], ["b", 1]]);
  });
});

describe("words", () => {
  const byId = new Map(stuckPage.tasks.map((t) => [t.id, t]));
  it("say what a task awaits and who holds it", () => {
    expect(describeLiveAwait(byId.get(2)!, byId)).toBe("awaits Lock#2 held by transfer-b (#3)");
    expect(describeLiveAwait(byId.get(1)!, byId)).toBe("awaits gather(2) of transfer-a (#2), transfer-b (#3)");
    expect(describeLiveAwait(byId.get(7)!, byId)).toBe("ready");
  });

  it("say the deadlock as a chain back to its first task", () => {
    expect(describeCycle([2, 3], byId)).toBe("deadlock: transfer-a (#2) → Lock#2 held by transfer-b (#3) → Lock#1 held by transfer-a (#2)");
  });
});
