/**
 * The statistics of the session shown, for the views that show them, analyzed in slices
 * between frames (stats-job.ts), so that a big session never freezes the panel: a session
 * small enough to analyze within FIRST_SLICE_MS shows its statistics at once, a bigger one
 * none (null) until its analysis is done. While a live session grows, the statistics before
 * stay shown until the next are done.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { TimelineModel } from "../timeline/model.ts";
import { StatsFollower } from "./stats-job.ts";
import type { SessionStats } from "./session-stats.ts";

export type { SessionStats } from "./session-stats.ts";

/** The first slice, run as the view first renders: most sessions are analyzed within it. */
const FIRST_SLICE_MS = 20;

/** The analysis of `model`, or of the model before while it runs; null until the session's first is done. */
export function useStats(model: TimelineModel): SessionStats | null {
  const [, shown] = useState(0);
  const follower = useRef<StatsFollower | null>(null);
  if (follower.current === null) {
    follower.current = new StatsFollower(() => shown((n) => n + 1));
    follower.current.want(model, FIRST_SLICE_MS, true);
  }
  useEffect(() => follower.current!.want(model, FIRST_SLICE_MS), [model]);
  useEffect(() => () => follower.current?.dispose(), []);
  return follower.current.shown;
}
