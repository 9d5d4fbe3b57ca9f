/**
 * Where the page called a wrapper: its caller's frame, read cheaply.
 *
 * `Error.captureStackTrace(holder, wrapper)` drops the wrapper's own frame and everything
 * above it, and a limit of a few frames keeps both the capture and the formatting short. A
 * page's own `Error.prepareStackTrace` (source-map-support, for one) is put aside while the
 * stack is formatted (withStackSettings, in trace/stack.ts).
 *
 * Still, a stack costs about 4 µs (Chromium 156), more than everything else a wrapper does:
 * so sites are taken at most SITE_RATE_PER_SECOND a second, in bursts of up to SITE_BURST. A
 * page that sets thousands of timers at once gets sites for the first hundred or so; the rest
 * carry none (and are never given a wrong one).
 */
import type { CreationSite } from "../../trace/model.ts";
import { parseStackFrame, withStackSettings } from "../../trace/stack.ts";
import { hostNow, mathMin, stringIndexOf, stringSlice } from "../../trace/primordials.ts";
import { captureStackTrace, ownScriptFile } from "./originals.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- any wrapper */

/** Frames captured: the caller, plus a couple of builtins (`Array.map`, `call`) that have no position. */
const SITE_FRAMES = 3;
export const SITE_RATE_PER_SECOND = 250;
export const SITE_BURST = 128;

/** While the budget is spent, the clock is looked at on one call in this many. */
const DRY_CHECK_EVERY = 32;

let tokens = SITE_BURST;
let refilledAt = 0;
let dryCalls = 0;

/**
 * A token of the site budget, if one is left: a token bucket, refilled for the time passed
 * only when it runs dry (so a call with tokens left reads no clock, and a dry one rarely).
 */
function takeSiteToken(): boolean {
  if (tokens < 1) {
    if (++dryCalls < DRY_CHECK_EVERY) return false;
    dryCalls = 0;
    const now = hostNow();
    tokens = mathMin(SITE_BURST, tokens + ((now - refilledAt) * SITE_RATE_PER_SECOND) / 1000);
    refilledAt = now;
    if (tokens < 1) return false;
  }
  tokens -= 1;
  return true;
}

/**
 * The frame that called `wrapper`; null when the stack shows none with a position, or over the
 * site budget. The stack is taken and formatted with Error's settings of our own
 * (withStackSettings), so nothing of the page's runs.
 */
export function callerSite(wrapper: Function): CreationSite | null {
  const capture = captureStackTrace;
  if (capture === undefined || !takeSiteToken()) return null;
  // No prototype: formatting reads the holder's `name` and `message`, and they must not reach
  // a getter the page put on Object.prototype.
  const holder: { stack?: unknown } = { __proto__: null } as { stack?: unknown };
  const stack = withStackSettings(SITE_FRAMES, null, () => {
    capture(holder, wrapper);
    return holder.stack;
  });
  if (typeof stack !== "string") return null;
  let start = stringIndexOf(stack, "\n") + 1;
  while (start > 0 && start < stack.length) {
    let end = stringIndexOf(stack, "\n", start);
    if (end < 0) end = stack.length;
    const site = parseStackFrame(stringSlice(stack, start, end));
    if (site !== null) return site;
    start = end + 1;
  }
  return null;
}

/**
 * True when the call came from this extension's own script (the injected runtime's timers).
 * Without a site (over the budget) a call counts as the page's.
 */
export function isOwnSite(site: CreationSite | null): boolean {
  return site !== null && ownScriptFile !== null && site.file === ownScriptFile;
}

/** `file:line:column`, and the function's name when the frame has one. */
export function formatSite(site: CreationSite): string {
  const at = `${site.file}:${site.line}:${site.column}`;
  return site.function === null ? at : `${site.function} (${at})`;
}
