/**
 * `originalThen` is the browser's `then`, called from a builtin so that DevTools' debugger keeps
 * no async stack for it (test/e2e/native-debugging.test.ts checks that side in Chromium): here,
 * that it does what `then` does, and which reactions `nativeReactions` takes for the language's own.
 */
import { describe, expect, test } from "vitest";
import { nativeReactions, originalThen } from "../../../src/content/native/originals.ts";

describe("originalThen", () => {
  test("derives a native promise that follows a fulfilment through the handler", async () => {
    const derived = originalThen(Promise.resolve(2), (value) => (value as number) * 3, undefined);
    expect(Object.getPrototypeOf(derived)).toBe(Promise.prototype);
    await expect(derived).resolves.toBe(6);
  });

  test("passes a rejection to the second handler, and on without one", async () => {
    const reason = new Error("no");
    await expect(originalThen(Promise.reject(reason), undefined, (r) => r)).resolves.toBe(reason);
    await expect(originalThen(Promise.reject(reason), () => "fulfilled", undefined)).rejects.toBe(reason);
  });

  test("calls a handler once, with the value alone and no receiver, as `then` does", async () => {
    const calls: unknown[][] = [];
    await originalThen(Promise.resolve("v"), function (this: unknown, ...args: unknown[]) {
      calls.push([this, ...args]);
    }, undefined);
    expect(calls).toEqual([[undefined, "v"]]);
  });
});

describe("nativeReactions", () => {
  test("takes a promise's resolving functions, as the language passes them", () => {
    let pair: unknown[] = [];
    new Promise((resolve, reject) => {
      pair = [resolve, reject];
    });
    expect(nativeReactions(pair[0], pair[1])).toBe(true);
  });

  test("leaves the page's own callbacks, named built-ins and missing handlers", () => {
    let resolve: unknown;
    new Promise((r) => {
      resolve = r;
    });
    expect(nativeReactions(() => 1, () => 2)).toBe(false);
    expect(nativeReactions(resolve, () => 2)).toBe(false);
    expect(nativeReactions(resolve, undefined)).toBe(false);
    expect(nativeReactions(Math.max, Math.min)).toBe(false);
  });
});
