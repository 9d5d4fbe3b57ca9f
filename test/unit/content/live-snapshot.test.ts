/**
 * The page agent answers "snapshot" whether it records or not, with every live task of every
 * runtime copy, and its answer passes the protocol's checks; a copy that throws or lies is
 * read as data. "cancelTask" cancels a live task with DevTools' message, and a recording
 * says DevTools asked.
 */
import { describe, expect, test } from "vitest";
import { pageHook } from "../../../src/content/install-hook.ts";
import { PageAgent } from "../../../src/content/page-agent.ts";
import type { BridgeToPageMessage, PageEvent, Wall } from "../../../src/protocol/messages.ts";
import { checkFrameSnapshot, checkPageEvent, MAX_SNAPSHOT_TEXT } from "../../../src/protocol/validate.ts";
import * as runtime from "../../../src/runtime/index.ts";
import type { RegisteredRuntime } from "../../../src/runtime/index.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";
import { snapshotCycles, type FrameSnapshot } from "../../../src/trace/analysis.ts";

if (pageHook.runtimes.length === 0) {
  pageHook.registerRuntime({
    version: runtime.RUNTIME_VERSION, addInstrument: runtime.addInstrument, removeInstrument: runtime.removeInstrument,
    liveTasks: runtime.liveTasks, cancelTask: runtime.cancelLiveTask,
  });
}

const sent: PageEvent[] = [];
let toAgent: (message: BridgeToPageMessage) => void = () => {};
const wall: Wall<BridgeToPageMessage, PageEvent> = {
  listen: (listener) => {
    toAgent = listener;
    return () => {};
  },
  send: (message) => void sent.push(structuredClone(message)),
};
new PageAgent(wall, pageHook, {
  hello: () => ({ url: "https://app.test/", title: "app", userAgent: "node", timeOrigin: 1_700_000_000_000, isTopFrame: true }),
  setTimer: () => 0,
  clearTimer: () => {},
});

/** What the agent answered to snapshot `id`, as the bridge accepts it. */
function answer(id: number): FrameSnapshot {
  toAgent({ kind: "snapshot", data: { id } });
  const event = sent.findLast((e) => e.kind === "snapshot");
  const checked = checkPageEvent(event);
  if (!checked.ok) throw new Error(checked.reason);
  if (checked.value.kind !== "snapshot") throw new Error("not a snapshot");
  expect(checked.value.data.id).toBe(id);
  return checked.value.data.snapshot;
}

describe("the page agent's snapshot", () => {
  test("lists every live task, idle or not, with what it awaits and the deadlock", async () => {
    toAgent({ kind: "stop", data: { session: "" } }); // nobody records this tab
    const seen = await runtime.run(function* () {
      const a = new runtime.Lock();
      const b = new runtime.Lock();
      const crossed = (first: runtime.Lock, second: runtime.Lock) => function* () {
        yield* first.acquire();
        yield* runtime.sleep(1);
        yield* second.acquire();
      };
      const x = runtime.createTask(crossed(a, b), { name: "transfer-a" });
      const y = runtime.createTask(crossed(b, a), { name: "transfer-b" });
      yield* runtime.sleep(5);
      const snapshot = answer(1);
      x.cancel();
      y.cancel();
      yield* runtime.sleep(0);
      return snapshot;
    }, { clock: "virtual", name: "main" });
    expect(seen.runtimes).toEqual([{ version: runtime.RUNTIME_VERSION, bundled: false, answered: true }]);
    expect(seen.tasks.map((t) => `${t.name} ${t.state} ${t.awaiting?.label ?? "-"}`)).toEqual([
      "main running -", `transfer-a waiting Lock#${seen.tasks[1]!.awaiting!.resource}`, `transfer-b waiting Lock#${seen.tasks[2]!.awaiting!.resource}`,
    ]);
    const names = new Map(seen.tasks.map((t) => [t.id, t.name]));
    expect(snapshotCycles(seen).map((c) => c.map((id) => names.get(id)))).toEqual([["transfer-a", "transfer-b"]]);
  });

  test("reads a bundled copy's answer as data: a copy that throws is marked, long names are cut", () => {
    const liar = {
      version: "9.9.9-page", addInstrument: () => {}, removeInstrument: () => {},
      liveTasks: () => ({ tasks: [{ id: 7, name: "x".repeat(10_000), parent: -3, kind: "evil", state: "bogus", awaiting: { kind: 5, tasks: [1, "two", -1] }, since: "now" }, { id: "no" }], omitted: 4 }),
    };
    const thrower = { version: "0.0.1", addInstrument: () => {}, removeInstrument: () => {}, liveTasks: () => { throw new Error("no"); } };
    pageHook.registerRuntime(liar as unknown as RegisteredRuntime);
    pageHook.registerRuntime(thrower);
    const seen = answer(2);
    expect(seen.runtimes.slice(1)).toEqual([
      { version: "9.9.9-page", bundled: true, answered: true },
      { version: "0.0.1", bundled: true, answered: false },
    ]);
    expect(seen.tasks).toEqual([{
      id: 7, name: "x".repeat(MAX_SNAPSHOT_TEXT), parent: null, kind: "coroutine", state: "ready",
      awaiting: { kind: "future", label: "", resource: null, tasks: [1], holder: null }, since: null, cancelling: false, site: null, runtime: 1,
    }]);
    expect(seen.omitted).toBe(4);
  });
});

