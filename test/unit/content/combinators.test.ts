/**
 * Promise.all and friends while recording, without a browser: the span ends when the combined
 * promise settles, read from the reactions the original attaches to its members through the
 * `then` wrapper (joined, not doubled), or, when the original did not go through it, from
 * reactions of ours attached after its own.
 */
import { afterEach, describe, expect, test } from "vitest";
import { forgetCauses } from "../../../src/content/native/causes.ts";
import { combinatorPatches } from "../../../src/content/native/combinators.ts";
import { thenPatch } from "../../../src/content/native/continuations.ts";
import { promiseOps, setSink, startOp, type Sink } from "../../../src/content/native/sink.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";
import type { NativeOpRecord } from "../../../src/trace/model.ts";
import { deterministicRecorder } from "../trace/helpers.ts";

const patches = [thenPatch!, ...combinatorPatches];

function recording(): Sink {
  const sink: Sink = { recorder: deterministicRecorder(), sites: false };
  setSink(sink);
  for (const patch of patches) patch.install();
  return sink;
}

function opsOf(sink: Sink): readonly NativeOpRecord[] {
  const builder = new SessionBuilder();
  builder.append(sink.recorder.takeBatch());
  return builder.trace().nativeOps;
}

afterEach(() => {
  for (const patch of patches) patch.uninstall();
  setSink(null);
  forgetCauses();
});

/** A promise and the functions that settle it. */
function deferred(): { promise: Promise<unknown>; resolve(value: unknown): void; reject(reason: unknown): void } {
  let resolve!: (value: unknown) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

describe("Promise combinators while recording", () => {
  test("Promise.all ends when its last member is fulfilled, naming the recorded members, and the page's reactions run in the same order as without the wrappers", async () => {
    /** The page's reactions around a Promise.all, in the order they run. */
    async function scenario(sink: Sink | null): Promise<string[]> {
      const order: string[] = [];
      const first = deferred();
      const second = deferred();
      if (sink !== null) promiseOps.set(first.promise, startOp(sink, "fetch", "GET /a", null));
      const all = Promise.all([first.promise, 7, second.promise]);
      all.then((values) => order.push(`all ${JSON.stringify(values)}`));
      second.promise.then(() => order.push("second")).then(() => order.push("second, then"));
      first.promise.then(() => order.push("first"));
      first.resolve("a");
      second.resolve("b");
      await all;
      for (let k = 0; k < 5; k++) await Promise.resolve();
      return order;
    }
    const unrecorded = await scenario(null);
    const sink = recording();
    expect(await scenario(sink)).toEqual(unrecorded);
    const ops = opsOf(sink);
    const op = ops.find((o) => o.kind === "Promise.all")!;
    expect([op.label, op.outcome, JSON.parse(op.detail ?? "{}").members]).toEqual(["Promise.all(3)", "ok", [ops.find((o) => o.label === "GET /a")!.id]]);
  });

  test("race names its winner, any its rejections, all its first rejection; allSettled waits for every member", async () => {
    const sink = recording();
    const slow = deferred();
    const fast = deferred();
    const raced = Promise.race([slow.promise, fast.promise]);
    const anyOf = Promise.any([slow.promise, fast.promise]);
    const allOf = Promise.all([slow.promise, fast.promise]);
    const settled = Promise.allSettled([slow.promise, fast.promise]);
    fast.reject(new Error("fast failed"));
    await expect(raced).rejects.toThrow("fast failed");
    await expect(allOf).rejects.toThrow("fast failed");
    slow.resolve("slow");
    expect(await anyOf).toBe("slow");
    expect((await settled).map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    const ended = Object.fromEntries(opsOf(sink).map((o) => [o.kind, [o.outcome, JSON.parse(o.detail ?? "{}")]]));
    expect(ended).toEqual({
      "Promise.race": ["error", { winner: 1, reason: "Error: fast failed" }],
      "Promise.any": ["ok", { winner: 0 }],
      "Promise.all": ["error", { reason: "Error: fast failed" }],
      "Promise.allSettled": ["ok", {}],
    });
  });

  test("a member whose own then the original calls (not the wrapper) is still watched, by a reaction of ours after the original's", async () => {
    const sink = recording();
    const member = deferred();
    const calls: number[] = [];
    Object.defineProperty(member.promise, "then", {
      value(this: Promise<unknown>, ...args: unknown[]) {
        calls.push(args.length);
        return thenPatch!.original.apply(this, args);
      },
    });
    const all = Promise.all([Promise.resolve(1), member.promise]);
    member.resolve(2);
    expect(await all).toEqual([1, 2]);
    expect(calls).toEqual([2]);
    expect(opsOf(sink).find((o) => o.kind === "Promise.all")?.outcome).toBe("ok");
  });
});
