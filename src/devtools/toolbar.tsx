/**
 * The panel's toolbar, in DevTools' style: record/stop, reload and record, clear; import and
 * export; the view switch; the filter box and the filter by kind; and the live counters.
 */
import type { ComponentChildren } from "preact";
import { useMenu } from "./use-menu.ts";
import type { StoreSnapshot } from "./recording-store.ts";
import type { ExportFormat } from "./io/export.ts";
import { formatCount } from "./format.ts";
import { KindFilterMenu, type KindFilterProps } from "./kind-filter-menu.tsx";

export type PanelView = "timeline" | "statistics" | "insights" | "compare" | "now";

const VIEW_TITLES: Readonly<Record<PanelView, string>> = { timeline: "Timeline", statistics: "Statistics", insights: "Insights", compare: "Compare", now: "Now" };

export interface ToolbarProps {
  readonly snapshot: StoreSnapshot;
  readonly hasSession: boolean;
  readonly view: PanelView;
  readonly filter: string;
  readonly matchCount: number | null;
  readonly filterRef: { current: HTMLInputElement | null };
  /** The "record native operations" switch, where the store offers it. */
  readonly native: { readonly enabled: boolean; onChange(enabled: boolean): void } | null;
  /** The "Show in Performance panel" switch (remembered by the caller). */
  readonly performanceTracks: { readonly enabled: boolean; onChange(enabled: boolean): void } | null;
  /** The flight recorder's switch (per tab) and its "Save last 30 s"; null where the store has none. */
  readonly flightRecorder?: { readonly enabled: boolean; onChange(enabled: boolean): void; onSave(): void } | null;
  /** The session shown was saved from the flight recorder: its start marker's label and detail (evicted, dropped). */
  readonly flightSession?: { readonly label: string; readonly detail: string } | null;
  onRecord(): void;
  onStop(): void;
  onReloadAndRecord(): void;
  onClear(): void;
  onImport(): void;
  onExport(format: ExportFormat): void;
  onView(view: PanelView): void;
  onFilter(filter: string): void;
  /** The filter by kind; null without a session. */
  readonly kinds: KindFilterProps | null;
  /** The kept-recordings menu, where recordings are kept. */
  readonly savedMenu: ComponentChildren;
  /** The "Compare with…" menu; a comparison under way adds the "Compare" view. */
  readonly compareMenu?: ComponentChildren;
  readonly comparing?: boolean;
}

function ToolbarButton(props: { title: string; label: string; testid: string; disabled?: boolean; toggled?: boolean; onClick(): void; children: ComponentChildren }) {
  return (
    <button
      type="button"
      class={`toolbar-button${props.toggled === true ? " toggled" : ""}`}
      title={props.title}
      aria-label={props.label}
      aria-pressed={props.toggled}
      data-testid={props.testid}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <svg viewBox="0 0 20 20" aria-hidden="true">{props.children}</svg>
    </button>
  );
}

