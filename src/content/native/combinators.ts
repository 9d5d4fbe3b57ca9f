/**
 * `Promise.all`, `allSettled`, `race` and `any`: a grouping span from the call to the moment
 * the combined promise settles, shown like the runtime's `gather` and `wait`. Its detail names
 * the recorded operations it groups (`"members": [ids]`, e.g. the fetches of
 * `Promise.all([fetch(a), fetch(b)])`) and how it ended (`"winner"` for race and any, `"reason"`
 * of a rejection).
 *
 * The page gets exactly the promise the original returns. The span's end is seen by watching
 * the members, not the result (watching the result would mark it handled and hide its
 * `unhandledrejection`): the original attaches its own reactions to every member through
 * `then`, which is the wrapper while recording (continuations.ts), and there the watch joins
 * them (`joinReaction`), so watching adds no reaction, and no promise, of its own.
 *
 * Only what can be watched without running page code is recorded: calls on the realm's own
 * Promise (not a subclass, whose constructor would run again), with a plain array of this
 * realm's promises and of values whose `then` is not a getter or a function (a thenable's
 * `then` would be called a second time). Anything else — a Set, a generator, a thenable —
 * passes through unrecorded.
 */
import { Patch } from "./cloak.ts";
import { apply, arrayValues, dataProperty, findProperty, hasPromisePrototype, isArray, NativePromise, originalThen } from "./originals.ts";
import { callerSite, isOwnSite } from "./site.ts";
import { currentSink, describe, promiseOps, startOp, type NativeOp } from "./sink.ts";
import type { NativeKind } from "../../trace/model.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- wrappers stand in for any function */

type Combinator = "all" | "allSettled" | "race" | "any";

/** The most member ids a group's detail lists. */
const MAX_MEMBERS_LISTED = 32;

const settledPromise = NativePromise.resolve();

/** The members of `iterable` if they can all be watched without running page code, else null. */
function watchableMembers(iterable: unknown): unknown[] | null {
  if (!isArray(iterable) || dataProperty(iterable, Symbol.iterator) !== arrayValues) return null;
  const members: unknown[] = [];
  for (let k = 0; k < iterable.length; k++) {
    const member: unknown = iterable[k];
    if (!hasPromisePrototype(member) && ((typeof member === "object" && member !== null) || typeof member === "function")) {
      // Promise.all reads `then` of every member: a getter or a function there is page code it
      // runs, which watching must not run a second time.
      const thenProperty = findProperty(member, "then");
      if (thenProperty !== undefined && (!("value" in thenProperty) || typeof thenProperty.value === "function")) return null;
    }
    members[k] = member;
  }
  return members;
}

/** How a combination is watched: `settle` is told each member's outcome, in the order they settle. */
interface Watch {
  readonly members: readonly unknown[];
  settle(index: number, fulfilled: boolean, reason?: unknown): void;
}

/** A watch that ends `op` when the combined promise settles, from its members' outcomes. */
function watchOf(op: NativeOp, name: Combinator, members: readonly unknown[]): Watch {
  const count = members.length;
  const ids: number[] = [];
  for (let k = 0; k < count && ids.length < MAX_MEMBERS_LISTED; k++) {
    const member = members[k];
    const known = typeof member === "object" && member !== null ? promiseOps.get(member) : undefined;
    if (known !== undefined && known.sink === op.sink) ids[ids.length] = known.id;
  }
  const listed = ids.length > 0 ? ids : undefined;
  let remaining = count;
  let done = false;
  const finish = (ok: boolean, fields: Record<string, string | number | undefined>): void => {
    if (done) return;
    done = true;
    op.end(ok ? "ok" : "error", { ...fields, members: listed });
  };
  const settle = (index: number, fulfilled: boolean, reason?: unknown): void => {
    if (done) return;
    remaining--;
    switch (name) {
      case "all":
        if (!fulfilled) finish(false, { reason: describe(reason) });
        else if (remaining === 0) finish(true, {});
        break;
      case "allSettled":
        if (remaining === 0) finish(true, {});
        break;
      case "race":
        finish(fulfilled, { winner: index, reason: fulfilled ? undefined : describe(reason) });
        break;
      case "any":
        if (fulfilled) finish(true, { winner: index });
        else if (remaining === 0) finish(false, { reason: "AggregateError: All promises were rejected" });
        break;
    }
  };
  if (count === 0) {
    // all/allSettled resolve at once; any rejects at once; race never settles.
    if (name === "all" || name === "allSettled") finish(true, {});
    else if (name === "any") finish(false, { reason: "AggregateError: All promises were rejected" });
  }
  return { members, settle };
}