describe("cancelTask", () => {
  test("cancels a live task with DevTools' message, and the recording says DevTools asked", async () => {
    toAgent({ kind: "start", data: { session: "s1", options: { creationSites: false, native: false }, keepStartup: false } });
    const message = await runtime.run(function* () {
      const stuck = runtime.createTask(function* () { yield* new runtime.Event().wait(); }, { name: "stuck" });
      yield* runtime.sleep(0);
      // As in a page: the command arrives in a message event, outside any task's step.
      yield* runtime.awaitPromise(new Promise<void>((resolve) => setTimeout(() => {
        toAgent({ kind: "cancelTask", data: { task: stuck.id } });
        resolve();
      }, 0)));
      try {
        yield stuck;
        return "not cancelled";
      } catch (error) {
        return (error as Error).message;
      }
    }, { clock: "virtual" });
    toAgent({ kind: "stop", data: { session: "s1" } });
    expect(message).toBe("cancelled from DevTools");
    expect(sent.filter((e) => e.kind === "cancelResult").map((e) => e.data)).toEqual([{ task: expect.any(Number), cancelled: true }]);
    const builder = new SessionBuilder({ url: "https://app.test/" });
    for (const e of sent) if (e.kind === "batch" && e.data.session === "s1") expect(builder.append(e.data.batch)).toEqual({ ok: true });
    const trace = builder.trace();
    const stuck = trace.tasks.find((t) => t.name === "stuck")!;
    expect(stuck.outcome).toBe("cancelled");
    expect(trace.cancellations.filter((c) => c.task === stuck.id)).toEqual([
      { time: expect.any(Number), task: stuck.id, by: null, message: "cancelled from DevTools", canceller: "DevTools" },
    ]);
  });
});

describe("checkFrameSnapshot", () => {
  interface Loose {
    extra?: number;
    tasks: { name: string; runtime: number; awaiting: { kind: string; label: string; resource: number; tasks: number[]; holder: number } }[];
  }
  const good = (): Loose => ({
    takenAt: 5, omitted: 0, runtimes: [{ version: "1", bundled: false, answered: true }],
    tasks: [{ id: 1, name: "t", parent: null, kind: "coroutine", state: "waiting", since: 1, cancelling: false, site: null, runtime: 0,
      awaiting: { kind: "lock", label: "Lock#1", resource: 1, tasks: [], holder: 2 } }],
  }) as unknown as Loose;
  test("accepts a well-formed snapshot and refuses each malformed or oversized part with a reason", () => {
    expect(checkFrameSnapshot(good()).ok).toBe(true);
    const cases: [string, (s: Loose) => void, string][] = [
      ["an unknown field", (s) => { s.extra = 1; }, "unexpected property \"extra\""],
      ["too many tasks", (s) => { s.tasks = Array.from({ length: 2001 }, () => s.tasks[0]!); }, "tasks is not a list of at most 2000"],
      ["a long name", (s) => { s.tasks[0]!.name = "x".repeat(201); }, "tasks[0]: name is not text of at most 200 characters"],
      ["a runtime index past the list", (s) => { s.tasks[0]!.runtime = 1; }, "tasks[0]: runtime is not the index of a listed runtime"],
      ["a getter", (s) => { Object.defineProperty(s.tasks[0]!, "name", { get: () => "t", enumerable: true }); }, "tasks[0]: property name is an accessor"],
      ["too many awaited tasks", (s) => { s.tasks[0]!.awaiting.tasks = Array.from({ length: 33 }, (_, k) => k + 1); }, "tasks[0]: awaiting: tasks is not a list of at most 32"],
      ["a negative holder", (s) => { s.tasks[0]!.awaiting.holder = -1; }, "tasks[0]: awaiting: holder is not a task id or null"],
    ];
    for (const [what, spoil, reason] of cases) {
      const s = good();
      spoil(s);
      const checked = checkFrameSnapshot(s);
      expect(checked.ok ? "accepted" : checked.reason, what).toBe(reason);
    }
  });
});
