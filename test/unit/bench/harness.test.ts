/** The benchmarks' statistics: what a figure's note says about how far it could move. */
import { describe, expect, test } from "vitest";
import { median, medianInterval } from "../../../bench/harness.ts";

describe("the median", () => {
  test("of an even count is the mean of the middle two; the input stays as it was", () => {
    const values = [4, 1, 3, 2];
    expect(median(values)).toBe(2.5);
    expect(values).toEqual([4, 1, 3, 2]);
    expect(median([5, 1, 3])).toBe(3);
  });
});

describe("the median's 95% interval", () => {
  test("spans the order statistics a binomial keeps (tables: n = 6 → 1st–6th, 20 → 6th–15th, 36 → 12th–25th)", () => {
    const ranks = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 1);
    expect(medianInterval(ranks(6))).toEqual([1, 6]);
    expect(medianInterval(ranks(20))).toEqual([6, 15]);
    expect(medianInterval(ranks(36))).toEqual([12, 25]);
  });

  test("sorts what it is given, and refuses too few values", () => {
    expect(medianInterval([9, 1, 8, 2, 7, 3, 6, 4, 5, 10].map((v) => v / 10))).toEqual([0.2, 0.9]);
    expect(medianInterval([1, 2, 3, 4, 5])).toBeNull();
    expect(medianInterval([])).toBeNull();
  });
});
