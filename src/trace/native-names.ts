/**
 * How a native operation reads, on the timeline and in a summary: one label, not the kind and then the kind
 * again ("setTimeout setTimeout(60000)"), URLs relative to the document that made the request
 * (the origin seven times over hides the path that tells requests apart), numbers rounded
 * ("setTimeout(99.89999999990687)" is a computed delay, not a fact worth nine digits), and one
 * colour group per kind of work.
 */
import type { NativeKind, NativeOpRecord, Trace } from "./model.ts";

/** Kinds of native work the timeline colours apart. */
export type NativeGroup = "request" | "script" | "worker" | "timer" | "frame" | "blocking" | "signal" | "combinator" | "event" | "other";

export const NATIVE_GROUPS: readonly NativeGroup[] = ["request", "script", "worker", "timer", "frame", "blocking", "signal", "combinator", "event", "other"];

export const NATIVE_GROUP_LABELS: Readonly<Record<NativeGroup, string>> = {
  request: "Request",
  script: "Script / module load",
  worker: "Web Worker",
  timer: "Timer",
  frame: "Animation / idle callback",
  blocking: "Long task",
  signal: "Abort signal",
  combinator: "Promise combinator",
  event: "Event dispatch (cause)",
  other: "Other native",
};

const GROUP_OF_KIND: Readonly<Record<NativeKind, NativeGroup>> = {
  fetch: "request",
  xhr: "request",
  setTimeout: "timer",
  setInterval: "timer",
  requestAnimationFrame: "frame",
  requestIdleCallback: "frame",
  abortSignal: "signal",
  "Promise.all": "combinator",
  "Promise.allSettled": "combinator",
  "Promise.race": "combinator",
  "Promise.any": "combinator",
  longTask: "blocking",
  longAnimationFrame: "blocking",
  other: "other",
  script: "script",
  module: "script",
  worker: "worker",
  workerMessage: "worker",
  requestQueue: "request",
  event: "event",
};

/**
 * Kinds drawn on their parent's row rather than on rows of their own: a worker's messages (a
 * mark each on the worker's row) and a request's queueing (the lighter start of its bar).
 */
export const PART_KINDS: ReadonlySet<NativeKind> = new Set<NativeKind>(["workerMessage", "requestQueue"]);

export function nativeGroupOf(kind: NativeKind): NativeGroup {
  return GROUP_OF_KIND[kind] ?? "other";
}

/** The origin of a document's URL (`https://app.example`), or null when it has none. */
export function originOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/**
 * The origin of the document a source recorded: its own URL, else — for the top frame, whose
 * URL a live session may learn only from the session's metadata — the session's URL.
 */
export function sourceOrigin(trace: Trace, source: number): string | null {
  const info = trace.sources[source];
  const top = info === undefined || info.frameId === 0 || trace.sources.length === 1;
  return originOf(info?.url ?? (top ? trace.metadata.url : null));
}

const comparable = (text: string): string => text.replace(/[\s_-]/g, "").toLowerCase();
/** A number with more decimals than a person reads: two or more after the point. */
const LONG_DECIMAL = /\d+\.\d{2,}/g;

function roundNumber(text: string): string {
  const value = Number(text);
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : text;
}

/**
 * The operation's name on the timeline: its label alone when the label already says the kind,
 * else the kind then the label; a URL on `origin` (the document's) shown from its path.
 */
export function nativeName(op: NativeOpRecord, origin: string | null): string {
  let label = op.label.replace(LONG_DECIMAL, roundNumber);
  if (origin !== null) {
    const at = label.indexOf(origin);
    // Only where the origin is the whole authority ("https://app" not "https://app.evil"), and
    // a URL of its own (not inside "blob:https://app/…", which would read as a path).
    if (at >= 0 && "/?#".includes(label[at + origin.length] ?? "/") && (at === 0 || label[at - 1] === " ")) {
      label = `${label.slice(0, at)}${label.slice(at + origin.length) || "/"}`;
    }
  }
  if (label === "") return op.kind;
  // "other" and "event" say nothing their labels do not ("setTimeout callback", "click on button#go"),
  // nor do the parts of a worker or request ("postMessage → worker", "queued").
  if (op.kind === "other" || op.kind === "event" || PART_KINDS.has(op.kind)) return label;
  return comparable(label).startsWith(comparable(op.kind)) ? label : `${op.kind} ${label}`;
}
