/**
 * A load recorded from its first script: the panel's "reload and record", and every document
 * the CLI records. Chromium runs a script given with the load (inspectedWindow.reload's
 * `injectedScript`, CDP's `Page.addScriptToEvaluateOnNewDocument`) in each new document before
 * any other, content scripts included; it leaves this mark on the window, and the page agent
 * takes it away at document_start, before any page script can see it.
 *
 * Marked, the start-up recording is a requested one from the start, so `.then` continuations
 * carry their causes from the page's first script. Unmarked, the start-up recording leaves
 * `Promise.prototype.then` alone (native/index.ts says why) and gains it only when the
 * extension answers that the tab records, some 20 ms in: a page's first chains have no causes.
 */
export const RECORDED_LOAD_MARK = "aioscope.recordedLoad";

/**
 * The script that marks a load, as DevTools and CDP take it: source text. Where a browser ran it
 * after the content scripts (which define `aioscope` first thing), nobody would take the mark
 * away: then it leaves none.
 */
export const RECORDED_LOAD_SCRIPT = `if (!("aioscope" in globalThis)) Object.defineProperty(globalThis, Symbol.for(${JSON.stringify(RECORDED_LOAD_MARK)}), { value: true, configurable: true });`;
