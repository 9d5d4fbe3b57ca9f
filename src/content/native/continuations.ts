/**
 * Promise continuations: `Promise.prototype.then`, wrapped while a recording someone started
 * runs (not the start-up recording, not the flight recorder: NativeOptions in index.ts), so
 * that what a `.then` / `.catch` / `.finally` callback starts has a cause (causes.ts). `catch` and
 * `finally` are left as they are: the language defines both as calls of `this.then`, so they
 * come through this wrapper already, and stay the browser's own functions.
 *
 * The cause of a continuation is the operation whose promise settled when the promise is one
 * of ours or derived from one through `then` (a fetch's, a Promise.all's: `fetch(a).then(r =>
 * r.json()).then(render)` both run as caused by the fetch), else the frame running when the
 * continuation was registered (a `.then` called in a click handler runs as caused by the click,
 * even after the dispatch is over; one registered in a runtime task's step works for that task).
 * With no cause either way, the original is called with the page's own callbacks. The
 * reactions `Promise.all` and friends attach to their members (their own resolve and reject
 * functions, which run no page code) carry no cause: the combinator's watch joins them
 * instead (combinators.ts), and what the combined promise's continuations start has its cause.
 * Nor do a promise's resolving functions, which the language passes to `then` when a promise
 * is resolved with another: both kinds go to the original as the browser's own calls do
 * (`originalThen`), so that DevTools' debugger, which captures a stack for every `then` a
 * script calls, does not for these (without the wrapper it never did: the caller was the
 * browser).
 *
 * What the page sees: `then` has the original's name, length and source; it is called with the
 * page's `this` and arguments, and returns the original's result. Non-callable arguments pass
 * unchanged. A callback is called as the browser calls it (no `this`, one argument) and its
 * exceptions are never caught: they reject the derived promise as before. The callback's stack
 * shows one frame of ours, as for timer callbacks. `await` does not look `then` up on a native
 * promise, so code after an `await` runs without a cause (the build plugin sees awaits).
 */
import { Patch } from "./cloak.ts";
import { Cause, activeCause, enter, leave } from "./causes.ts";
import { apply, hasPromisePrototype, nativeReactions, originalThen, promisePrototype } from "./originals.ts";
import { currentSink, promiseOps, taskTracker } from "./sink.ts";
import { joinReaction } from "./combinators.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- page callbacks are any function */

/** `callback` run under `frame`. */
function continuation(callback: Function, frame: Cause): Function {
  return (value: unknown): unknown => {
    const saved = enter(frame);
    try {
      // The browser calls a reaction with one argument and no `this`: so does a plain call
      // (whatever the strictness of our bundle, the callee gets `undefined` as its receiver).
      return callback(value);
    } finally {
      leave(saved);
    }
  };
}

export const thenPatch = Patch.of(promisePrototype, "then", (original) => ({
  then(this: unknown, ...args: unknown[]): unknown {
    const into = currentSink();
    // Promise.all and friends attaching their own reactions to their members: no cause to
    // carry, and called as the browser calls them (see originalThen).
    if (into !== null && joinReaction(this, args)) return originalThen(this as Promise<unknown>, args[0] as never, args[1] as never);
    // A promise resolved with another (the language calls the other's `then` with its resolving
    // functions), or a page passing a promise's resolve and reject on: no page code to carry a cause into.
    if (hasPromisePrototype(this) && nativeReactions(args[0], args[1])) return originalThen(this, args[0] as never, args[1] as never);
    if (into === null) return apply(original, this, args);
    const settledBy = typeof this === "object" && this !== null ? promiseOps.get(this) : undefined;
    let frame: Cause | null = null;
    if (settledBy !== undefined && settledBy.live) {
      frame = settledBy.asCause();
    } else if (taskTracker.running !== 0) {
      frame = new Cause(into, 0, taskTracker.running, null, null, 0, null, null);
    } else {
      const active = activeCause(into);
      // A dispatch's frame ends with its dispatch: the continuation keeps it through `via`.
      if (active !== null) frame = active.event === null ? active : new Cause(into, 0, active.task, null, null, 0, null, active);
    }
    if (frame === null) return apply(original, this, args);
    if (typeof args[0] === "function") args[0] = continuation(args[0], frame);
    if (typeof args[1] === "function") args[1] = continuation(args[1], frame);
    const result = apply(original, this, args);
    // Derived promises settle because this one did: their continuations share its cause.
    if (settledBy !== undefined && hasPromisePrototype(result)) promiseOps.set(result, settledBy);
    return result;
  },
}).then);
