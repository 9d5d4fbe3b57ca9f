/**
 * Binary search over anything sorted: records are kept in time order (steps, awaits, a
 * family's creation times, a timeline row's spans), and moments are looked up in them.
 */

/**
 * The first position in [from, to) at which `before` is false, `before` being true for a
 * prefix of the range and false after it (C++'s `partition_point`); `to` if none.
 */
export function partitionPoint(from: number, to: number, before: (position: number) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
