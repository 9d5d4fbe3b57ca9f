/**
 * `?trace=URL`: the shell boots with that trace shown, as if the file had been imported in the
 * panel (the same importer, checks and session) — how `aioscope view` shows a trace without
 * the extension. A trace that cannot be fetched or read is said on the page, precisely.
 */
import type { Importer } from "../io/importer.ts";
import type { RecordingStore } from "../recording-store.ts";

export async function preloadTrace(url: string, importer: Importer, store: RecordingStore): Promise<void> {
  const label = decodeURIComponent(new URL(url, location.href).pathname.split("/").pop() ?? "") || "trace";
  const fail = (message: string): void => {
    const alert = document.createElement("p");
    alert.setAttribute("role", "alert");
    alert.dataset.testid = "preload-error";
    alert.className = "preload-error";
    alert.textContent = `Could not show ${label}: ${message}`;
    document.body.prepend(alert);
  };
  let blob: Blob;
  try {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) return fail(`the server answered ${response.status} ${response.statusText}`);
    blob = await response.blob();
  } catch (error) {
    return fail(`it could not be fetched (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = await importer.importFile(blob, () => {});
  if (!result.ok) return fail(`${result.error.path}: ${result.error.message}`);
  store.load(result.trace, { kind: "file", label });
  document.title = `${label} · aioscope`;
}