function ExportMenu({ disabled, onExport }: { disabled: boolean; onExport(format: ExportFormat): void }) {
  const { open, setOpen, root } = useMenu();
  const choose = (format: ExportFormat): void => {
    setOpen(false);
    onExport(format);
  };
  return (
    <div class="menu-anchor" ref={root}>
      <ToolbarButton title="Export… (Ctrl+S)" label="Export" testid="export-button" disabled={disabled} onClick={() => setOpen(!open)}>
        <path d="M10 3v8.2l2.8-2.8 1.06 1.06L10 13.3 6.14 9.46 7.2 8.4 10 11.2V3h0zM4 14.5h12V16H4z" />
      </ToolbarButton>
      {open && (
        <div class="menu" role="menu" data-testid="export-menu">
          <button type="button" role="menuitem" class="menu-item" data-testid="export-aioscope" onClick={() => choose("aioscope")}>
            aioscope JSON<span class="menu-shortcut">Ctrl+S</span>
          </button>
          <button type="button" role="menuitem" class="menu-item" data-testid="export-chrome" onClick={() => choose("chrome")}>
            Chrome trace (Perfetto, Performance panel)<span class="menu-shortcut">Ctrl+Shift+S</span>
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * The flight recorder: a switch (the tab's pages keep their last 30 s while nobody records)
 * and "Save last 30 s", which turns what they kept into a recording.
 */
function FlightRecorderControls(props: { enabled: boolean; recording: boolean; onChange(enabled: boolean): void; onSave(): void }) {
  return (
    <>
      <div class="toolbar-divider" />
      <label class="toolbar-checkbox" title="Flight recorder: this tab's pages keep their last 30 s of tasks and native work, even while this panel is closed; “Save last 30 s” makes it a recording">
        <input
          type="checkbox"
          data-testid="flight-recorder-toggle"
          aria-label="Flight recorder"
          checked={props.enabled}
          onChange={(event) => props.onChange((event.target as HTMLInputElement).checked)}
        />
        Flight recorder
      </label>
      <button
        type="button"
        class="toolbar-button with-text"
        title={props.enabled ? "Save last 30 s: what the pages kept becomes a recording" : "Turn the flight recorder on first"}
        data-testid="flight-save-button"
        disabled={!props.enabled || props.recording}
        onClick={props.onSave}
      >
        <svg viewBox="0 0 20 20" aria-hidden="true">
          <path d="M10 3a7 7 0 1 1-6.93 8h1.52A5.5 5.5 0 1 0 5.6 6.7L7.4 8.5H3V4.1l1.54 1.54A6.98 6.98 0 0 1 10 3zm-.75 3h1.5v3.7l2.6 2.6-1.06 1.06-3.04-3.04V6z" />
        </svg>
        Save last 30 s
      </button>
    </>
  );
}

export function Toolbar(props: ToolbarProps) {
  const { snapshot } = props;
  const recording = snapshot.phase === "recording";
  return (
    <div class="toolbar" role="toolbar" aria-label="Recording controls" data-testid="toolbar">
      <ToolbarButton
        title={recording ? "Stop (Ctrl+E)" : "Record (Ctrl+E)"}
        label={recording ? "Stop" : "Record"}
        testid="record-button"
        toggled={recording}
        onClick={() => (recording ? props.onStop() : props.onRecord())}
      >
        {recording ? <rect x="5" y="5" width="10" height="10" rx="1" /> : <circle cx="10" cy="10" r="6" />}
      </ToolbarButton>
      <ToolbarButton title="Reload page and record (Ctrl+Shift+E)" label="Reload and record" testid="reload-record-button" onClick={props.onReloadAndRecord}>
        <path d="M10 4a6 6 0 1 0 5.66 8h-1.8A4.5 4.5 0 1 1 10 5.5c1.24 0 2.36.5 3.18 1.32L11 9h5V4l-1.76 1.76A5.98 5.98 0 0 0 10 4z" />
      </ToolbarButton>
      <ToolbarButton title="Clear" label="Clear" testid="clear-button" disabled={snapshot.phase === "idle" && !props.hasSession} onClick={props.onClear}>
        <path d="M10 3a7 7 0 1 0 0 14 7 7 0 0 0 0-14zm0 1.5a5.5 5.5 0 0 1 4.34 8.88L6.62 5.66A5.47 5.47 0 0 1 10 4.5zM5.66 6.62l7.72 7.72A5.5 5.5 0 0 1 5.66 6.62z" />
      </ToolbarButton>
      <div class="toolbar-divider" />
      <ToolbarButton title="Import a trace file… (Ctrl+O, or drop a file on the panel)" label="Import" testid="import-button" onClick={props.onImport}>
        <path d="M10 16V7.8l2.8 2.8 1.06-1.06L10 5.7 6.14 9.54 7.2 10.6 10 7.8V16h0zM4 3h12v1.5H4z" />
      </ToolbarButton>
      <ExportMenu disabled={!props.hasSession} onExport={props.onExport} />
      {props.savedMenu}
      {props.compareMenu}
      <div class="toolbar-divider" />
      <div class="toolbar-tabs" role="tablist" aria-label="View">
        {(props.comparing === true ? (["timeline", "statistics", "insights", "compare", "now"] as const) : (["timeline", "statistics", "insights", "now"] as const)).map((view) => (
          <button
            key={view}
            type="button"
            role="tab"
            class={`toolbar-tab${props.view === view ? " selected" : ""}`}
            aria-selected={props.view === view}
            data-testid={`view-${view}`}
            disabled={!props.hasSession && view !== "now"}
            title={view === "now" ? "What every task of the page is waiting for now, recording or not" : undefined}
            onClick={() => props.onView(view)}
          >
            {VIEW_TITLES[view]}
          </button>
        ))}
      </div>
      <div class="toolbar-divider" />
      <input
        ref={props.filterRef}
        type="search"
        class="toolbar-filter"
        placeholder="Filter tasks"
        aria-label="Filter tasks by name, id, kind or outcome (Ctrl+F)"
        title="Filter tasks by name, id (#12), kind or outcome (Ctrl+F)"
        data-testid="filter-input"
        value={props.filter}
        onInput={(event) => props.onFilter((event.target as HTMLInputElement).value)}
      />
      {props.kinds !== null && <KindFilterMenu {...props.kinds} />}
      {props.matchCount !== null && <span class="toolbar-text" data-testid="filter-count">{formatCount(props.matchCount)} match{props.matchCount === 1 ? "" : "es"}</span>}
      {props.native !== null && (
        <label class="toolbar-checkbox" title="Also record native operations: fetch and XHR, timers, abort signals, long tasks, script and module loads, workers">
          <input type="checkbox" data-testid="native-toggle" checked={props.native.enabled} onChange={(event) => props.native?.onChange((event.target as HTMLInputElement).checked)} />
          Native
        </label>
      )}
      {props.performanceTracks !== null && (
        <label class="toolbar-checkbox" title="Show in Performance panel: the page's tasks appear as tracks (group “aioscope tasks”) in the Performance panel's recordings, even while this panel does not record">
          <input
            type="checkbox"
            data-testid="performance-tracks-toggle"
            aria-label="Show in Performance panel"
            checked={props.performanceTracks.enabled}
            onChange={(event) => props.performanceTracks?.onChange((event.target as HTMLInputElement).checked)}
          />
          Performance panel
        </label>
      )}
      {props.flightRecorder != null && <FlightRecorderControls {...props.flightRecorder} recording={recording} />}
      <div class="toolbar-spacer" />
      {snapshot.loaded !== null && <span class="toolbar-text session-label" data-testid="session-label" title={snapshot.loaded.label}>{snapshot.loaded.label}</span>}
      {props.flightSession != null && (
        <span class="toolbar-text session-label" data-testid="flight-session-label" title={props.flightSession.detail}>{props.flightSession.label}</span>
      )}
      <span class="toolbar-text" data-testid="event-count">{formatCount(snapshot.events)} events</span>
      {snapshot.droppedEvents > 0 && (
        <span class="toolbar-text warning" data-testid="dropped-count" title="Events the page could not keep: its buffer was full">
          {formatCount(snapshot.droppedEvents)} dropped
        </span>
      )}
      {snapshot.refused === 0 && snapshot.problems.length > 0 && (
        <span class="toolbar-text warning" data-testid="problem-count" title={snapshot.problems.join("\n")}>
          {snapshot.problems.length} problem{snapshot.problems.length === 1 ? "" : "s"}
        </span>
      )}
      {snapshot.refused > 0 && (
        <span class="toolbar-text warning" data-testid="refused-count" title={snapshot.problems.join("\n")}>
          {snapshot.refused} refused
        </span>
      )}
      {snapshot.forged > 0 && (
        <span class="toolbar-text warning" data-testid="forged-count" title="Messages the page posted to pass for aioscope's own: ignored">
          {formatCount(snapshot.forged)} forged, ignored
        </span>
      )}
    </div>
  );
}
