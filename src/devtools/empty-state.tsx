/**
 * What the panel shows with no session: how to start one, and the recordings kept from
 * before (so reopening DevTools finds them).
 */
import type { RecordingStorage, SavedRecording, StorageError } from "./storage/recordings-db.ts";
import { SavedList } from "./storage/saved-list.tsx";

export interface EmptyStateProps {
  readonly recording: boolean;
  readonly storage: RecordingStorage | null;
  readonly savedVersion: number;
  onOpen(recording: SavedRecording): void;
  onError(error: StorageError): void;
}

export function EmptyState(props: EmptyStateProps) {
  return (
    <div class="empty-state" data-testid="empty-state">
      <p class="empty-state-text" data-testid="empty-state-text">
        {props.recording
          ? "Recording… run some async code in the page."
          : "No recording. Press record (Ctrl+E) to capture async activity, or reload and record (Ctrl+Shift+E) to catch the page's start-up. Import a trace with Ctrl+O or by dropping the file here."}
      </p>
      {props.storage !== null && <SavedList storage={props.storage} version={props.savedVersion} onOpen={props.onOpen} onError={props.onError} />}
    </div>
  );
}
