/**
 * Export: the session as a file the browser downloads, in aioscope's own JSON (which imports
 * back into the panel exactly) or the Chrome Trace Event Format (for Perfetto and the
 * Performance panel). The contents come from the trace model's exporters; this only names the
 * file and hands it to the browser. The Chrome file is handed over as bytes: a session of a
 * million events makes a file of nearly 200 MB, which as a string would be decoded only to be
 * encoded again by the Blob.
 */
import { AIOSCOPE_FILE_EXTENSION, AIOSCOPE_MEDIA_TYPE, exportAioscope } from "../../trace/export-aioscope.ts";
import { exportChromeBytes } from "../../trace/export-chrome.ts";
import type { Trace } from "../../trace/model.ts";

export type ExportFormat = "aioscope" | "chrome";

export const CHROME_FILE_EXTENSION = ".trace.json";

export interface ExportedFile {
  readonly name: string;
  readonly type: string;
  readonly data: string | Uint8Array<ArrayBuffer>;
}

/** "aioscope-example.com-2025-01-31T10-20-30" — where and when, safe in any file system. */
export function baseFileName(trace: Trace, sourceLabel: string | null, now: Date = new Date()): string {
  let where = "session";
  const url = trace.metadata.url ?? trace.sources.find((s) => s.url !== null)?.url ?? null;
  if (url !== null) {
    try {
      where = new URL(url).host || where;
    } catch {
      // Not a URL: keep "session".
    }
  } else if (sourceLabel !== null) {
    where = sourceLabel.replace(/(\.aioscope)?(\.trace)?\.json$/i, "");
  }
  const stamp = now.toISOString().replace(/\.\d+Z$/, "").replace(/:/g, "-");
  return `aioscope-${where}-${stamp}`.replace(/[^\w.-]+/g, "_");
}

export function exportFile(trace: Trace, format: ExportFormat, base: string): ExportedFile {
  if (format === "aioscope") {
    return { name: `${base}${AIOSCOPE_FILE_EXTENSION}`, type: AIOSCOPE_MEDIA_TYPE, data: exportAioscope(trace) };
  }
  return { name: `${base}${CHROME_FILE_EXTENSION}`, type: "application/json", data: exportChromeBytes(trace) };
}

/** Makes the browser download `file` (through a temporary object URL and a download link). */
export function download(file: ExportedFile, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([file.data], { type: file.type }));
  const link = doc.createElement("a");
  link.href = url;
  link.download = file.name;
  link.style.display = "none";
  doc.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy once the click has been handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
