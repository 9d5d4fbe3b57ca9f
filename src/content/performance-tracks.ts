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

interface TaskTrack {
  readonly track: string;
  readonly created: number;
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

  /** `sink` and `now` are the console's and the clock's originals; tests pass their own. */
  constructor(
    private readonly sink: TrackSink = consoleSink,
    private readonly now: () => number = hostNow,
  ) {}

  /** Whether this browser has the extended `console.timeStamp` (Chrome 128+). */
  static get supported(): boolean {
    return typeof timeStamp === "function";
  }

  taskSpawned(task: Task<unknown>): void {
    apply(weakSet, this.tasks, [task, { track: taskTrackName(task.getName(), task.id, null), created: this.now(), awaitStart: -1, awaitLabel: "" }]);
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
      state = { track: taskTrackName(task.getName(), task.id, null), created: this.now(), awaitStart: -1, awaitLabel: "" };
      apply(weakSet, this.tasks, [task, state]);
    }
    return state;
  }
}
