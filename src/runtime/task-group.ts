/**
 * Structured concurrency: taskGroup and TaskGroup (asyncio/taskgroups.py).
 *
 * The group waits for all its children. The first child error that is not a cancellation
 * cancels the other children and the body; then an ExceptionGroup of every such error is
 * raised. If the body throws, the children are cancelled and its error joins the group. If
 * the enclosing task is cancelled from outside, the children are cancelled and
 * CancelledError propagates.
 */
import { getRunningLoop } from "./current.ts";
import { ExceptionGroup, RuntimeError, isCancelledError } from "./errors.ts";
import type { EventLoop } from "./event-loop.ts";
import type { Future, Operation } from "./future.ts";
import { awaitAs, currentTask, Task, type CoroutineSource } from "./task.ts";

let nextGroupId = 1;

export class TaskGroup {
  /** @internal */ readonly _id = nextGroupId++;
  /** @internal */ _entered = false;
  /** @internal */ _exiting = false;
  /** @internal */ _aborting = false;
  /** @internal */ _loop: EventLoop | null = null;
  /** @internal */ _parentTask: Task<unknown> | null = null;
  /** @internal */ _parentCancelRequested = false;
  /** @internal */ readonly _tasks = new Set<Task<unknown>>();
  /** @internal */ _errors: unknown[] = [];
  /** @internal */ _onCompleted: Future<boolean> | null = null;

  /**
   * Starts a child task in the group. Throws once the group has finished or is shutting down.
   *
   * @example
   * yield* taskGroup(function* (tg) { tg.createTask(fetchUser(1)); tg.createTask(fetchUser(2)) });
   */
  createTask<T>(source: CoroutineSource<T>, options: { name?: string } = {}): Task<T> {
    if (!this._entered) throw new RuntimeError(`${this} has not been entered`);
    if (this._exiting && this._tasks.size === 0) throw new RuntimeError(`${this} is finished`);
    if (this._aborting) throw new RuntimeError(`${this} is shutting down`);
    const task = new Task(source, { ...options, loop: this._loop! });
    this._tasks.add(task);
    task.addDoneCallback(this._onTaskDone);
    return task;
  }

  toString(): string {
    const state = this._aborting ? "cancelling" : this._exiting ? "exiting" : this._entered ? "entered" : "created";
    return `<TaskGroup#${this._id} ${state} tasks=${this._tasks.size} errors=${this._errors.length}>`;
  }

  /** @internal */
  _enter(): void {
    if (this._entered) throw new RuntimeError("TaskGroup has already been entered");
    this._loop = getRunningLoop();
    this._parentTask = currentTask();
    if (this._parentTask === null) throw new RuntimeError(`${this} cannot determine the parent task`);
    this._entered = true;
  }

  /** @internal The body ended (`failed` with `error`, or not): wait for the children, then decide. */
  *_exit(failed: boolean, error: unknown): Generator<unknown, void, unknown> {
    this._exiting = true;
    let propagateCancellation: unknown = failed && isCancelledError(error) ? error : undefined;
    if (failed && !this._aborting) {
      // The body raised, or our parent is being cancelled: stop the children.
      this._abort();
    }
    while (this._tasks.size !== 0) {
      this._onCompleted ??= this._loop!.createFuture<boolean>();
      try {
        yield* awaitAs(this._onCompleted, { kind: "wait", label: `TaskGroup#${this._id} (${this._tasks.size} running)` });
      } catch (cancelled) {
        if (!isCancelledError(cancelled)) throw cancelled;
        if (!this._aborting) {
          // Our parent task is being cancelled from outside.
          propagateCancellation = cancelled;
          this._abort();
        }
      }
      this._onCompleted = null;
    }
    if (this._parentCancelRequested) {
      // We cancelled the parent ourselves: take that request back.
      if (this._parentTask!.uncancel() === 0) propagateCancellation = undefined;
    }
    if (propagateCancellation !== undefined && this._errors.length === 0) throw propagateCancellation;
    if (failed && !isCancelledError(error)) this._errors.push(error);
    if (this._errors.length !== 0) {
      const parent = this._parentTask!;
      if (parent.cancelling() !== 0) {
        // Being cancelled from outside too: keep its cancel count stable.
        parent.uncancel();
        parent.cancel();
      }
      const errors = this._errors;
      this._errors = [];
      throw new ExceptionGroup(`unhandled errors in a TaskGroup (${errors.length} sub-exception${errors.length === 1 ? "" : "s"})`, errors);
    }
  }

  private _abort(): void {
    this._aborting = true;
    for (const task of this._tasks) {
      if (!task.done()) task.cancel();
    }
  }

  private readonly _onTaskDone = (task: Future<unknown>): void => {
    this._tasks.delete(task as Task<unknown>);
    if (this._onCompleted !== null && this._tasks.size === 0 && !this._onCompleted.done()) this._onCompleted.setResult(true);
    if (task.cancelled()) return;
    const error = task.exception();
    if (error === null) return;
    this._errors.push(error);
    const parent = this._parentTask!;
    if (parent.done()) {
      this._loop!.callExceptionHandler({ message: `Task ${task} has errored out but its parent task ${parent} is already completed`, exception: error, future: task });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Stop the body too: cancel the parent, and remember to take the request back.
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  };
}

/**
 * Runs `body` with a fresh TaskGroup and waits for every task it starts.
 *
 * @example
 * const [a, b] = yield* taskGroup(function* (tg) {
 *   const a = tg.createTask(fetchJson("/a"));
 *   const b = tg.createTask(fetchJson("/b"));
 *   return [a, b];
 * }); // both done here; if either failed, an ExceptionGroup is raised
 */
export function taskGroup<T>(body: (group: TaskGroup) => Generator<unknown, T, unknown>): Operation<T> {
  return {
    *[Symbol.iterator]() {
      const group = new TaskGroup();
      group._enter();
      let result: T;
      try {
        result = yield* body(group);
      } catch (error) {
        yield* group._exit(true, error);
        throw error;
      }
      yield* group._exit(false, undefined);
      return result;
    },
  };
}
