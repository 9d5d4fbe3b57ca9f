/**
 * The timeline's span lists: which item to draw after one drawn as a single pixel.
 */
import { describe, expect, test } from "vitest";
import type { StepRecord } from "../../../src/trace/model.ts";
import { nextAfterPixel, type SpanRange } from "../../../src/devtools/timeline/spans.ts";

const step = (start: number, end: number): StepRecord => ({ task: 1, start, end, ready: null, wake: null, waker: null });
const rangeOf = (items: readonly StepRecord[]): SpanRange => ({ list: Int32Array.from(items.keys()), from: 0, to: items.length });
const endOf = (item: StepRecord): number | null => item.end;

describe("nextAfterPixel", () => {
  test("steps that start and end inside the pixel are hidden under it", () => {
    const items = [step(0, 0.1), step(0.2, 0.3), step(0.4, 0.5), step(5, 6)];
    expect(nextAfterPixel(items, rangeOf(items), 0, 1, endOf)).toBe(3);
  });

  test("a long step right after a zero-length one in the same pixel is still drawn", () => {
    // sleep(0), then 88 ms of computation: the second step starts where the first ended.
    const items = [step(69.3, 69.3), step(69.3, 157.2)];
    expect(nextAfterPixel(items, rangeOf(items), 0, 69.8, endOf)).toBe(1);
  });

  test("only the last step starting inside the pixel can reach past it", () => {
    const items = [step(0, 0.1), step(0.2, 0.3), step(0.4, 9), step(10, 11)];
    expect(nextAfterPixel(items, rangeOf(items), 0, 1, endOf)).toBe(2);
  });

  test("once the reaching step is the one drawn, the walk moves past the pixel", () => {
    const items = [step(0.4, 9), step(10, 11)];
    expect(nextAfterPixel(items, rangeOf(items), 0, 1, endOf)).toBe(1);
  });
});
