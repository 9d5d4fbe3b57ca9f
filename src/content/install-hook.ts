/**
 * Installs `globalThis.__AIOSCOPE_HOOK__`: the place where every copy of the runtime in the
 * page registers — the one aioscope injects and any the page bundles — so the recorder sees
 * them all (the pattern of React DevTools' global hook).
 *
 * This module must be evaluated before any runtime copy: the injected runtime registers
 * while its own module is evaluated. It imports nothing for that reason, and calls no
 * built-in after start-up (plain loops and index writes: a page may have replaced
 * Array.prototype.push by the time its bundled runtime registers).
 */
import type { RegisteredRuntime, RuntimeHook } from "../runtime/instrument.ts";

export interface PageHook extends RuntimeHook {
  readonly version: string;
  /** Every runtime copy that registered, in order. */
  readonly runtimes: readonly RegisteredRuntime[];
  /** Called for each runtime copy registered now and later; returns an unsubscribe function. */
  onRuntime(listener: (runtime: RegisteredRuntime) => void): () => void;
}

export const HOOK_VERSION = "1";

function createHook(): PageHook {
  const runtimes: RegisteredRuntime[] = [];
  let listeners: ((runtime: RegisteredRuntime) => void)[] = [];
  return Object.freeze({ // start-up
    version: HOOK_VERSION,
    runtimes,
    registerRuntime(runtime: RegisteredRuntime): void {
      // A page may call this with anything: keep only what looks like a runtime.
      if (typeof runtime !== "object" || runtime === null || typeof runtime.addInstrument !== "function") return;
      runtimes[runtimes.length] = runtime;
      const now = listeners;
      for (let k = 0; k < now.length; k++) now[k]!(runtime);
    },
    onRuntime(listener: (runtime: RegisteredRuntime) => void): () => void {
      // A fresh list, so a registration running the listeners meanwhile sees a stable one.
      const grown: ((runtime: RegisteredRuntime) => void)[] = [];
      for (let k = 0; k < listeners.length; k++) grown[k] = listeners[k]!;
      grown[grown.length] = listener;
      listeners = grown;
      for (let k = 0; k < runtimes.length; k++) listener(runtimes[k]!);
      return () => {
        const kept: ((runtime: RegisteredRuntime) => void)[] = [];
        for (let k = 0; k < listeners.length; k++) if (listeners[k] !== listener) kept[kept.length] = listeners[k]!;
        listeners = kept;
      };
    },
  });
}

const holder = globalThis as { __AIOSCOPE_HOOK__?: PageHook };

/** The page's hook: installed once per realm, never replaced. */
export const pageHook: PageHook = holder.__AIOSCOPE_HOOK__ ?? createHook();

if (holder.__AIOSCOPE_HOOK__ === undefined) {
  Object.defineProperty(globalThis, "__AIOSCOPE_HOOK__", { value: pageHook, writable: false, configurable: false, enumerable: false }); // start-up
}
