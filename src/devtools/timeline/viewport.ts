/**
 * The time window the timeline shows, [start, end] in trace milliseconds, and the
 * arithmetic of zooming and panning it. Bounded to the session (with a little margin) and to
 * a shortest span of a microsecond, the trace's precision.
 */

export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The shortest window: the trace's precision is 1 µs, and ten of them fill a screen. */
export const MIN_SPAN_MS = 0.01;

/** Keeps `window` inside [0, sessionEnd] (a session of length 0 still shows 1 ms). */
export function clampWindow(window: TimeWindow, sessionEnd: number): TimeWindow {
  const limit = Math.max(sessionEnd, 1);
  let span = Math.min(Math.max(window.end - window.start, MIN_SPAN_MS), limit);
  if (!Number.isFinite(span)) span = limit;
  let start = Math.max(0, Math.min(window.start, limit - span));
  if (!Number.isFinite(start)) start = 0;
  return { start, end: start + span };
}

/** Zooms by `factor` (< 1 zooms in) around `anchor`, which stays where it is on screen. */
export function zoomWindow(window: TimeWindow, factor: number, anchor: number, sessionEnd: number): TimeWindow {
  const span = window.end - window.start;
  const nextSpan = Math.max(span * factor, MIN_SPAN_MS);
  const ratio = span > 0 ? (anchor - window.start) / span : 0.5;
  return clampWindow({ start: anchor - ratio * nextSpan, end: anchor - ratio * nextSpan + nextSpan }, sessionEnd);
}

export function panWindow(window: TimeWindow, deltaMs: number, sessionEnd: number): TimeWindow {
  return clampWindow({ start: window.start + deltaMs, end: window.end + deltaMs }, sessionEnd);
}

export function wholeSession(sessionEnd: number): TimeWindow {
  return { start: 0, end: Math.max(sessionEnd, 1) };
}

/** A tick step of 1, 2 or 5 × 10^k ms giving about `targetPx` between ticks. */
export function tickStep(spanMs: number, widthPx: number, targetPx = 90): number {
  const raw = (spanMs * targetPx) / Math.max(widthPx, 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/** Maps trace time onto canvas x for a window drawn into [left, left + width). */
export class TimeScale {
  readonly pxPerMs: number;

  constructor(readonly window: TimeWindow, readonly left: number, readonly width: number) {
    this.pxPerMs = width / Math.max(window.end - window.start, 1e-9);
  }

  x(time: number): number {
    return this.left + (time - this.window.start) * this.pxPerMs;
  }

  time(x: number): number {
    return this.window.start + (x - this.left) / this.pxPerMs;
  }
}
