/**
 * Import and export as the panel's actions: importing reads a file through the worker,
 * shows progress, and on success makes it the session; on failure the importer's precise
 * error goes to the banner and the current session stays. Exporting names the file and
 * hands it to the browser to download.
 */
import { useRef, useState } from "preact/hooks";
import type { ImportProgress } from "../../trace/import.ts";
import type { Trace } from "../../trace/model.ts";
import type { BannerMessage } from "../notices.tsx";
import type { RecordingStore, StoreSnapshot } from "../recording-store.ts";
import type { PanelServices } from "../services.ts";
import { baseFileName, exportFile, type ExportFormat } from "./export.ts";

export interface ImportState {
  readonly name: string;
  readonly progress: ImportProgress | null;
}

export interface FileActions {
  readonly importing: ImportState | null;
  importFile(file: File): Promise<void>;
  exportAs(format: ExportFormat): void;
}

export function useFiles(
  store: RecordingStore, services: PanelServices, trace: Trace | null, snapshot: StoreSnapshot,
  report: (message: BannerMessage | null) => void, onImported: () => void,
): FileActions {
  const [importing, setImporting] = useState<ImportState | null>(null);
  const busy = useRef(false);
  const frame = useRef(0);

  const importFile = async (file: File): Promise<void> => {
    if (busy.current) return;
    busy.current = true;
    performance.mark("aioscope:import-start");
    setImporting({ name: file.name, progress: null });
    let latest: ImportProgress | null = null;
    // Progress arrives per chunk read; the bar moves once per frame.
    const onProgress = (progress: ImportProgress): void => {
      latest = progress;
      frame.current ||= requestAnimationFrame(() => {
        frame.current = 0;
        setImporting({ name: file.name, progress: latest });
      });
    };
    try {
      const result = await services.importer.importFile(file, onProgress);
      performance.mark("aioscope:import-result");
      if (result.ok) {
        store.load(result.trace, { kind: "file", label: file.name });
        report(null);
        onImported();
      } else {
        report({ kind: "error", text: `Could not import ${file.name}: ${result.error.path}: ${result.error.message}` });
      }
    } finally {
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      busy.current = false;
      setImporting(null);
    }
  };

  const exportAs = (format: ExportFormat): void => {
    if (trace === null) return;
    try {
      const file = exportFile(trace, format, baseFileName(trace, snapshot.loaded?.label ?? null));
      services.download(file);
      report({ kind: "info", text: `Exported ${file.name}` });
    } catch (error) {
      report({ kind: "error", text: `Could not export: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  return { importing, importFile, exportAs };
}
