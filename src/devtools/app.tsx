/**
 * The Async panel's UI. It knows nothing of `chrome.*`: the entry point (panel.tsx) wires the
 * extension APIs into a RecordingStore and PanelServices, so the same component is mounted in
 * a plain page by the inline shell.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { RecordingStore } from "./recording-store.ts";
import type { PanelServices } from "./services.ts";
import { useStore } from "./use-store.ts";
import { SnapshotPace } from "./session/snapshot-pace.ts";
import { useShortcuts } from "./shortcuts.ts";
import { useSessionView } from "./use-session-view.ts";
import { useFiles } from "./io/use-files.ts";
import { useFileDrop } from "./io/use-file-drop.ts";
import { TraceFileInput } from "./io/trace-file-input.tsx";
import { Toolbar, type PanelView } from "./toolbar.tsx";
import { Banner, ImportProgressBar, type BannerMessage } from "./notices.tsx";
import { Workspace } from "./workspace.tsx";
import { EmptyState } from "./empty-state.tsx";
import { NowView } from "./now/now-view.tsx";
import { RecordingKeeper } from "./storage/keeper.ts";
import { SavedMenu } from "./storage/saved-menu.tsx";
import type { SavedRecording, StorageError } from "./storage/recordings-db.ts";
import type { NodeKey } from "./timeline/model.ts";
import { rememberPerformanceTracks, rememberedPerformanceTracks } from "./performance-tracks-setting.ts";
import { CompareMenu } from "./compare/compare-menu.tsx";
import type { ComparedRecording } from "./compare/compare-view.tsx";
import { kindsPresent, rememberedHiddenKinds, rememberHiddenKinds, type RowKind } from "./timeline/kind-filter.ts";
import type { Trace } from "../trace/model.ts";

const INFO_BANNER_MS = 4000;

export function App({ store, services }: { store: RecordingStore; services: PanelServices }) {
  // The live session's snapshots wait for the timeline's model build under way (snapshot-pace.ts).
  const [pace] = useState(() => new SnapshotPace());
  const { snapshot, trace } = useStore(store, pace);
  const [view, setView] = useState<PanelView>("timeline");
  const [filter, setFilter] = useState("");
  const [selectedKey, setSelectedKey] = useState<NodeKey | null>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<NodeKey>>(new Set());
  const [banner, setBanner] = useState<BannerMessage | null>(null);
  const [savedVersion, setSavedVersion] = useState(0);
  const [comparison, setComparison] = useState<ComparedRecording | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const [hiddenKinds, setHiddenKinds] = useState<ReadonlySet<RowKind>>(rememberedHiddenKinds);
  const sessionView = useSessionView(trace, filter, collapsed, selectedKey, hiddenKinds, pace);
  const recording = snapshot.phase === "recording";

  // "Show in Performance panel" is remembered from one DevTools session to the next.
  useEffect(() => store.setPerformanceTracks(rememberedPerformanceTracks()), [store]);

  // A new session starts with nothing selected or collapsed.
  useEffect(() => {
    setSelectedKey(null);
    setCollapsed(new Set());
  }, [snapshot.session, snapshot.loaded]);

  useEffect(() => {
    if (banner?.kind !== "info") return;
    const timer = setTimeout(() => setBanner((b) => (b === banner ? null : b)), INFO_BANNER_MS);
    return () => clearTimeout(timer);
  }, [banner]);

  const reportStorage = (error: StorageError): void => setBanner({ kind: "error", text: error.message });
  useEffect(() => {
    if (services.storage === null) return;
    const keeper = new RecordingKeeper(store, services.storage, reportStorage, () => setSavedVersion((v) => v + 1));
    return () => keeper.dispose();
  }, [store, services.storage]);

  const files = useFiles(store, services, trace, snapshot, setBanner, () => setView("timeline"));
  const dragging = useFileDrop((file) => void files.importFile(file));

  const openSaved = (saved: SavedRecording): void => {
    services.storage?.load(saved.key).then(
      (kept) => {
        if (kept === null) setBanner({ kind: "error", text: `The kept recording “${saved.title}” is no longer in storage.` });
        else store.load(kept, { kind: "saved", label: saved.title, key: saved.key });
      },
      reportStorage,
    );
  };

  const compareWith = (compared: ComparedRecording): void => {
    setComparison(compared);
    setBanner(null);
    setView("compare");
  };
  const endComparison = (): void => {
    setComparison(null);
    setView("timeline");
  };
  const compareWithFile = (file: File): void => {
    services.importer.importFile(file, () => {}).then((result) => {
      if (result.ok) compareWith({ trace: result.trace, label: file.name });
      else setBanner({ kind: "error", text: `Could not compare with ${file.name}: ${result.error.path}: ${result.error.message}` });
    }, (error: unknown) => setBanner({ kind: "error", text: `Could not compare with ${file.name}: ${String(error)}` }));
  };
  const compareWithSaved = (saved: SavedRecording): void => {
    services.storage?.load(saved.key).then(
      (kept) => {
        if (kept === null) setBanner({ kind: "error", text: `The kept recording “${saved.title}” is no longer in storage.` });
        else compareWith({ trace: kept, label: saved.title });
      },
      reportStorage,
    );
  };

  useShortcuts({
    toggleRecording: () => (recording ? store.stop() : store.record()),
    reloadAndRecord: () => store.record({ reload: true }),
    exportAioscope: () => files.exportAs("aioscope"),
    exportChrome: () => files.exportAs("chrome"),
    importFile: () => fileInput.current?.click(),
    focusFilter: () => filterRef.current?.focus(),
    escape: () => {
      if (selectedKey === null) return false;
      setSelectedKey(null);
      return true;
    },
  });

  const hasSession = trace !== null && trace.tasks.length + trace.nativeOps.length > 0;
  const shownView: PanelView = view === "compare" && comparison === null ? "timeline" : view;
  const sessionLabel = snapshot.loaded?.label ?? (recording ? "this recording (live)" : "this recording");
  return (
    <div class="panel" data-testid="panel-root" data-phase={snapshot.phase} data-view={shownView}>
      <Toolbar
        snapshot={snapshot}
        hasSession={hasSession}
        view={shownView}
        filter={filter}
        matchCount={sessionView?.rows.filtered === true ? sessionView.rows.matchCount : null}
        filterRef={filterRef}
        native={{ enabled: store.nativeInstrumentation, onChange: (on) => store.setNativeInstrumentation(on) }}
        performanceTracks={{
          enabled: store.showsPerformanceTracks,
          onChange: (on) => {
            store.setPerformanceTracks(on);
            rememberPerformanceTracks(on);
          },
        }}
        flightRecorder={{ enabled: store.flightRecorderOn, onChange: (on) => store.setFlightRecorder(on), onSave: () => store.saveFlightRecording() }}
        flightSession={flightSessionOf(trace)}
        onRecord={() => store.record()}
        onStop={() => store.stop()}
        onReloadAndRecord={() => store.record({ reload: true })}
        onClear={() => store.clear()}
        onImport={() => fileInput.current?.click()}
        onExport={files.exportAs}
        onView={setView}
        onFilter={setFilter}
        kinds={sessionView === null ? null : {
          present: kindsPresent(sessionView.model),
          hidden: hiddenKinds,
          onChange: (hidden) => {
            setHiddenKinds(hidden);
            rememberHiddenKinds(hidden);
          },
        }}
        savedMenu={services.storage === null ? null : (
          <SavedMenu storage={services.storage} version={savedVersion} onOpen={openSaved} onError={reportStorage} />
        )}
        compareMenu={(
          <CompareMenu
            disabled={!hasSession}
            storage={services.storage}
            version={savedVersion}
            onFile={compareWithFile}
            onSaved={compareWithSaved}
            onError={reportStorage}
          />
        )}
        comparing={comparison !== null}
      />
      <TraceFileInput inputRef={fileInput} testid="import-input" onFile={(file) => void files.importFile(file)} />
      {banner !== null && <Banner message={banner} onDismiss={() => setBanner(null)} />}
      {files.importing !== null && <ImportProgressBar name={files.importing.name} progress={files.importing.progress} />}
      {shownView === "now" && <NowView store={store} version={snapshot} onOpenSite={services.openSite} />}
      {/* Kept mounted behind "Now", so the timeline keeps its zoom and scroll. */}
      <div class="panel-main" hidden={shownView === "now"}>
      {sessionView === null ? (
        <EmptyState recording={recording} storage={services.storage} savedVersion={savedVersion} onOpen={openSaved} onError={reportStorage} />
      ) : (
        <Workspace
          view={shownView}
          comparison={comparison === null ? null : { before: comparison, afterLabel: sessionLabel, onClose: endComparison }}
          session={sessionView}
          services={services}
          cancel={{
            canCancel: (id) => store.canCancel(id),
            cancel: (id) => void store.cancelTask(id),
            outcomeFor: (id) => {
              const outcome = store.cancelOutcome();
              return outcome !== null && outcome.task === id ? outcome.cancelled : null;
            },
          }}
          onSelect={(key, reveal) => {
            setSelectedKey(key);
            if (reveal) setView("timeline");
          }}
          onToggle={(key) => setCollapsed((previous) => {
            const next = new Set(previous);
            if (!next.delete(key)) next.add(key);
            return next;
          })}
          onFilter={(name) => {
            setFilter(name);
            setView("timeline");
          }}
          onExpand={(keys) => setCollapsed((previous) => {
            // Each key is folded now: toggled, it unfolds (a series head's toggle is its fold, rows.ts).
            const next = new Set(previous);
            for (const key of keys) if (!next.delete(key)) next.add(key);
            return next;
          })}
        />
      )}
      </div>
      {dragging && <div class="drop-overlay" data-testid="drop-overlay">Drop a trace file to import it</div>}
    </div>
  );
}

/** A session saved from the flight recorder says so at its start (the page agent's recordingStart marker). */
function flightSessionOf(trace: Trace | null): { label: string; detail: string } | null {
  const start = trace?.markers.find((m) => m.kind === "recordingStart" && m.label.startsWith("flight recorder: "));
  return start === undefined ? null : { label: start.label, detail: start.detail ?? "" };
}
