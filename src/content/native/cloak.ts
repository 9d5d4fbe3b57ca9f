/**
 * Making a wrapper look like the function it replaces, and putting it in place and back.
 *
 * A wrapper is written as an object-literal method, so like a native function it is no
 * constructor and has no `prototype`; it takes the original's `name` and `length`; and
 * `Function.prototype.toString` (itself replaced while any wrapper is installed) shows the
 * original's source, `function fetch() { [native code] }`. The property keeps its descriptor
 * (writable, enumerable, configurable as before) and only its value changes.
 *
 * What cannot be hidden: a frame of the extension's script in stacks of errors thrown
 * synchronously through a wrapper, and `toString` of a wrapper seen from another realm (an
 * iframe's own `Function.prototype.toString`).
 */
import { apply, defineProperty, ownDescriptor, pageWindow } from "./originals.ts";
import { bareDescriptor, safeWeakMap, tryDefineProperty } from "../../trace/primordials.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- wrappers stand in for any function */

/** Wrapper → the function whose source `toString` shows for it. */
const disguises = safeWeakMap<Function, Function>();

/** Gives `wrapper` the `name` and `length` of `original`, and its source for `toString`. */
export function disguise<F extends Function>(wrapper: F, original: Function): F {
  // Spelled out, not a for-of loop: this runs whenever the wrappers are installed, and a
  // loop would go through the page's Array iterator.
  const name = ownDescriptor(original, "name");
  if (name !== undefined) defineProperty(wrapper, "name", name);
  const length = ownDescriptor(original, "length");
  if (length !== undefined) defineProperty(wrapper, "length", length);
  disguises.set(wrapper, original);
  return wrapper;
}

/**
 * One property replaced by a wrapper: where, what was there, and what stands in for it.
 *
 * Libraries replace the same functions (zone.js: timers, fetch, XHR, listeners…), calling
 * what they found when they loaded. Loaded while a wrapper of ours was in place (the start-up
 * recording's, or one of ours on top of another library), one calls ours, which then records
 * from inside its chain, and no other goes on top. Loaded after ours was taken out, it calls
 * the original: a recording then puts a second wrapper on top of the library's function, made
 * by the same `wrap`, which calls the library's. Either way a call meets one wrapper of ours
 * (test/unit/content/cloak.test.ts).
 */
export class Patch {
  /** Our wrapper of a function the page put here (see above), while it is in place. */
  private over: { readonly pageFunction: Function; readonly wrapper: Function } | null = null;
  /** The page replaced a wrapper of ours while it was in place: ours is in its chain and records from there. */
  private inPageChain = false;

  private constructor(
    /** `setTimeout`, `Promise.all`, `XMLHttpRequest.prototype.open`: the property, for messages. */
    readonly name: string,
    readonly owner: object,
    readonly key: PropertyKey,
    readonly original: Function,
    readonly wrapper: Function,
    private readonly descriptor: PropertyDescriptor,
    private readonly wrap: (original: Function) => Function,
  ) {}

  /**
   * The patch of `owner[key]`, if it holds a function that may be replaced; `wrap` makes the
   * wrapper from the function it is to call (and the wrapper is disguised as that function).
   */
  static of(owner: object | undefined, key: PropertyKey, wrap: (original: Function) => Function): Patch | null {
    if (owner === undefined) return null;
    const descriptor = ownDescriptor(owner, key);
    if (descriptor === undefined || typeof descriptor.value !== "function") return null;
    if (descriptor.configurable !== true && descriptor.writable !== true) return null;
    const original = descriptor.value as Function;
    return new Patch(propertyName(owner, key), owner, key, original, disguise(wrap(original), original), descriptor, wrap);
  }

  /**
   * Puts the wrapper in place: over the original, or over a function the page put here since
   * that calls the original. False where the page froze the owner (as SES's lockdown does):
   * then that work goes unrecorded, and nothing throws.
   */
  install(): boolean {
    const now = ownDescriptor(this.owner, this.key);
    const current: unknown = now?.value;
    if (current === this.original) return tryDefineProperty(this.owner, this.key, bareDescriptor({ ...this.descriptor, value: this.wrapper }));
    if (now === undefined || typeof current !== "function" || current === this.wrapper || this.inPageChain || this.over !== null) return true;
    const wrapper = disguise(this.wrap(current), current);
    if (!tryDefineProperty(this.owner, this.key, bareDescriptor({ ...now, value: wrapper }))) return false;
    this.over = { pageFunction: current, wrapper };
    return true;
  }

  /**
   * Puts back what was there. If the page replaced the wrapper with its own meanwhile (wrapping
   * ours, as zone.js does), the page's stays: ours then stays in its chain and just passes
   * calls through. So does ours where the page froze the owner while it was in place.
   */
  uninstall(): void {
    const now = ownDescriptor(this.owner, this.key);
    const current: unknown = now?.value;
    const over = this.over;
    if (over !== null) {
      this.over = null;
      if (now !== undefined && current === over.wrapper) tryDefineProperty(this.owner, this.key, bareDescriptor({ ...now, value: over.pageFunction }));
      else this.inPageChain = true;
      return;
    }
    if (current === this.wrapper) tryDefineProperty(this.owner, this.key, this.descriptor);
    else if (current !== this.original) this.inPageChain = true;
  }
}

/** `setTimeout`, `Promise.all`, `XMLHttpRequest.prototype.open`: read at start-up, from the owner's own `name` or its constructor's. */
function propertyName(owner: object, key: PropertyKey): string {
  const property = typeof key === "string" ? key : "[symbol]";
  if (owner === pageWindow) return property;
  const ownName: unknown = ownDescriptor(owner, "name")?.value;
  if (typeof owner === "function" && typeof ownName === "string") return `${ownName}.${property}`;
  const constructor: unknown = ownDescriptor(owner, "constructor")?.value;
  const constructorName: unknown = typeof constructor === "function" ? ownDescriptor(constructor, "name")?.value : undefined;
  return typeof constructorName === "string" ? `${constructorName}.prototype.${property}` : property;
}

/** `Function.prototype.toString`, answering for each wrapper with its original's source. */
export const toStringPatch = Patch.of(Function.prototype, "toString", (original) => ({
  toString(this: unknown): string {
    const shown = typeof this === "function" ? disguises.get(this) ?? this : this;
    return apply(original, shown, []) as string;
  },
}).toString);
