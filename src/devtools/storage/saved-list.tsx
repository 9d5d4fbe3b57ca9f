/**
 * The recordings kept in storage, listed where the panel has nothing to show yet (as on
 * reopening DevTools): open one, delete one, or clear them all.
 */
import { useEffect, useState } from "preact/hooks";
import { formatCount, formatTime } from "../format.ts";
import type { RecordingStorage, SavedRecording } from "./recordings-db.ts";
import { StorageError } from "./recordings-db.ts";

export interface SavedListProps {
  readonly storage: RecordingStorage;
  /** Bumped after every save, so the list reloads. */
  readonly version: number;
  onOpen(recording: SavedRecording): void;
  onError(error: StorageError): void;
  /** Shown when nothing is kept; without it, an empty list shows nothing. */
  readonly empty?: string;
}

const asStorageError = (error: unknown): StorageError => (error instanceof StorageError ? error : new StorageError(String(error), false));

export function SavedList({ storage, version, onOpen, onError, empty }: SavedListProps) {
  const [recordings, setRecordings] = useState<SavedRecording[] | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    let live = true;
    storage.list().then((list) => live && setRecordings(list), (error: unknown) => live && onError(asStorageError(error)));
    return () => {
      live = false;
    };
  }, [storage, version, reload]);
  if (recordings === null) return null;
  if (recordings.length === 0) return empty === undefined ? null : <p class="saved-none" data-testid="saved-none">{empty}</p>;
  const act = (work: Promise<void>): void => {
    work.then(() => setReload((n) => n + 1), (error: unknown) => onError(asStorageError(error)));
  };
  return (
    <div class="saved" data-testid="saved-recordings">
      <div class="saved-header">
        <span>Kept recordings</span>
        <button type="button" class="text-button" data-testid="saved-clear" onClick={() => act(storage.clear())}>Clear all</button>
      </div>
      <ul class="saved-list">
        {recordings.map((r) => (
          <li key={r.key} class="saved-item" data-testid="saved-recording">
            <button type="button" class="saved-open" title={r.url ?? r.title} data-testid="saved-open" onClick={() => onOpen(r)}>
              <span class="saved-title">{r.title}</span>
              <span class="saved-meta">
                {new Date(r.savedAt).toLocaleString()} · {formatTime(r.duration)} · {formatCount(r.tasks)} tasks · {formatCount(r.events)} events
              </span>
            </button>
            <button type="button" class="saved-delete" aria-label={`Delete ${r.title}`} title="Delete" data-testid="saved-delete" onClick={() => act(storage.remove(r.key))}>×</button>
          </li>
        ))}
      </ul>
    </div>
  );
}
