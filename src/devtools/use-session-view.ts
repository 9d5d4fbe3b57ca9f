/**
 * The view of the current session: the timeline model (rebuilt only when the trace changes),
 * the filter's matches, the rows after collapsing and filtering, and
 * the selection — kept by task id, so it survives the live session growing.
 */
import { useMemo } from "preact/hooks";
import type { Trace } from "../trace/model.ts";
import { arrowsFrom, type Arrow } from "./timeline/arrows.ts";
import { buildTimelineModel, nodeOfKey, type NodeKey, type TimelineModel } from "./timeline/model.ts";
import { buildRows, matchFilter, type RowList } from "./timeline/rows.ts";

export interface SessionView {
  readonly model: TimelineModel;
  readonly rows: RowList;
  readonly collapsedNodes: ReadonlySet<number>;
  readonly selected: number;
  readonly arrows: readonly Arrow[];
}

export function useSessionView(trace: Trace | null, filter: string, collapsed: ReadonlySet<NodeKey>, selectedKey: NodeKey | null): SessionView | null {
  const model = useMemo(() => (trace === null || trace.tasks.length + trace.nativeOps.length === 0 ? null : buildTimelineModel(trace)), [trace]);
  const matches = useMemo(() => (model === null ? null : matchFilter(model, filter)), [model, filter]);
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
  return { model, rows, collapsedNodes, selected, arrows };
}
