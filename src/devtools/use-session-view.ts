/**
 * The view of the current session: the timeline model (rebuilt only when the trace changes;
 * while a live session grows, in slices between frames: see session/model-job.ts),
 * the filter's matches (by text and by kind), the rows after collapsing and filtering, and
 * the selection — kept by task id, so it survives the live session growing.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Trace } from "../trace/model.ts";
import { arrowsFrom, type Arrow } from "./timeline/arrows.ts";
import { buildTimelineModel, nodeOfKey, type NodeKey, type TimelineModel } from "./timeline/model.ts";
import { BROWSER_SCHEDULER, ModelJob } from "./session/model-job.ts";
import type { SnapshotPace } from "./session/snapshot-pace.ts";
import { buildRows, matchFilter, type RowList } from "./timeline/rows.ts";
import { bothMasks, kindMask, type RowKind } from "./timeline/kind-filter.ts";

export interface SessionView {
  readonly model: TimelineModel;
  readonly rows: RowList;
  readonly collapsedNodes: ReadonlySet<number>;
  readonly selected: number;
  readonly arrows: readonly Arrow[];
  /** 1 for each node of a kind the filter by kind shows; null when it hides none. */
  readonly shownKinds: Uint8Array | null;
}

export function useSessionView(
  trace: Trace | null, filter: string, collapsed: ReadonlySet<NodeKey>, selectedKey: NodeKey | null, hiddenKinds: ReadonlySet<RowKind> = NO_KINDS,
  pace: SnapshotPace | null = null,
): SessionView | null {
  const model = useTimelineModel(trace, pace);
  const shownKinds = useMemo(() => (model === null ? null : kindMask(model, hiddenKinds)), [model, hiddenKinds]);
  const matches = useMemo(() => (model === null ? null : bothMasks(matchFilter(model, filter), shownKinds)), [model, filter, shownKinds]);
  const collapsedNodes = useMemo(() => {
    const nodes = new Set<number>();
    if (model !== null) {
      for (const key of collapsed) {
        const node = nodeOfKey(model, key);
        if (node >= 0) nodes.add(node);
      }
    }
    return nodes;
  }, [model, collapsed]);
  const rows = useMemo(() => (model === null ? null : buildRows(model, collapsedNodes, matches)), [model, collapsedNodes, matches]);
  const selected = model === null || selectedKey === null ? -1 : nodeOfKey(model, selectedKey);
  const arrows = useMemo(() => (model === null ? [] : arrowsFrom(model, selected)), [model, selected]);
  if (model === null || rows === null) return null;
  return { model, rows, collapsedNodes, selected, arrows, shownKinds };
}

const NO_KINDS: ReadonlySet<RowKind> = new Set();

/**
 * Whether `trace` looks like a later snapshot of `before`'s session, checked in constant time:
 * the same clock, and the tasks `before` had first and last at the same places. A session
 * replaced by another (a kept recording opened, a file) fails it and is modelled at once; one
 * that passes wrongly is still modelled right, from scratch, only in slices.
 */
function likelyGrewFrom(before: Trace, trace: Trace): boolean {
  const count = before.tasks.length;
  if (before.metadata.timeOrigin !== trace.metadata.timeOrigin || trace.tasks.length < count) return false;
  return count === 0 || (trace.tasks[0]!.id === before.tasks[0]!.id && trace.tasks[count - 1]!.id === before.tasks[count - 1]!.id);
}

/**
 * The timeline model of `trace`. A new session (or a loaded one) is modelled at once; a later
 * snapshot of the session shown is modelled by a ModelJob, from the model before, in slices:
 * until it is done, the model before stays shown. `pace` is told when a build starts and ends.
 */
function useTimelineModel(trace: Trace | null, pace: SnapshotPace | null): TimelineModel | null {
  const job = useRef<ModelJob | null>(null);
  const [, modelBuilt] = useState(0);
  const shown = job.current?.latest ?? null;
  let model: TimelineModel | null;
  if (trace === null || trace.tasks.length + trace.nativeOps.length === 0) model = null;
  else if (shown !== null && (shown.trace === trace || likelyGrewFrom(shown.trace, trace))) model = shown;
  else model = buildTimelineModel(trace, shown);
  if (model !== shown) {
    job.current?.dispose();
    job.current = model === null ? null : new ModelJob(model, () => modelBuilt((n) => n + 1), BROWSER_SCHEDULER, (building) => pace?.setBuilding(building));
  }
  useEffect(() => {
    if (trace !== null && model !== null && model.trace !== trace) job.current?.want(trace);
  }, [trace, model]);
  useEffect(() => () => job.current?.dispose(), []);
  return model;
}
