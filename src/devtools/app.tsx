/**
 * The Async panel's UI. It knows nothing of `chrome.*`: the entry point (panel.tsx) wires the
 * extension APIs into a RecordingStore, so the same component can be mounted in a plain page.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { RecordingStore, StoreSnapshot } from "./recording-store.ts";
import type { TaskRecord, Trace } from "../trace/model.ts";

/** Redraws at most this often while batches stream in. */
const RENDER_INTERVAL_MS = 100;
/** Rows shown in the task list; the timeline shows them all. */
const MAX_TASK_ROWS = 500;

function useStore(store: RecordingStore): { snapshot: StoreSnapshot; trace: Trace | null } {
  const [state, setState] = useState(() => ({ snapshot: store.snapshot(), trace: store.trace() }));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const update = (): void => {
      timer = null;
      setState({ snapshot: store.snapshot(), trace: store.trace() });
    };
    const unsubscribe = store.subscribe(() => {
      timer ??= setTimeout(update, RENDER_INTERVAL_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [store]);
  return state;
}

function useShortcuts(store: RecordingStore, recording: boolean): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "e") return;
      event.preventDefault();
      if (event.shiftKey) store.record({ reload: true });
      else if (recording) store.stop();
      else store.record();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [store, recording]);
}

function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function TaskRow({ task, trace }: { task: TaskRecord; trace: Trace }) {
  const duration = (task.end ?? trace.end) - task.created;
  return (
    <tr data-testid="task-row" data-task-name={task.name} data-outcome={task.outcome} data-kind={task.kind}>
      <td class="task-name">{task.name}</td>
      <td>{task.kind}</td>
      <td class={`outcome outcome-${task.outcome}`}>{task.outcome}{task.error !== null ? `: ${task.error.name}` : ""}</td>
      <td class="number">{formatMs(task.created)}</td>
      <td class="number">{formatMs(duration)}</td>
    </tr>
  );
}

export function App({ store }: { store: RecordingStore }) {
  const { snapshot, trace } = useStore(store);
  const recording = snapshot.phase === "recording";
  useShortcuts(store, recording);
  const tasks = useMemo(() => trace?.tasks.slice(0, MAX_TASK_ROWS) ?? [], [trace]);

  return (
    <div class="panel" data-testid="panel-root" data-phase={snapshot.phase}>
      <div class="toolbar" role="toolbar" aria-label="Recording controls" data-testid="toolbar">
        <button
          type="button"
          class={`toolbar-button${recording ? " toggled" : ""}`}
          title={recording ? "Stop (Ctrl+E)" : "Record (Ctrl+E)"}
          aria-label={recording ? "Stop" : "Record"}
          aria-pressed={recording}
          data-testid="record-button"
          onClick={() => (recording ? store.stop() : store.record())}
        >
          <svg class="record-icon" viewBox="0 0 20 20" aria-hidden="true">
            {recording ? <rect x="5" y="5" width="10" height="10" rx="1" /> : <circle cx="10" cy="10" r="6" />}
          </svg>
        </button>
        <button
          type="button"
          class="toolbar-button"
          title="Reload page and record (Ctrl+Shift+E)"
          aria-label="Reload and record"
          data-testid="reload-record-button"
          onClick={() => store.record({ reload: true })}
        >
          <svg viewBox="0 0 20 20" aria-hidden="true">
            <path d="M10 4a6 6 0 1 0 5.66 8h-1.8A4.5 4.5 0 1 1 10 5.5c1.24 0 2.36.5 3.18 1.32L11 9h5V4l-1.76 1.76A5.98 5.98 0 0 0 10 4z" />
          </svg>
        </button>
        <button
          type="button"
          class="toolbar-button"
          title="Clear"
          aria-label="Clear"
          data-testid="clear-button"
          disabled={snapshot.phase === "idle"}
          onClick={() => store.clear()}
        >
          <svg viewBox="0 0 20 20" aria-hidden="true">
            <path d="M10 3a7 7 0 1 0 0 14 7 7 0 0 0 0-14zm0 1.5a5.5 5.5 0 0 1 4.34 8.88L6.62 5.66A5.47 5.47 0 0 1 10 4.5zM5.66 6.62l7.72 7.72A5.5 5.5 0 0 1 5.66 6.62z" />
          </svg>
        </button>
        <div class="toolbar-divider" />
        <span class="toolbar-text" data-testid="event-count">{snapshot.events.toLocaleString("en-US")} events</span>
        {snapshot.droppedEvents > 0 && (
          <span class="toolbar-text warning" data-testid="dropped-count" title="Events the page could not keep: its buffer was full">
            {snapshot.droppedEvents.toLocaleString("en-US")} dropped
          </span>
        )}
        {snapshot.refused > 0 && (
          <span class="toolbar-text warning" data-testid="refused-count" title={snapshot.problems.join("\n")}>
            {snapshot.refused} refused
          </span>
        )}
      </div>
      {trace === null || trace.tasks.length === 0 ? (
        <div class="empty-state" data-testid="empty-state">
          <p class="empty-state-text">
            {recording ? "Recording… run some async code in the page." : "No recording. Press record (Ctrl+E) to capture async activity, or reload and record (Ctrl+Shift+E) to catch the page's start-up."}
          </p>
        </div>
      ) : (
        <div class="task-list" data-testid="task-list">
          <table>
            <thead>
              <tr><th>Task</th><th>Kind</th><th>Outcome</th><th class="number">Created</th><th class="number">Duration</th></tr>
            </thead>
            <tbody>
              {tasks.map((task) => <TaskRow key={task.id} task={task} trace={trace} />)}
            </tbody>
          </table>
          {trace.tasks.length > MAX_TASK_ROWS && <p class="list-note">{trace.tasks.length - MAX_TASK_ROWS} more tasks not listed.</p>}
        </div>
      )}
    </div>
  );
}
