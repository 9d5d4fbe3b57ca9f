/**
 * The hidden file chooser behind "Import" and "Compare with… a trace file": a button clicks it,
 * and the chosen file is handed on. Its value is cleared at once, so choosing the same file
 * again is a new choice.
 */
import type { Ref } from "preact";

export function TraceFileInput({ inputRef, testid, onFile }: { inputRef: Ref<HTMLInputElement>; testid: string; onFile: (file: File) => void }) {
  return (
    <input
      ref={inputRef}
      type="file"
      accept=".json,application/json"
      hidden
      data-testid={testid}
      onChange={(event) => {
        const input = event.target as HTMLInputElement;
        const file = input.files?.[0];
        input.value = "";
        if (file !== undefined) onFile(file);
      }}
    />
  );
}
