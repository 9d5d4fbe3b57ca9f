/**
 * "Show in Performance panel": the runtime's tasks as tracks of a live Performance-panel
 * recording, beside the page's main thread. An `Instrument`, attached to every runtime copy
 * while the option is on, that emits the same track entries as the Chrome export
 * (src/trace/performance-tracks.ts): one track per task in "aioscope tasks", its lifetime
 * coloured by outcome, its awaits nested under it.
 *
 * Entries go through the extended `console.timeStamp(label, start, end, track, trackGroup,
 * color)`: DevTools records it only while a Performance recording runs, and it leaves nothing
 * in the page's performance timeline (a `performance.measure` per await would fill the page's
 * buffer of entries, which the page can read). Lifetimes are emitted when a task ends, awaits
 * when the task is woken: DevTools nests them by time.
 *
 * Each task also gets a console task (`console.createTask(name)`), made where the task is
 * created (the `taskSpawned` hook runs in the creator's stack), and every step of the task runs
 * inside it (`runStep`, the runtime's step runner): DevTools' async stack traces, in the
 * debugger and in the Performance panel, then go from a step back through the task's spawn.
 * Tasks that existed before the option was turned on have no creation site to link to.
 *
 * Every built-in used here is taken at document_start, before page scripts run (this module
 * is evaluated by the MAIN-world content script), and only those copies are called later.
 */
import type { AwaitTarget, Instrument, TaskOutcome } from "../runtime/instrument.ts";
import type { Task } from "../runtime/task.ts";
import { TASKS_TRACK_GROUP, awaitColor, taskColor, taskTrackName } from "../trace/performance-tracks.ts";

// Taken at document_start. (Not from native/originals.ts: that module exports a `then`, so
// its namespace is a thenable, which a test runner's dynamic import would call.)
const apply = Reflect.apply;
const NativeWeakMap = WeakMap;
const weakGet = WeakMap.prototype.get;
const weakSet = WeakMap.prototype.set;
const weakDelete = WeakMap.prototype.delete;
const hostNow: () => number = performance.now.bind(performance);

type TimeStamp = (label: string, start: number, end: number, track: string, trackGroup: string, color: string) => void;

const consoleObject = console;
const timeStamp = (consoleObject as { timeStamp?: unknown }).timeStamp as TimeStamp | undefined;

/** A console task: what `console.createTask` returns (Chrome 106+, Node 20). */
type ConsoleTask = object;
type CreateTask = (name: string) => { run: unknown };
const createTask = (consoleObject as { createTask?: unknown }).createTask as CreateTask | undefined;
/**
 * `run` of console tasks, taken from a probe task now: later the page could replace what a
 * task's `run` resolves to. The original checks its receiver, so it runs any console task.
 */
const consoleTaskRun = probeRun();

function probeRun(): unknown {
  if (typeof createTask !== "function") return undefined;
  try {
    const run = apply(createTask, consoleObject, ["aioscope"]).run;
    return typeof run === "function" ? run : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Making console tasks and running code inside one. The default uses the console's originals;
 * tests pass their own.
 */
export interface ConsoleTasks {
  create(name: string): ConsoleTask;
  run<R>(consoleTask: ConsoleTask, body: () => R): R;
}

const defaultConsoleTasks: ConsoleTasks | null = typeof createTask === "function" && consoleTaskRun !== undefined
  ? {
    create: (name) => apply(createTask, consoleObject, [name]) as ConsoleTask,
    run: <R>(consoleTask: ConsoleTask, body: () => R): R => apply(consoleTaskRun as (body: () => R) => R, consoleTask, [body]) as R,
  }
  : null;

interface TaskTrack {
  readonly track: string;
  readonly created: number;
  /** The console task made at the task's creation, which its steps run in; null if made before. */
  readonly consoleTask: ConsoleTask | null;
  /** When the current await began, or -1 while the task is not waiting. */
  awaitStart: number;
  awaitLabel: string;
}

/** Sends one entry to the Performance panel with the console's original `timeStamp`. */
export type TrackSink = (label: string, start: number, end: number, track: string, color: string) => void;

const consoleSink: TrackSink = (label, start, end, track, color) => {
  if (timeStamp !== undefined) apply(timeStamp, consoleObject, [label, start, end, track, TASKS_TRACK_GROUP, color]);
};

export class PerformanceTracks implements Instrument {
  private readonly tasks = new NativeWeakMap<Task<unknown>, TaskTrack>();

  /** `sink`, `now` and `tasks` are the console's and the clock's originals; tests pass their own. */
  constructor(
    private readonly sink: TrackSink = consoleSink,
    private readonly now: () => number = hostNow,
    private readonly consoleTasks: ConsoleTasks | null = defaultConsoleTasks,
  ) {}

  /** Whether this browser has the extended `console.timeStamp` (Chrome 128+). */
  static get supported(): boolean {
    return typeof timeStamp === "function";
  }

  taskSpawned(task: Task<unknown>): void {
    const name = task.getName();
    // Called from the task's constructor: the console task records the creator's stack.
    const consoleTask = this.consoleTasks === null ? null : this.consoleTasks.create(name);
    apply(weakSet, this.tasks, [task, { track: taskTrackName(name, task.id, null), created: this.now(), consoleTask, awaitStart: -1, awaitLabel: "" }]);
  }

  /** Runs a step of `task` inside the console task made where `task` was created. */
  runStep<R>(task: Task<unknown>, step: () => R): R {
    const state = (apply(weakGet, this.tasks, [task]) as TaskTrack | undefined);
    if (state === undefined || state.consoleTask === null || this.consoleTasks === null) return step();
    return this.consoleTasks.run(state.consoleTask, step);
  }

  afterTaskStep(task: Task<unknown>, waitingOn: AwaitTarget | null): void {
    if (waitingOn === null) return;
    const state = this.stateOf(task);
    state.awaitStart = this.now();
    state.awaitLabel = waitingOn.label;
  }

  taskScheduled(task: Task<unknown>): void {
    const state = (apply(weakGet, this.tasks, [task]) as TaskTrack | undefined);
    if (state === undefined || state.awaitStart < 0) return;
    this.sink(state.awaitLabel, state.awaitStart, this.now(), state.track, awaitColor("resumed"));
    state.awaitStart = -1;
  }

  taskExited(task: Task<unknown>, outcome: TaskOutcome): void {
    const state = this.stateOf(task);
    this.sink(task.getName(), state.created, this.now(), state.track, taskColor(outcome));
    apply(weakDelete, this.tasks, [task]);
  }

  /** A task spawned before the option was turned on is first seen now. */
  private stateOf(task: Task<unknown>): TaskTrack {
    let state = (apply(weakGet, this.tasks, [task]) as TaskTrack | undefined);
    if (state === undefined) {
      state = { track: taskTrackName(task.getName(), task.id, null), created: this.now(), consoleTask: null, awaitStart: -1, awaitLabel: "" };
      apply(weakSet, this.tasks, [task, state]);
    }
    return state;
  }
}
