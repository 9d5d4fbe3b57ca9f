/**
 * What a frame's page may know of the requests DevTools' network log saw in its tab: the
 * bridge's filter between the panel's NetworkEntries (every request of the tab, every origin)
 * and the page agent, which gets NetworkTimings in its own clock.
 *
 * The page is told no more than its own Resource Timing would tell it (the network log knows
 * more: phases of any origin's requests, other frames' requests). A request of the frame's
 * origin, or whose response names it (or `*`) in `Timing-Allow-Origin`, keeps everything; a
 * script of another origin keeps its URL, start and duration, as its resource entry would;
 * another origin's fetch or XHR is left out (its entry would have no phases, and a request
 * without phases gets none).
 */
import type { NetworkEntry, NetworkTimings } from "../protocol/messages.ts";

/** A field the page may not know (NetworkTimings). */
const HIDDEN = -1;

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Whether `header` (a `Timing-Allow-Origin` value: a list of origins, or `*`) allows `origin`. */
export function timingAllowed(header: string | null, origin: string): boolean {
  if (header === null) return false;
  for (const item of header.split(",")) {
    const allowed = item.trim();
    if (allowed === "*" || allowed === origin) return true;
  }
  return false;
}

/**
 * The timings of `entries` the page of a frame of `origin`, whose clock started at epoch ms
 * `timeOrigin`, may have; null when none.
 */
export function timingsForFrame(entries: readonly NetworkEntry[], origin: string, timeOrigin: number): NetworkTimings | null {
  const urls: string[] = [];
  const rows: number[] = [];
  for (const entry of entries) {
    const open = originOf(entry.url) === origin || timingAllowed(entry.timingAllowOrigin, origin);
    if (!open && entry.type === "request") continue;
    urls.push(entry.url);
    // In the order of NETWORK_TIMING_FIELDS.
    rows.push(
      entry.type === "request" ? 0 : 1, entry.startedAt - timeOrigin, entry.duration,
      open ? entry.blocked : HIDDEN, open ? entry.dns : HIDDEN, open ? entry.connect : HIDDEN,
      open ? entry.send : HIDDEN, open ? entry.wait : HIDDEN, open ? entry.receive : HIDDEN,
      open ? entry.status : HIDDEN, open ? entry.transferSize : HIDDEN, open ? entry.bodySize : HIDDEN, open ? entry.decodedSize : HIDDEN,
    );
  }
  if (urls.length === 0) return null;
  // The page refuses a message with a number that is not finite: one bad field costs its own.
  return { urls, values: Float64Array.from(rows, (value) => (Number.isFinite(value) ? value : HIDDEN)) };
}
