/**
 * The toolbar's "Compare with…" menu: the session on screen against a trace file or a kept
 * recording. The chosen one is the "before"; the session on screen is the "after".
 */
import { useRef } from "preact/hooks";
import type { RecordingStorage, SavedRecording, StorageError } from "../storage/recordings-db.ts";
import { SavedList } from "../storage/saved-list.tsx";
import { TraceFileInput } from "../io/trace-file-input.tsx";
import { useMenu } from "../use-menu.ts";
import "./compare.css";

export interface CompareMenuProps {
  readonly disabled: boolean;
  readonly storage: RecordingStorage | null;
  /** Bumped after every save, so the kept list reloads. */
  readonly version: number;
  onFile(file: File): void;
  onSaved(recording: SavedRecording): void;
  onError(error: StorageError): void;
}

export function CompareMenu(props: CompareMenuProps) {
  const { open, setOpen, root } = useMenu();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div class="menu-anchor" ref={root}>
      <button
        type="button"
        class="toolbar-button"
        title="Compare with… a trace file or a kept recording: per task name before → after, and both timelines"
        aria-label="Compare with…"
        aria-expanded={open}
        data-testid="compare-button"
        disabled={props.disabled}
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 20 20" aria-hidden="true">
          <path d="M3 4h9v3H3zM3 9.5h14v1H3zM3 13h6v3H3zM14 12l3 2.5-3 2.5zM6 2l-3 2.5L6 7z" />
        </svg>
      </button>
      {open && (
        <div class="menu saved-menu" role="menu" data-testid="compare-menu">
          <button
            type="button"
            role="menuitem"
            class="menu-item"
            data-testid="compare-file"
            onClick={() => {
              setOpen(false);
              input.current?.click();
            }}
          >
            A trace file…
          </button>
          {props.storage !== null && (
            <SavedList
              storage={props.storage}
              version={props.version}
              onOpen={(recording) => {
                setOpen(false);
                props.onSaved(recording);
              }}
              onError={props.onError}
              empty="No kept recordings yet: recordings are kept as they are made."
            />
          )}
        </div>
      )}
      <TraceFileInput inputRef={input} testid="compare-input" onFile={props.onFile} />
    </div>
  );
}
