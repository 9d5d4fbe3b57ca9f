/**
 * The names shared by aioscope's Chrome export and its importer: which categories carry
 * model records and which are only drawn.
 */

/** Our one process in the file. */
export const CHROME_PID = 1;
/** The category of the spans that carry custom tracks: the one `performance.measure` writes. */
export const USER_TIMING_CATEGORY = "blink.user_timing";
/** Events only drawn, never read back: the end-of-session instant and the counters. */
export const DISPLAY_CATEGORY = "aioscope";
/** The category of DevTools' own start-of-recording event (`TracingStartedInBrowser`). */
export const TIMELINE_CATEGORY = "disabled-by-default-devtools.timeline";
