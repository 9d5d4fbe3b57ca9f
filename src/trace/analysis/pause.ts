/**
 * How a long analysis runs in slices: it is a generator that yields whenever its Pause says
 * the slice of time it was given is used up, and is resumed later from where it stopped (the
 * panel analyzes between frames this way). Run in one go, it never pauses.
 */
export interface Pause {
  due(): boolean;
}

/** Never pauses: the analysis runs in one go. */
export const NEVER: Pause = { due: () => false };

/** Loops ask the Pause once every CHECK + 1 iterations (`(k & CHECK) === 0`): asking costs a clock read. */
export const CHECK = 4095;

/** Runs a sliced analysis in one go and returns its result. */
export function inOneGo<T>(build: Generator<void, T, void>): T {
  for (;;) {
    const next = build.next();
    if (next.done === true) return next.value;
  }
}
