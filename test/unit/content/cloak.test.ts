/**
 * Patch: a wrapper put in place and back, beside libraries that replace the same function
 * (zone.js, Sentry): whatever order they come in, a call goes through exactly one of our
 * wrappers while we record, and the library's function is what stays when we stop.
 */
import { describe, expect, test } from "vitest";
import { Patch } from "../../../src/content/native/cloak.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- wrappers stand in for any function */

/** An owner with a `work` function, a patch of it whose wrappers count the calls they see, and a library that replaces it. */
function setUp(): { owner: { work: (n: number) => number }; patch: Patch; recorded: () => number; library: () => Function } {
  const owner = { work: (n: number): number => n + 1 };
  let seen = 0;
  const patch = Patch.of(owner, "work", (inner: Function) => ({
    work(this: unknown, n: number): unknown {
      seen++;
      return inner.call(this, n) as unknown;
    },
  }).work)!;
  /** A library's function: it calls what it found, as zone.js does. */
  const library = (): Function => {
    const found = owner.work;
    const replacement = (n: number): number => found(n) * 10;
    owner.work = replacement;
    return replacement;
  };
  return { owner, patch, recorded: () => { const n = seen; seen = 0; return n; }, library };
}

describe("Patch beside a library that replaces the same function", () => {
  test("loaded while ours is in place: ours records from inside its chain, once, and is not put on top again", () => {
    const { owner, patch, recorded, library } = setUp();
    patch.install();
    const theirs = library();
    patch.uninstall();
    expect(owner.work).toBe(theirs);
    patch.install();
    expect(owner.work(1)).toBe(20);
    expect(recorded()).toBe(1);
    patch.uninstall();
    expect(owner.work).toBe(theirs);
  });

  test("loaded after ours was taken out: a recording puts a wrapper on top of it, and puts it back after", () => {
    const { owner, patch, recorded, library } = setUp();
    patch.install();
    patch.uninstall();
    const theirs = library();
    patch.install();
    expect(owner.work).not.toBe(theirs);
    expect(owner.work(1)).toBe(20);
    expect(recorded()).toBe(1);
    patch.uninstall();
    expect(owner.work).toBe(theirs);
    expect(owner.work(1)).toBe(20);
    expect(recorded()).toBe(0); // ours on top is gone; nothing of ours is in their chain
  });

  test("a second library loaded over our wrapper on top: the next recording still records each call once", () => {
    const { owner, patch, recorded, library } = setUp();
    library();
    patch.install(); // on top of the first library
    const second = library(); // calls ours
    patch.uninstall();
    expect(owner.work).toBe(second);
    patch.install();
    expect(owner.work(1)).toBe(200);
    expect(recorded()).toBe(1);
    patch.uninstall();
    expect(owner.work).toBe(second);
  });

  test("a frozen owner: install says so and nothing throws", () => {
    const { owner, patch } = setUp();
    Object.freeze(owner);
    expect(patch.install()).toBe(false);
    expect(() => patch.uninstall()).not.toThrow();
  });
});
