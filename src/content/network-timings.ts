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

/**
 * Whether `url` (as the network log writes it: serialized, so `scheme://host[:port]/…`) is of
 * `origin` (serialized too). A string comparison, not a URL parse: the bridge runs on the page's
 * thread, for every request of the tab. A URL it does not recognize so (userinfo, `blob:`) is
 * taken for another origin's, which tells the page less, not more; and an opaque origin
 * ("null") owns no URL.
 */
export function ofOrigin(url: string, origin: string): boolean {
  return origin !== OPAQUE && url.length > origin.length && url.charCodeAt(origin.length) === SLASH && url.startsWith(origin);
}

const SLASH = 0x2f;
/** An opaque origin's serialization. */
const OPAQUE = "null";

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
    const open = ofOrigin(entry.url, origin) || timingAllowed(entry.timingAllowOrigin, origin);
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
