import { describe, expect, test } from "vitest";
import { backlogSize, catchUp, defer } from "../../../src/content/native/backlog.ts";

describe("the backlog of noticed work", () => {
  test("runs its jobs at the catch-up, oldest first, with what each was given", () => {
    const done: string[] = [];
    const job = (a: unknown, b: unknown, at: number) => void done.push(`${String(a)} ${String(b)} ${at}`);
    defer(job, "fetch 1", "response 1", 10.5);
    defer(job, "fetch 2", null, 12);
    expect(done).toEqual([]);
    expect(backlogSize()).toBe(2);
    catchUp();
    expect(done).toEqual(["fetch 1 response 1 10.5", "fetch 2 null 12"]);
    expect(backlogSize()).toBe(0);
    catchUp();
    expect(done).toHaveLength(2);
  });

  test("a job that throws loses only its own record", () => {
    const done: number[] = [];
    defer(() => done.push(1), null, null, 0);
    defer(() => {
      throw new Error("a strange object");
    }, null, null, 0);
    defer(() => done.push(3), null, null, 0);
    catchUp();
    expect(done).toEqual([1, 3]);
  });

  test("a full backlog catches up at once, and what a job defers runs in the same pass, once", () => {
    const done: number[] = [];
    for (let k = 0; k < 255; k++) defer((a) => done.push(a as number), k, null, 0);
    expect(done).toEqual([]);
    // The 256th fills it; its job defers one more, which would fill it again while catching up.
    defer(() => {
      done.push(255);
      defer(() => done.push(256), null, null, 0);
    }, null, null, 0);
    expect(done).toHaveLength(257);
    expect(done).toEqual(Array.from({ length: 257 }, (_, k) => k));
    expect(backlogSize()).toBe(0);
  });
});
