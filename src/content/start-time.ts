/**
 * When the MAIN-world script began, read before any other module of it is evaluated (it is
 * the bundle's first import), so main-world.ts can put its own cost on the page's timeline.
 */
export const hookStartedAt = performance.now();
