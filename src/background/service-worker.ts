/**
 * The extension's background service worker (a module worker; see manifest.json).
 *
 * Intentionally empty for now. It will become the relay of architecture.md: it routes each
 * tab's content-script bridge to that tab's DevTools panel, keyed by tab id. The browser may
 * stop this worker at any moment, so whatever it later holds must survive a restart.
 */
export {};
