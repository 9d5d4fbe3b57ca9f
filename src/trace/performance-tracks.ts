/**
 * How aioscope shows up in Chrome DevTools' Performance panel: the vocabulary of its custom
 * tracks, shared by the Chrome export (export-chrome.ts) and the page-side live tracks
 * (src/content/performance-tracks.ts), so a loaded file and a live recording read the same.
 *
 * The panel's extensibility format: a `performance.measure` (trace category
 * `blink.user_timing`) whose `detail` is `{devtools: {dataType: "track-entry", track,
 * trackGroup, color, properties, tooltipText}}` becomes an entry of the custom track `track`,
 * inside the collapsible group `trackGroup`; entries of a track nest by time. Colours are
 * names from DevTools' palette (`ExtensionUI::extensionEntryColor`); `properties` are
 * key/value rows of the summary drawer.
 *
 * Page side rule: these functions run in the page too, after page scripts may have replaced
 * built-ins, so they use template literals and comparisons only — no method of a built-in.
 */
import type { AwaitOutcome, NativeOutcome, TaskOutcome, WakeKind } from "./model.ts";

/** The group holding one track per task. */
export const TASKS_TRACK_GROUP = "aioscope tasks";
/** The group holding one track per kind of native operation (fetch, setTimeout…). */
export const NATIVE_TRACK_GROUP = "aioscope native";

/** DevTools' palette for extension entries. */
export type TrackColor =
  | "primary" | "primary-light" | "primary-dark"
  | "secondary" | "secondary-light" | "secondary-dark"
  | "tertiary" | "tertiary-light" | "tertiary-dark"
  | "error" | "warning";

/** The `devtools` member of a measure's detail: one entry of a custom track. */
export interface TrackEntryPayload {
  readonly dataType: "track-entry";
  readonly track: string;
  readonly trackGroup: string;
  readonly color: TrackColor;
  readonly properties: readonly (readonly [string, string])[];
  readonly tooltipText: string;
}

/**
 * A task's track: its name and its runtime id, which tells apart tasks of the same name
 * (and, for frames other than the first source, the frame's label).
 *
 * @example
 * taskTrackName("fetch", 12, null); // "fetch #12"
 */
export function taskTrackName(name: string, localId: number, sourceLabel: string | null): string {
  return sourceLabel === null ? `${name} #${localId}` : `${name} #${localId} (${sourceLabel})`;
}

/** A task's lifetime, coloured by how it ended. */
export function taskColor(outcome: TaskOutcome): TrackColor {
  if (outcome === "done") return "primary";
  if (outcome === "error") return "error";
  if (outcome === "cancelled") return "warning";
  return "secondary";
}

/** An await: light while it ended normally, warning when a timeout or a cancellation ended it. */
export function awaitColor(outcome: AwaitOutcome | null): TrackColor {
  if (outcome === "resumed") return "tertiary";
  if (outcome === null) return "secondary-light";
  return "warning";
}

export function nativeColor(outcome: NativeOutcome | null): TrackColor {
  if (outcome === "ok") return "secondary";
  if (outcome === "error") return "error";
  if (outcome === null) return "secondary-light";
  return "warning";
}

/**
 * Why a task was woken, as a person reads it: "timer", "task fetch #3", "cancel by main #1".
 *
 * @example
 * wakeText("task", "fetch #3"); // "task fetch #3"
 */
export function wakeText(kind: WakeKind, waker: string | null): string {
  if (waker === null) return kind;
  if (kind === "cancel") return `cancel by ${waker}`;
  if (kind === "spawn") return `spawned by ${waker}`;
  return `${kind} ${waker}`;
}
