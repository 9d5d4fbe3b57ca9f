/**
 * Causes: which native operation the page's code is running on behalf of, right now. An
 * operation started then records it as its `cause`, so a chain reads back to what began it:
 * the second fetch ← the timer its `.then` set ← the first fetch ← `click on button#go`.
 *
 * The running cause is a frame, `current`, set while:
 * - a timer, animation-frame or idle callback runs (its operation; `fireAndRun` in sink.ts);
 * - a promise continuation runs (`.then` / `catch` / `finally`, continuations.ts): the fetch or
 *   combinator whose promise settled, else the frame under which the continuation was
 *   registered;
 * - an event is dispatched (listeners.ts): a window-level dispatch becomes an `event`
 *   operation of its own, recorded only once it causes something; an XHR's events stand for
 *   the XHR itself.
 *
 * Dispatch frames hold only while their event is being dispatched (its `eventPhase` is not
 * NONE): the end of a dispatch is not always observable (a listener may stop propagation), so
 * a frame whose event is no longer dispatching is left lazily, the next time the cause is
 * looked up, or once closed (a dispatch whose phase stays AT_TARGET after it, as Chromium leaves
 * a window's `load` and `pageshow`, is closed in the next task: listeners.ts); a recorded
 * dispatch's span is closed at the latest in the next task (so a quiet
 * page never keeps one open, which `--until-idle` would count as work in flight). Callbacks save and restore the frame around the page's function, so frames nest
 * as the calls do.
 *
 * While a runtime task's step runs, the task is the cause (the operation's `task`), not a frame.
 */
import type { Sink } from "./sink.ts";
import { eventPhase, inLaterTask } from "./originals.ts";

/** One frame: an operation (or a dispatch that may become one), or a runtime task. */
export class Cause {
  /** The operation's id in `sink`'s recorder; 0 for a dispatch not recorded yet, or a task's frame. */
  id: number;
  /** For a dispatch: the last time it was seen running (recorder clock), its end if nothing better is known. */
  lastSeen: number;
  /** A dispatch that has been seen to end. */
  closed = false;

  constructor(
    readonly sink: Sink,
    id: number,
    /** The runtime task it works for (0 none): operations it causes are attributed to it. */
    readonly task: number,
    /** For a dispatch: the event; the frame holds while the event is being dispatched. */
    readonly event: object | null,
    /** For a dispatch recorded as its own `event` span (`click on button#go`): the label. */
    readonly label: string | null,
    /** For a dispatch: when it began (recorder clock). */
    readonly start: number,
    /** For a dispatch: the frame that was running when it began (its own cause). */
    readonly outer: Cause | null,
    /** For a continuation: the frame it was registered under, which it keeps after a dispatch ends. */
    readonly via: Cause | null,
  ) {
    this.id = id;
    this.lastSeen = start;
  }
}

let current: Cause | null = null;

/** Makes `frame` the running cause; returns the one to restore with `leave`. */
export function enter(frame: Cause | null): Cause | null {
  const saved = current;
  current = frame;
  return saved;
}

export function leave(saved: Cause | null): void {
  current = saved;
}

/** Forgets every frame (instrumentation detached: their operations belong to a recorder no longer fed). */
export function forgetCauses(): void {
  current = null;
}

function dispatching(event: object): boolean {
  try {
    return eventPhase(event) !== 0;
  } catch {
    return false;
  }
}

/** Ends a dispatch's span (if it was recorded) at `at`, when `live` is still the sink it was recorded into. */
export function closeDispatch(frame: Cause, at: number, live: Sink | null): void {
  if (frame.closed) return;
  frame.closed = true;
  frame.lastSeen = at;
  if (frame.label !== null && frame.id !== 0 && frame.sink === live) {
    live.recorder.nativeEndWith(frame.id, "ok", undefined, at);
  }
}

/** The frame running now; dispatches seen to be over are left (their spans closed) on the way. */
export function activeCause(live: Sink | null): Cause | null {
  let frame = current;
  while (frame !== null && frame.event !== null && (frame.closed || !dispatching(frame.event))) {
    closeDispatch(frame, frame.lastSeen, live);
    frame = frame.outer;
  }
  current = frame;
  return frame;
}

/** The frame `frame` stands for: a continuation's, the one it was registered under. */
export function resolved(frame: Cause): Cause {
  let target = frame;
  while (target.via !== null) target = target.via;
  return target;
}

/**
 * The id of the operation `frame` stands for in `into`'s recording, 0 when it has none (a
 * task's frame, or one of an earlier recording). A dispatch is recorded as an `event` span the
 * first time something it caused needs its id, from its start (and, if already over, to its end).
 */
export function causeIdOf(frame: Cause, into: Sink): number {
  const target = resolved(frame);
  if (target.sink !== into) return 0;
  if (target.label !== null) {
    if (target.id === 0) {
      const cause = target.outer === null ? 0 : causeIdOf(target.outer, into);
      target.id = into.recorder.nativeStartWith("event", target.label, target.task, undefined, target.start, cause, undefined);
      if (target.closed) {
        into.recorder.nativeEndWith(target.id, "ok", undefined, target.lastSeen);
      } else {
        // Its end may never be seen (no bubble phase at the window, nothing looked up after):
        // by the next task the dispatch is over, so it ends then, at the last moment it was seen.
        inLaterTask(() => closeDispatch(target, target.lastSeen, into));
      }
    }
    if (!target.closed) target.lastSeen = into.recorder.now();
  }
  return target.id;
}

/** The cause of an operation starting now in `into`: an operation id (0 none) and the task it works for. */
export const startCause = { id: 0, task: 0 };
export function lookUpCause(into: Sink): typeof startCause {
  const frame = activeCause(into);
  if (frame === null) {
    startCause.id = 0;
    startCause.task = 0;
  } else {
    startCause.id = causeIdOf(frame, into);
    startCause.task = resolved(frame).sink === into ? resolved(frame).task : 0;
  }
  return startCause;
}
