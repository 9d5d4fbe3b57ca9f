/**
 * The built-ins a hostile page replaces in poisoned-builtins.test.ts: those page-side code is
 * most tempted to call. (V8's CallSite methods, which `Error.prepareStackTrace` receives, are
 * read-only: a page cannot replace them. It can replace `Error` and `prepareStackTrace`
 * itself: poisoned-builtins.test.ts has a page for that.)
 */
/** Built-ins replaced by traps, as `owner path` + `property`. */
export const POISONED = [
  ["Array.prototype", ["push", "pop", "shift", "unshift", "splice", "slice", "indexOf", "lastIndexOf", "includes", "map", "filter", "forEach", "join", "concat", "reduce", "some", "every", "find", "findIndex", "sort", "fill"]],
  ["Array", ["isArray", "from", "of"]],
  ["Map.prototype", ["get", "set", "has", "delete", "clear", "forEach", "keys", "values", "entries"]],
  ["Set.prototype", ["add", "has", "delete", "clear", "forEach", "values"]],
  ["WeakMap.prototype", ["get", "set", "has", "delete"]],
  ["WeakSet.prototype", ["add", "has", "delete"]],
  ["Math", ["max", "min", "floor", "ceil", "round", "abs", "random", "trunc"]],
  ["Performance.prototype", ["now", "mark", "measure", "getEntriesByName"]],
  ["JSON", ["stringify", "parse"]],
  ["Object", ["keys", "values", "entries", "assign", "freeze", "create", "getPrototypeOf", "getOwnPropertyNames", "fromEntries", "is"]],
  ["String.prototype", ["slice", "substring", "indexOf", "lastIndexOf", "split", "replace", "startsWith", "endsWith", "includes", "trim", "toLowerCase", "toUpperCase", "toString", "charCodeAt", "padStart", "repeat", "match", "normalize"]],
  ["RegExp.prototype", ["test", "exec"]],
  ["String", ["fromCharCode"]],
  ["Number", ["isInteger", "isFinite", "isSafeInteger"]],
  ["Number.prototype", ["toFixed"]],
  ["Function.prototype", ["bind", "call", "apply"]],
  ["Reflect", ["apply", "ownKeys", "defineProperty", "getOwnPropertyDescriptor"]],
  ["Error", ["captureStackTrace"]],
  ["Error.prototype", ["toString"]],
  ["PerformanceObserver.prototype", ["observe", "disconnect", "takeRecords"]],
  ["PerformanceObserverEntryList.prototype", ["getEntries", "getEntriesByType", "getEntriesByName"]],
  ["Symbol", ["for"]],
  ["Date", ["now"]],
  ["EventTarget.prototype", ["addEventListener", "removeEventListener", "dispatchEvent"]],
  ["MessagePort.prototype", ["postMessage", "start", "close"]],
  ["Uint8Array.prototype", ["set", "subarray"]],
  ["Float64Array.prototype", ["set", "subarray"]],
  ["Int32Array.prototype", ["set", "subarray"]],
  ["ArrayBuffer.prototype", ["slice"]],
] as const;

/**
 * Members of the option dictionaries page-side code hands the browser at run time
 * (`addEventListener`'s options, `PerformanceObserver.observe`'s): the page defines throwing
 * getters for them on Object.prototype, which the browser would call for an options object of
 * ours that inherits from it.
 */
export const DICTIONARY_MEMBERS = ["capture", "once", "passive", "signal", "buffered", "entryTypes", "durationThreshold"] as const;
