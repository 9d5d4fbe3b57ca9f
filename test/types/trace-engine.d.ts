// The DevTools trace engine's Node entry ships without types; the tests use one function of it.
declare module "@paulirish/trace_engine/analyze-trace.mjs" {
  /** Installs a DOMRect global: the engine was written for a browser. */
  export function polyfillDOMRect(): void;
}
