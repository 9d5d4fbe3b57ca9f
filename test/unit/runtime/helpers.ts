/**
 * Shared helpers for the runtime's unit tests: a recording instrument (as trio's
 * `TaskRecorder`), a busy-wait for the few tests that need a step to take real time, and a
 * one-liner to run a coroutine on the virtual clock.
 */
import { expect, onTestFinished } from "vitest";
import {
  addInstrument, removeInstrument, run,
  type AwaitTarget, type CoroutineSource, type Instrument, type Operation, type Task,
} from "../../../src/runtime/index.ts";

/** Runs `main` on a fresh loop with the virtual clock. */
export function runVirtual<T>(main: CoroutineSource<T>, name?: string): Promise<T> {
  return run(main, name === undefined ? { clock: "virtual" } : { clock: "virtual", name });
}

/** Spins for `ms` of real time: a step that is slow on purpose (debug-mode tests only). */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}

export interface Recording {
  /** Every hook call, rendered as one line each, in the order they happened. */
  readonly events: string[];
  /** Stop recording (also done automatically when the test finishes). */
  stop(): void;
}

/**
 * Records every instrument hook call as a readable line, naming tasks by `getName()` and
 * awaited tasks by the name their id belongs to. Removed when the test finishes.
 */
export function recordInstrument(options: { only?: (task: Task<unknown>) => boolean } = {}): Recording {
  const events: string[] = [];
  const namesById = new Map<number, string>();
  const keep = options.only ?? (() => true);
  const name = (task: Task<unknown> | null): string => (task === null ? "-" : task.getName());
  const target = (t: AwaitTarget | null): string => {
    if (t === null) return "ended";
    const id = t.id === undefined ? "" : ` #${namesById.get(t.id) ?? "?"}`;
    return `${t.kind}:${t.label}${id}`;
  };
  const instrument: Instrument = {
    taskSpawned(task, parent) {
      namesById.set(task.id, task.getName());
      if (keep(task)) events.push(`spawn ${name(task)} parent=${name(parent)}`);
    },
    taskScheduled(task, wokenBy) {
      if (keep(task)) events.push(`scheduled ${name(task)} by=${name(wokenBy)}`);
    },
    beforeTaskStep(task) {
      if (keep(task)) events.push(`before ${name(task)}`);
    },
    afterTaskStep(task, waitingOn) {
      if (keep(task)) events.push(`after ${name(task)} ${target(waitingOn)}`);
    },
    taskExited(task, outcome) {
      if (keep(task)) events.push(`exit ${name(task)} ${outcome}`);
    },
    cancelRequested(task, msg, by) {
      if (keep(task)) events.push(`cancel ${name(task)} msg=${msg ?? "-"} by=${name(by)}`);
    },
    timeoutArmed(task, deadline) {
      if (keep(task)) events.push(`timeoutArmed ${name(task)} at=${deadline}`);
    },
    timeoutExpired(task) {
      if (keep(task)) events.push(`timeoutExpired ${name(task)}`);
    },
    timeoutDisarmed(task) {
      if (keep(task)) events.push(`timeoutDisarmed ${name(task)}`);
    },
    slowStep(task, ms) {
      if (keep(task)) events.push(`slowStep ${name(task)} ${ms > 0 ? "ms>0" : "ms<=0"}`);
    },
    exceptionRetrieved(task) {
      if (keep(task)) events.push(`retrieved ${name(task)}`);
    },
  };
  addInstrument(instrument);
  const stop = (): void => removeInstrument(instrument);
  onTestFinished(stop);
  return { events, stop };
}

/** Awaits `operation` and returns the error it throws, which must be a `type`. */
export function* expectThrows(operation: Operation<unknown>, type: abstract new (...args: never[]) => Error): Generator<unknown, Error, unknown> {
  try {
    yield* operation;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as Error;
  }
  throw new Error(`expected ${type.name}`);
}

/** A tiny deterministic random source, so stress tests replay the same schedule. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
