/**
 * The live walk (live-tasks.ts): what every task of the open loops awaits right now, read
 * without any instrument attached, and cancelling a live task by id from outside any task.
 */
import { describe, expect, it } from "vitest";
import {
  Event, Lock, Queue, cancelLiveTask, createTask, gather, liveTasks, run, sleep, type LiveTask,
} from "../../../src/runtime/index.ts";

function* turns(n: number): Generator<unknown, void, unknown> {
  for (let k = 0; k < n; k++) yield* sleep(0);
}

/** One line per live task of the walk, by name: state, what it awaits and whom. */
function lines(tasks: readonly LiveTask[]): string[] {
  const names = new Map(tasks.map((t) => [t.id, t.name]));
  const name = (id: number | null): string => (id === null ? "-" : names.get(id) ?? `#${id}`);
  return tasks.map((t) => {
    const a = t.awaiting;
    const what = a === null ? "" : ` ${a.kind}${a.resource === null ? "" : "(resource)"}${a.tasks.length > 0 ? ` [${a.tasks.map(name).join(",")}]` : ""}${a.holder === null ? "" : ` held by ${name(a.holder)}`}`;
    return `${t.name} ${t.state} parent=${name(t.parent)}${what}`;
  });
}

describe("liveTasks", () => {
  it("names what each task awaits: locks with their holders, a queue, an event, a gather, a sleep", async () => {
    const seen = await run(function* () {
      const a = new Lock();
      const b = new Lock();
      const queue = new Queue<number>();
      const event = new Event();
      function* first(): Generator<unknown, void, unknown> {
        yield* a.acquire();
        yield* sleep(1);
        yield* b.acquire();
      }
      function* second(): Generator<unknown, void, unknown> {
        yield* b.acquire();
        yield* sleep(1);
        yield* a.acquire();
      }
      const both = createTask(function* () {
        yield* gather([createTask(first, { name: "first" }), createTask(second, { name: "second" })]);
      }, { name: "both" });
      createTask(function* () { yield* queue.get(); }, { name: "consumer" });
      createTask(function* () { yield* event.wait(); }, { name: "listener" });
      createTask(function* () { yield* sleep(60_000); }, { name: "sleeper" });
      yield* sleep(10);
      const walk = liveTasks(100);
      both.cancel();
      for (const t of walk.tasks) if (t.name !== "main" && t.id !== both.id) cancelLiveTask(t.id, "done");
      yield* turns(3);
      return walk;
    }, { clock: "virtual", name: "main" });
    expect(seen.omitted).toBe(0);
    expect(lines(seen.tasks)).toEqual([
      "main running parent=-",
      "both waiting parent=main gather [first,second]",
      "consumer waiting parent=main queue.get(resource)",
      "listener waiting parent=main event(resource)",
      "sleeper waiting parent=main sleep",
      "first waiting parent=both lock(resource) held by second",
      "second waiting parent=both lock(resource) held by first",
    ]);
    // The walk reads no clock: a waiting task's `since` is the slice it suspended in.
    expect(seen.tasks.filter((t) => t.state === "waiting").every((t) => t.since !== null)).toBe(true);
    expect(seen.tasks.find((t) => t.name === "main")!.since).toBeNull();
  });

  it("stops at the limit and counts the rest", async () => {
    const walk = await run(function* () {
      const tasks = [0, 1, 2, 3].map((k) => createTask(sleep(10), { name: `t${k}` }));
      yield* sleep(0);
      const seen = liveTasks(2);
      for (const t of tasks) t.cancel();
      yield* sleep(0);
      return seen;
    }, { clock: "virtual", name: "main" });
    expect(walk.tasks.map((t) => t.name)).toEqual(["main", "t0"]);
    expect(walk.omitted).toBe(3);
  });

  it("forgets the tasks of a closed loop", async () => {
    await run(function* () { yield* sleep(0); }, { clock: "virtual" });
    expect(liveTasks(100).tasks).toEqual([]);
  });
});

describe("cancelLiveTask", () => {
  it("cancels a live task with the message, as task.cancel does, and says so", async () => {
    const outcome = await run(function* () {
      const stuck = createTask(function* () { yield* new Event().wait(); }, { name: "stuck" });
      yield* sleep(0);
      const cancelled = cancelLiveTask(stuck.id, "cancelled from DevTools");
      const unknown = cancelLiveTask(999_999, "nobody");
      let message = "";
      try {
        yield stuck;
      } catch (error) {
        message = (error as Error).message;
      }
      return { cancelled, unknown, message, again: cancelLiveTask(stuck.id, "twice") };
    }, { clock: "virtual" });
    expect(outcome).toEqual({ cancelled: true, unknown: false, message: "cancelled from DevTools", again: false });
  });
});
