/**
 * The panel's body once there is a session: the timeline or the statistics, and beside them
 * (below them in a narrow panel) the details of the selected task. Selections made outside
 * the chart — a link in the details, a warning, automation — expand the task's collapsed
 * ancestors and scroll it into view.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { TaskDetails, type TaskCanceller } from "./details/task-details.tsx";
import type { PanelServices } from "./services.ts";
import { StatsView } from "./stats/stats-view.tsx";
import type { TimelineController } from "./timeline/controller.ts";
import { hasChildren, keyOfNode, nodeOfKey, type NodeKey } from "./timeline/model.ts";
import { collapsedAncestors, isFolded } from "./timeline/rows.ts";
import { Timeline } from "./timeline/timeline.tsx";
import { nodeExtent } from "./timeline/draw-rows.ts";
import type { PanelView } from "./toolbar.tsx";
import { InsightsView } from "./insights/insights-view.tsx";
import type { SessionView } from "./use-session-view.ts";
import { CompareView, type ComparedRecording } from "./compare/compare-view.tsx";

export interface WorkspaceProps {
  readonly view: PanelView;
  readonly session: SessionView;
  readonly services: PanelServices;
  /** `reveal`: the selection came from outside the chart; show it there. */
  onSelect(key: NodeKey | null, reveal: boolean): void;
  onToggle(key: NodeKey): void;
  onExpand(keys: readonly NodeKey[]): void;
  /** Filters the timeline (from the statistics' name table) and shows it. */
  onFilter(filter: string): void;
  /** "Compare with…": the recording the session is compared with, and the session's own name. */
  readonly comparison?: { readonly before: ComparedRecording; readonly afterLabel: string; onClose(): void } | null;
  /** "Cancel task" in the details, for a recording of an attached page. */
  readonly cancel?: TaskCanceller;
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

export function Workspace(props: WorkspaceProps) {
  const { session, services } = props;
  const { model, rows, selected } = session;
  const [revealRequest, setRevealRequest] = useState(0);
  /** A node to scroll to without selecting it ("Scroll to cause"), once its row exists. */
  const [pendingReveal, setPendingReveal] = useState<NodeKey | null>(null);
  const controller = useRef<TimelineController | null>(null);
  const latest = useRef(props);
  latest.current = props;

  const selectKey = (key: NodeKey): boolean => {
    const { model: m, collapsedNodes } = latest.current.session;
    const node = nodeOfKey(m, key);
    if (node < 0) return false;
    latest.current.onExpand(collapsedAncestors(m, collapsedNodes, node).map((n) => keyOfNode(m, n)));
    latest.current.onSelect(key, true);
    setRevealRequest((n) => n + 1);
    return true;
  };

  const revealKey = (key: NodeKey): void => {
    const { model: m, collapsedNodes } = latest.current.session;
    const node = nodeOfKey(m, key);
    if (node < 0) return;
    latest.current.onExpand(collapsedAncestors(m, collapsedNodes, node).map((n) => keyOfNode(m, n)));
    setPendingReveal(key);
  };

  // After the rows that show it are built: scroll to it.
  useEffect(() => {
    if (pendingReveal === null) return;
    const node = nodeOfKey(model, pendingReveal);
    const row = node < 0 ? -1 : rows.rowOf[node]!;
    if (row >= 0) controller.current?.reveal(row, nodeExtent(model, node));
    setPendingReveal(null);
  }, [pendingReveal, rows, model]);

  // Arrow keys walk the rows while the chart (or nothing in particular) has the focus.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const { session: s, view } = latest.current;
      if (view !== "timeline" || isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      const focus = document.activeElement;
      if (focus !== null && focus !== document.body && !focus.classList.contains("timeline-scroller")) return;
      const row = s.selected >= 0 ? s.rows.rowOf[s.selected]! : -1;
      let next = -1;
      if (event.key === "ArrowDown") next = Math.min(s.rows.nodes.length - 1, row + 1);
      else if (event.key === "ArrowUp") next = Math.max(0, row - 1);
      else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && s.selected >= 0 && hasChildren(s.model, s.selected)) {
        const isCollapsed = isFolded(s.model, s.collapsedNodes, s.selected, s.rows.filtered);
        if ((event.key === "ArrowLeft") !== isCollapsed) latest.current.onToggle(keyOfNode(s.model, s.selected));
        event.preventDefault();
        return;
      } else return;
      event.preventDefault();
      if (next < 0 || next >= s.rows.nodes.length) return;
      latest.current.onSelect(keyOfNode(s.model, s.rows.nodes[next]!), false);
      setRevealRequest((n) => n + 1);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const hub = services.automation;
    if (hub === null) return;
    hub.view = {
      rows: () => controller.current?.visibleRows() ?? [],
      window: () => controller.current?.getWindow() ?? null,
      setWindow: (window) => controller.current?.setWindow(window),
      selectTask: (id) => selectKey(id),
      drawNow: () => controller.current?.draw() ?? 0,
      frameTimes: () => {
        const times = controller.current?.frameTimes;
        return { total: times?.total ?? 0, samples: times?.list() ?? [], firstAt: times?.firstAt ?? null, lastAt: times?.lastAt ?? null };
      },
      resetFrameTimes: () => controller.current?.frameTimes.reset(),
      drawnFrame: () => controller.current?.lastFrame ?? null,
    };
    return () => {
      hub.view = null;
    };
  }, [services.automation]);

  return (
    <div class="workspace" data-testid="workspace">
      <div class="workspace-main">
        <div class="view-pane" hidden={props.view !== "timeline"}>
          <Timeline
            model={model}
            rows={rows}
            collapsed={session.collapsedNodes}
            selected={selected}
            arrows={session.arrows}
            shownKinds={session.shownKinds}
            revealRequest={revealRequest}
            active={props.view === "timeline"}
            onSelect={(node) => props.onSelect(node === null ? null : keyOfNode(model, node), false)}
            onToggle={(node) => props.onToggle(keyOfNode(model, node))}
            onWindow={() => undefined}
            onController={(instance) => (controller.current = instance)}
          />
        </div>
        {props.view === "insights" && <InsightsView model={model} onSelect={(key) => selectKey(key)} />}
        {props.view === "compare" && props.comparison != null && (
          <CompareView before={props.comparison.before} after={{ model, label: props.comparison.afterLabel }} onClose={props.comparison.onClose} />
        )}
        {props.view === "statistics" && (
          <StatsView
            model={model}
            window={controller.current?.getWindow() ?? null}
            onSelectTask={(id) => selectKey(id)}
            onFilter={props.onFilter}
          />
        )}
      </div>
      <aside class={`workspace-side${selected >= 0 ? "" : " empty"}`} aria-label="Task details" hidden={props.view === "compare"}>
        {selected >= 0 ? (
          <TaskDetails
            model={model}
            node={selected}
            onSelectTask={(id) => selectKey(id)}
            onReveal={revealKey}
            onOpenSite={services.openSite}
            onClose={() => props.onSelect(null, false)}
            {...(props.cancel === undefined ? {} : { cancel: props.cancel })}
          />
        ) : (
          <div class="details-empty" data-testid="details-empty">Select a task on the timeline to see its details.</div>
        )}
      </aside>
    </div>
  );
}
