/**
 * What the instrumentation noticed in a page's callbacks and records later, in one pass: a
 * fetch that settled (its status and Content-Length are read, and its end written, at the
 * time it settled), and Resource Timing entries as they arrive.
 *
 * Why: each of those callbacks runs alone, between the browser's own work, so everything it
 * touches is cold. In the bench page (bench/browser/native.ts), reading a response's
 * Content-Length in its own reaction took ~15 µs, and ~1 µs for the same 500 responses read
 * in one loop; our part of a settled fetch and of its timing entry came to ~31 ms a run of
 * 500 fetches written at once, ~13 ms deferred.
 *
 * The page agent catches up before every batch it ships or keeps on schedule, and before it
 * answers a query, so a deferred end reaches the panel in the same batch as before; the
 * instrumentation catches up before it changes or drops its recorder. A backlog never grows
 * past MAX_BACKLOG: the one that fills it catches up at once.
 */
/** A deferred job: `a` and `b` are what it was given, `at` a time on the recorder's clock (or 0). */
export type DeferredJob = (a: unknown, b: unknown, at: number) => void;

const MAX_BACKLOG = 256;

// Parallel arrays, reused: deferring allocates nothing once they have grown.
const jobs: DeferredJob[] = [];
const firsts: unknown[] = [];
const seconds: unknown[] = [];
const times: number[] = [];
let waiting = 0;
let catchingUp = false;

/** Runs `job(a, b, at)` at the next catch-up. */
export function defer(job: DeferredJob, a: unknown, b: unknown, at: number): void {
  const k = waiting++;
  jobs[k] = job;
  firsts[k] = a;
  seconds[k] = b;
  times[k] = at;
  if (waiting >= MAX_BACKLOG) catchUp(); // not again while catching up: that pass runs it
}

/**
 * Runs the deferred jobs, oldest first. One that throws (it never should: a page's object
 * went strange) loses its own record only. Jobs deferred while catching up run in the same pass.
 */
export function catchUp(): void {
  if (catchingUp) return;
  catchingUp = true;
  for (let k = 0; k < waiting; k++) {
    const job = jobs[k]!;
    const a = firsts[k];
    const b = seconds[k];
    firsts[k] = undefined;
    seconds[k] = undefined;
    try {
      job(a, b, times[k]!);
    } catch {
      // Nothing of ours reaches the page.
    }
  }
  waiting = 0;
  catchingUp = false;
}

/** Jobs waiting (tests, diagnostics). */
export function backlogSize(): number {
  return waiting;
}
