/**
 * Binary search over anything sorted: the analysis keeps its records in time order (steps,
 * awaits, a family's creation times) and looks moments up in them.
 */

/**
 * The first position in [0, length) at which `before` is false, `before` being true for a
 * prefix of the positions and false after it (C++'s `partition_point`); `length` if none.
 */
export function partitionPoint(length: number, before: (position: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
