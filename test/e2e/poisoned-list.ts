/**
 * The built-ins a hostile page replaces in poisoned-builtins.test.ts: those page-side code is
 * most tempted to call. (V8's CallSite methods, which `Error.prepareStackTrace` receives, are
 * read-only: a page cannot replace them. It can replace `Error` and `prepareStackTrace`
 * itself: poisoned-builtins.test.ts has a page for that.)
 */
/** Built-ins replaced by traps, as `owner path` + `property`. */
export const POISONED = [
  ["Array.prototype", ["push", "pop", "shift", "unshift", "splice", "slice", "indexOf", "lastIndexOf", "includes", "map", "filter", "forEach", "join", "concat", "reduce", "some", "every", "find", "findIndex", "sort", "fill", "toJSON"]],
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
 * Getters replaced by traps: the members of the performance entries our observers receive
 * (resources, long tasks, long animation frames and their scripts), which the browser hands
 * over as objects of the page's realm.
 */
export const POISONED_GETTERS = [
  ["PerformanceEntry.prototype", ["name", "entryType", "startTime", "duration"]],
  ["PerformanceResourceTiming.prototype", [
    "initiatorType", "fetchStart", "domainLookupStart", "connectStart", "connectEnd", "requestStart", "responseStart", "responseEnd",
    "transferSize", "encodedBodySize", "decodedBodySize", "responseStatus", "renderBlockingStatus",
  ]],
  ["PerformanceLongTaskTiming.prototype", ["attribution"]],
  ["TaskAttributionTiming.prototype", ["containerType", "containerSrc", "containerId", "containerName"]],
  ["PerformanceLongAnimationFrameTiming.prototype", ["blockingDuration", "scripts", "renderStart", "styleAndLayoutStart"]],
  ["PerformanceScriptTiming.prototype", ["invoker", "invokerType", "sourceURL", "sourceFunctionName", "sourceCharPosition", "executionStart"]],
] as const;

/**
 * Names of members that page-side code's own objects may leave out: the option dictionaries it
 * hands the browser (`addEventListener`'s, `PerformanceObserver.observe`'s), its own options
 * objects (the recorder's, a native operation's start), and the optional fields of the messages
 * the page hook receives (structured clones, made in the page's realm). The page defines
 * throwing getters for them on Object.prototype: none may run.
 */
export const PROTOTYPE_MEMBERS = [
  "capture", "once", "passive", "signal", "buffered", "entryTypes", "durationThreshold",
  "task", "cause", "at", "parent", "detail", "clock", "timeOrigin", "capacity", "creationSites", "internalFrames", "maxStrings",
  "maxStringLength", "maxSitesPerBatch", "onSite", "onFull", "maxBatchBytes",
  "fromFlightRecorder", "keepStartup", "native", "enabled", "windowMs", "session", "options", "id", "kind", "data",
  // JSON.stringify looks it up on every object it writes (Prototype.js put one on Array.prototype).
  "toJSON",
] as const;
