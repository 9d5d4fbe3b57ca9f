/**
 * Messages across the top of the panel: an error banner (a file that would not import, a
 * recording that could not be kept) that stays until dismissed, and the import progress bar.
 */
import type { ImportProgress } from "../trace/import.ts";
import { formatBytes, formatCount } from "./format.ts";

export interface BannerMessage {
  readonly kind: "error" | "info";
  readonly text: string;
}

export function Banner({ message, onDismiss }: { message: BannerMessage; onDismiss(): void }) {
  return (
    <div class={`banner banner-${message.kind}`} role={message.kind === "error" ? "alert" : "status"} data-testid={`banner-${message.kind}`}>
      <span class="banner-text" data-testid="banner-text">{message.text}</span>
      <button type="button" class="banner-close" aria-label="Dismiss" title="Dismiss" data-testid="banner-dismiss" onClick={onDismiss}>×</button>
    </div>
  );
}

const PHASE_WORDS: Readonly<Record<ImportProgress["phase"], string>> = { read: "Reading", parse: "Parsing", check: "Checking" };

/** Reading counts for the first 40 %, parsing the next 10 %, checking the rest. */
function overall(progress: ImportProgress): number {
  const part = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  if (progress.phase === "read") return 0.4 * part;
  if (progress.phase === "parse") return 0.4;
  return 0.5 + 0.5 * part;
}

export function ImportProgressBar({ name, progress }: { name: string; progress: ImportProgress | null }) {
  const fraction = progress === null ? 0 : overall(progress);
  let detail = "";
  if (progress !== null) {
    detail = progress.phase === "read" ? `${formatBytes(progress.done)} of ${formatBytes(progress.total)}`
      : progress.phase === "check" ? `${formatCount(progress.done)} of ${formatCount(progress.total)} records` : "";
  }
  return (
    <div class="import-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)} data-testid="import-progress">
      <div class="import-progress-text">
        {progress === null ? "Starting" : PHASE_WORDS[progress.phase]} {name}… {detail}
      </div>
      <div class="import-progress-track"><div class="import-progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} /></div>
    </div>
  );
}
