/**
 * The page-side "Show in Performance panel" instrument: what it sends to the Performance
 * panel for a real runtime program (on the virtual clock, with its own sink and clock), and
 * the console tasks its steps run in (with a fake `console.createTask`).
 */
import { describe, expect, test } from "vitest";
import { Recorder } from "../../../src/trace/index.ts";
import { addInstrument, createTask, currentTask, removeInstrument, run, sleep, type EventLoop } from "../../../src/runtime/index.ts";
import { PerformanceTracks, type ConsoleTasks } from "../../../src/content/performance-tracks.ts";

interface Entry {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly track: string;
  readonly color: string;
}

describe("Performance-panel tracks from the page", () => {
  test("each task gets its own track: its lifetime coloured by outcome, and its awaits inside it", async () => {
    const entries: Entry[] = [];
    let loop: EventLoop | null = null;
    const tracks = new PerformanceTracks((label, start, end, track, color) => entries.push({ label, start, end, track, color }), () => loop?.time() ?? 0);
    addInstrument(tracks);
    let ids: number[] = [];
    try {
      await run(function* main() {
        loop = currentTask()!.getLoop();
        const child = createTask(sleep(5), { name: "child" });
        const failing = createTask(function* () {
          yield* sleep(2);
          throw new Error("no");
        }, { name: "failing" });
        ids = [child.id, failing.id];
        yield* child;
        yield* sleep(1);
        try { yield* failing; } catch { /* seen */ }
      }, { clock: "virtual", name: "main" });
    } finally {
      removeInstrument(tracks);
    }
    const byTrack = new Map<string, Entry[]>();
    for (const e of entries) byTrack.set(e.track, [...(byTrack.get(e.track) ?? []), e]);
    const [child, failing] = ids;
    const childEntries = byTrack.get(`child #${child}`)!;
    expect(childEntries.map((e) => [e.label, e.color])).toEqual([["sleep(5)", "tertiary"], ["child", "primary"]]);
    const [nap, lifetime] = childEntries;
    expect(nap!.start).toBeGreaterThanOrEqual(lifetime!.start);
    expect(nap!.end).toBeLessThanOrEqual(lifetime!.end);
    expect(nap!.end - nap!.start).toBeGreaterThanOrEqual(5);
    expect(byTrack.get(`failing #${failing}`)!.at(-1)).toMatchObject({ label: "failing", color: "error" });
    const main = [...byTrack.keys()].find((k) => k.startsWith("main #"))!;
    expect(byTrack.get(main)!.map((e) => e.label)).toEqual(["child", "sleep(1)", "main"]); // failing had already ended: no wait
  });

  test("a task already running when the option is turned on gets a track from then on", async () => {
    const entries: Entry[] = [];
    const tracks = new PerformanceTracks((label, start, end, track, color) => entries.push({ label, start, end, track, color }), () => 0);
    await run(function* main() {
      yield* sleep(1);
      addInstrument(tracks);
      yield* sleep(1); // this step began before the instrument: its await is not seen
      yield* sleep(2);
    }, { clock: "virtual", name: "late" });
    removeInstrument(tracks);
    expect(entries.map((e) => [e.label, e.color])).toEqual([["sleep(2)", "tertiary"], ["late", "primary"]]);
  });

  test("each task's steps run inside the console task made where the task was created", async () => {
    const { consoleTasks, log } = fakeConsoleTasks();
    const tracks = new PerformanceTracks(() => {}, () => 0, consoleTasks);
    addInstrument(tracks);
    let childId = 0;
    try {
      await run(function* main() {
        const child = createTask(function* () {
          log.push(`child body, running ${currentTask()!.getName()}`);
          yield* sleep(1);
          log.push(`child after sleep, running ${currentTask()!.getName()}`);
        }, { name: "child" });
        childId = child.id;
        log.push("main spawned child");
        yield* child;
      }, { clock: "virtual", name: "main" });
    } finally {
      removeInstrument(tracks);
    }
    expect(childId).toBeGreaterThan(0);
    // Made at creation (in main's step, before main goes on), then one run() around each step.
    expect(log).toEqual([
      "create main",
      "run main {",
      "create child",
      "main spawned child",
      "} main",
      "run child {",
      "child body, running child",
      "} child",
      "run child {",
      "child after sleep, running child",
      "} child",
      "run main {",
      "} main",
    ]);
  });

  test("with the option off, or a recorder alone, no console task is made and steps run as they are", async () => {
    const { consoleTasks, log } = fakeConsoleTasks();
    const tracks = new PerformanceTracks(() => {}, () => 0, consoleTasks);
    const program = (): Promise<void> => run(function* main() {
      yield* createTask(sleep(1), { name: "child" });
    }, { clock: "virtual", name: "main" });
    addInstrument(tracks);
    await program();
    removeInstrument(tracks);
    const whileOn = log.length;
    expect(whileOn).toBeGreaterThan(0);
    // Turned off: the realm has no step runner, even with another instrument recording.
    const recorder = new Recorder();
    addInstrument(recorder);
    try {
      await program();
    } finally {
      removeInstrument(recorder);
    }
    await program();
    expect(log.length).toBe(whileOn);
    expect(recorder.stats().recorded).toBeGreaterThan(0);
  });
});

/** A stand-in for `console.createTask`: logs each task made and each run, around the body. */
function fakeConsoleTasks(): { consoleTasks: ConsoleTasks; log: string[] } {
  const log: string[] = [];
  const consoleTasks: ConsoleTasks = {
    create: (name) => {
      log.push(`create ${name}`);
      return { name };
    },
    run: (consoleTask, body) => {
      const name = (consoleTask as { name: string }).name;
      log.push(`run ${name} {`);
      try {
        return body();
      } finally {
        log.push(`} ${name}`);
      }
    },
  };
  return { consoleTasks, log };
}
