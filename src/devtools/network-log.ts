/**
 * DevTools' own network log (`devtools.network.onRequestFinished`, a HAR entry a request), as
 * the source of a recording's request phases and script loads in Chrome: DevTools records the
 * network while it is open anyway, so the page need not observe resource entries for them
 * (RecordingOptions.networkLog). The store sends the entries to the tab's frames; each frame's
 * bridge passes on what its page may know (content/network-timings.ts).
 *
 * Firefox's log only reports once its Network panel has been shown, so there pages keep their
 * observer.
 */
import type { NetworkEntry } from "../protocol/messages.ts";
import { MAX_NETWORK_TIMINGS, MAX_URL_CHARS } from "../protocol/validate.ts";

/** Finished requests, in batches: what the store needs of the network log. */
export interface NetworkLog {
  /** Calls `listener` with the fetches, XHRs and scripts that finish from now on; returns what stops it. */
  listen(listener: (entries: readonly NetworkEntry[]) => void): () => void;
}

/** The part of `devtools.network.onRequestFinished` this uses. */
export interface RequestFinishedEvent {
  addListener(listener: (har: unknown) => void): void;
  removeListener(listener: (har: unknown) => void): void;
}

/** Entries are passed on at most this often: one message carries a burst of requests. */
export const NETWORK_LOG_INTERVAL_MS = 100;

const TYPES: Readonly<Record<string, NetworkEntry["type"]>> = { fetch: "request", xhr: "request", script: "script" };

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
}

/** A HAR timing or size: a finite number, -1 where there is none. */
function amount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : -1;
}

function header(headers: unknown, name: string): string | null {
  if (!Array.isArray(headers)) return null;
  const values: string[] = [];
  for (const item of headers) {
    const h = record(item);
    if (h !== null && typeof h.name === "string" && h.name.toLowerCase() === name && typeof h.value === "string") values.push(h.value);
  }
  return values.length === 0 ? null : values.join(",");
}

/**
 * Whether a HAR entry of type "script" loaded a script into a page, as a `<script>` or an
 * import: a Web Worker's own script is one too in the log, where the page's Resource Timing
 * has none. Fetch metadata says which (`Sec-Fetch-Dest`, sent to secure origins); elsewhere,
 * a worker's script is the one with no initiator ("other").
 */
function pageScript(entry: Record<string, unknown>, request: Record<string, unknown>): boolean {
  const destination = header(request.headers, "sec-fetch-dest");
  if (destination !== null) return destination === "script";
  return record(entry._initiator)?.type !== "other";
}

/**
 * A HAR entry (Chrome's: `_resourceType`, `response._transferSize`) as a NetworkEntry; null for
 * anything but a fetch, XHR or script that got a response.
 */
export function networkEntryOf(har: unknown): NetworkEntry | null {
  const entry = record(har);
  const request = record(entry?.request);
  const response = record(entry?.response);
  const timings = record(entry?.timings);
  if (entry === null || request === null || response === null || timings === null) return null;
  const type = typeof entry._resourceType === "string" ? TYPES[entry._resourceType] : undefined;
  const url = request.url;
  // Dated to the ms, rounded down: the middle of that ms is the closer guess.
  const startedAt = typeof entry.startedDateTime === "string" ? Date.parse(entry.startedDateTime) + 0.5 : NaN;
  if (type === undefined || typeof url !== "string" || url.length === 0 || url.length > MAX_URL_CHARS || !Number.isFinite(startedAt)) return null;
  // A request that failed has no response to time (nor a resource entry). A script answered
  // with an error status failed after its response came: Chrome aborts its body
  // ("net::ERR_ABORTED" beside the 404), and it has a resource entry, as its load has a row.
  const failed = typeof response._error === "string" && response._error !== "";
  if (amount(response.status) <= 0 || (failed && type !== "script")) return null;
  if (type === "script" && !pageScript(entry, request)) return null;
  return {
    url, type, startedAt,
    duration: Math.max(0, amount(entry.time)),
    blocked: amount(timings.blocked), dns: amount(timings.dns), connect: amount(timings.connect),
    send: amount(timings.send), wait: amount(timings.wait), receive: amount(timings.receive),
    status: amount(response.status),
    transferSize: amount(response._transferSize),
    bodySize: amount(response.bodySize),
    decodedSize: amount(record(response.content)?.size),
    timingAllowOrigin: header(response.headers, "timing-allow-origin"),
  };
}

/** The network log of DevTools' `onRequestFinished` event, batched every NETWORK_LOG_INTERVAL_MS. */
export function devtoolsNetworkLog(event: RequestFinishedEvent): NetworkLog {
  return {
    listen(listener) {
      let pending: NetworkEntry[] = [];
      let timer: ReturnType<typeof setTimeout> | null = null;
      const flush = (): void => {
        timer = null;
        const entries = pending;
        pending = [];
        for (let k = 0; k < entries.length; k += MAX_NETWORK_TIMINGS) listener(entries.slice(k, k + MAX_NETWORK_TIMINGS));
      };
      const onFinished = (har: unknown): void => {
        const entry = networkEntryOf(har);
        if (entry === null) return;
        pending.push(entry);
        timer ??= setTimeout(flush, NETWORK_LOG_INTERVAL_MS);
      };
      event.addListener(onFinished);
      return () => {
        event.removeListener(onFinished);
        if (timer !== null) clearTimeout(timer);
        flush();
      };
    },
  };
}
