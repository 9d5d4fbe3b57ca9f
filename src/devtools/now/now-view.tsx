/**
 * "Now": what every task of the page is waiting for at this moment, recording or not — the
 * live await tree of each frame (trace/analysis/snapshot.ts), blocked tasks first, deadlock
 * cycles named above it and their tasks highlighted. Refreshed on demand or every second.
 *
 * Everything shown comes from the page: it is rendered as text, never as markup.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { LiveFrame, RecordingStore } from "../recording-store.ts";
import {
  describeCycle, describeLiveAwait, snapshotCycles, snapshotRows, taskLabel,
  type SnapshotRow, type SnapshotTask,
} from "../../trace/analysis/snapshot.ts";
import type { CreationSite } from "../../trace/model.ts";
import { formatTime, shortFile } from "../format.ts";
import "./now.css";

/** How often "Auto-refresh" asks again. */
export const AUTO_REFRESH_MS = 1000;

export interface NowViewProps {
  readonly store: RecordingStore;
  /** Re-renders when the store changes (the answers arrive through it). */
  readonly version: unknown;
  /** Opens a creation site in Sources; null where there is no Sources panel (the plain-page viewer). */
  readonly onOpenSite: ((site: CreationSite) => void) | null;
}

export function NowView(props: NowViewProps) {
  const { store } = props;
  const [auto, setAuto] = useState(false);
  const live = store.liveState();

  // The first look asks at once; auto-refresh asks again every second while on.
  useEffect(() => {
    if (store.liveState().id === 0) store.requestLive();
  }, [store]);
  useEffect(() => {
    if (!auto) return;
    const timer = setInterval(() => store.requestLive(), AUTO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [auto, store]);

  const tasks = live.frames.reduce((n, f) => n + f.snapshot.tasks.length, 0);
  return (
    <div class="now" data-testid="now-view">
      <div class="now-header">
        <button type="button" class="now-button" data-testid="now-refresh" onClick={() => store.requestLive()}>Refresh</button>
        <label class="now-auto">
          <input type="checkbox" data-testid="now-auto" checked={auto} onChange={(e) => setAuto((e.currentTarget as HTMLInputElement).checked)} />
          Auto-refresh
        </label>
        <span class="now-summary" data-testid="now-summary">
          {live.id === 0 ? "" : live.frames.length === 0 ? "Waiting for the page…" : `${tasks} live task${tasks === 1 ? "" : "s"} in ${live.frames.length} frame${live.frames.length === 1 ? "" : "s"}`}
        </span>
      </div>
      <div class="now-body">
        {live.frames.map((frame) => (
          <FrameTree key={`${frame.frame.frameId}/${frame.frame.documentId}`} frame={frame} many={live.frames.length > 1} onOpenSite={props.onOpenSite} />
        ))}
      </div>
    </div>
  );
}

type OpenSite = ((site: CreationSite) => void) | null;

function FrameTree(props: { frame: LiveFrame; many: boolean; onOpenSite: OpenSite }) {
  const { snapshot } = props.frame;
  const { rows, cycles, byId } = useMemo(() => {
    const found = snapshotCycles(snapshot);
    return { rows: snapshotRows(snapshot, found), cycles: found, byId: new Map(snapshot.tasks.map((t) => [t.id, t])) };
  }, [snapshot]);
  const silent = snapshot.runtimes.filter((r) => !r.answered).length;
  return (
    <section class="now-frame" data-testid="now-frame">
      {props.many && <h3 class="now-frame-url">{props.frame.isTopFrame ? "Top frame" : "Frame"}: {props.frame.url ?? `frame ${props.frame.frame.frameId}`}</h3>}
      {cycles.map((cycle, k) => (
        <div key={k} class="now-deadlock" role="alert" data-testid="now-deadlock">{describeCycle(cycle, byId)}</div>
      ))}
      {snapshot.tasks.length === 0 ? (
        <div class="now-empty" data-testid="now-empty">No live runtime tasks in this frame.</div>
      ) : (
        <table class="now-table">
          <thead>
            <tr><th>Task</th><th>Doing</th><th class="number">Waiting for</th><th>Created at</th></tr>
          </thead>
          <tbody>
            {rows.map((row) => <NowRow key={row.task.id} row={row} byId={byId} onOpenSite={props.onOpenSite} />)}
          </tbody>
        </table>
      )}
      {snapshot.omitted > 0 && <div class="now-note">{snapshot.omitted} more live tasks were left out.</div>}
      {silent > 0 && <div class="now-note">{silent} runtime cop{silent === 1 ? "y is" : "ies are"} too old to answer: {silent === 1 ? "its" : "their"} tasks are missing.</div>}
    </section>
  );
}

function NowRow(props: { row: SnapshotRow; byId: ReadonlyMap<number, SnapshotTask>; onOpenSite: OpenSite }) {
  const { row } = props;
  const { task } = row;
  const site = task.site;
  const cls = `now-row${row.inCycle ? " in-cycle" : row.stuck ? " stuck" : ""}${task.state === "waiting" ? "" : " active"}`;
  return (
    <tr class={cls} data-testid="now-row" data-task={task.id} data-state={task.state} data-cycle={row.inCycle ? "true" : undefined}>
      <td class="now-name" style={{ paddingLeft: `${6 + row.depth * 16}px` }} title={taskLabel(task)}>
        {row.depth > 0 && <span class="now-branch" aria-hidden="true">└ </span>}
        {taskLabel(task)}
        {task.cancelling && <span class="now-tag">cancelling</span>}
      </td>
      <td class="now-doing">{describeLiveAwait(task, props.byId)}</td>
      <td class="number">{row.waited === null ? "" : formatTime(row.waited)}</td>
      <td class="now-site">
        {site !== null && (props.onOpenSite === null ? <span title={`${site.file}:${site.line}:${site.column}`}>{shortFile(site.file)}:{site.line}</span> : (
          <button type="button" class="text-button now-site-link" title={`${site.file}:${site.line}:${site.column}`} onClick={() => props.onOpenSite?.(site)}>
            {shortFile(site.file)}:{site.line}
          </button>
        ))}
      </td>
    </tr>
  );
}