/**
 * While the original combinator runs: the watch, and the member whose `then` it calls next.
 * The original calls `then` once per member, in order, synchronously (on the member itself, or,
 * for a plain value, on the promise `Promise.resolve` made of it), through the `then` wrapper;
 * there, `joinReaction` adds the watch to those reactions, so watching adds no promise and no
 * reaction of its own (with DevTools open each costs the page an async stack).
 */
let combining: { readonly watch: Watch; next: number } | null = null;

/** Reports `settle` of member `index` before passing the outcome on to the original's own reaction. */
function joined(watch: Watch, index: number, reaction: Function, fulfilled: boolean): (value: unknown) => unknown {
  return (value: unknown): unknown => {
    try {
      watch.settle(index, fulfilled, value);
    } catch {
      // Recording never stands in the way of the page's promise.
    }
    return apply(reaction, undefined, [value]);
  };
}

/**
 * Called by the `then` wrapper before anything else: when the original combinator is calling
 * `then` on its next member, the reactions it passes (its own resolve and reject functions,
 * which run no page code) are joined by the watch, and true says so: the wrapper then calls
 * the original `then` with them and carries no cause (the combined promise has its own).
 */
export function joinReaction(self: unknown, args: unknown[]): boolean {
  const state = combining;
  if (state === null) return false;
  const members = state.watch.members;
  const index = state.next;
  if (index >= members.length || typeof args[0] !== "function" || typeof args[1] !== "function") return false;
  const member = members[index];
  // A plain value's promise is one the original just made: any native promise in its place.
  if (hasPromisePrototype(member) ? self !== member : !hasPromisePrototype(self)) return false;
  state.next = index + 1;
  args[0] = joined(state.watch, index, args[0], true);
  args[1] = joined(state.watch, index, args[1], false);
  return true;
}

/**
 * Watches the members the original did not hand to the `then` wrapper (none, unless the page
 * changed how they are resolved), with reactions of ours attached after its own: they run
 * right after its own and mark nothing handled that was not.
 */
function watchRest(watch: Watch, from: number): void {
  const members = watch.members;
  for (let k = from; k < members.length; k++) {
    const member = members[k];
    // A value is settled already, but the original still takes a reaction for it: so do we, in order.
    const watched = hasPromisePrototype(member) ? member : settledPromise;
    try {
      originalThen(watched, () => watch.settle(k, true), (reason: unknown) => watch.settle(k, false, reason));
    } catch {
      watch.settle(k, true); // an object dressed as a promise; the original's then fails on it too
    }
  }
}

function combinator(name: Combinator) {
  const kind = `Promise.${name}` as NativeKind;
  return (original: Function): Function => {
    const wrapper: Function = {
      combine(this: unknown, ...args: unknown[]): unknown {
        const into = currentSink();
        if (into === null || this !== NativePromise) return apply(original, this, args);
        const members = watchableMembers(args[0]);
        if (members === null) return apply(original, this, args);
        const site = callerSite(wrapper);
        if (isOwnSite(site)) return apply(original, this, args);
        const op = startOp(into, kind, `${kind}(${members.length})`, site);
        const watch = watchOf(op, name, members);
        const outer = combining;
        const state = (combining = { watch, next: 0 });
        let result: unknown;
        try {
          result = apply(original, this, args);
        } finally {
          combining = outer;
          watchRest(watch, state.next);
        }
        if (typeof result === "object" && result !== null) promiseOps.set(result, op);
        return result;
      },
    }.combine;
    return wrapper;
  };
}

export const combinatorPatches: readonly Patch[] = (["all", "allSettled", "race", "any"] as const)
  .map((name) => Patch.of(NativePromise, name, combinator(name))) // start-up
  .filter((p): p is Patch => p !== null); // start-up
