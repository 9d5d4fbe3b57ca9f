/**
 * The built-ins that code running inside a page (the recorder, stack parsing, the page agent,
 * the native wrappers, the protocol checks) calls after start-up, taken when this module is
 * evaluated. In the extension that is at document_start, in the MAIN world, before any page
 * script: a page that later replaces `Math.max`, `Map.prototype.get`, `String.prototype.slice`
 * or `performance.now` neither sees those calls nor changes what they do (Node's primordials
 * follow the same idea).
 *
 * Rules for page-side code: call only what is exported here or a language operation
 * (property access on our own objects, `arr[arr.length] = x`, `for` loops, `typeof`, template
 * literals on strings); methods needing a receiver are exported uncurried, and collections
 * carry their methods as own properties (`safeMap`) so calls stay plain method calls.
 * test/unit/content/primordials.test.ts checks the modules that must follow these rules.
 */

const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const setPrototypeOf = Reflect.setPrototypeOf;
const deleteProperty = Reflect.deleteProperty;
/** `Reflect.defineProperty`: false, not an exception, where the property cannot be defined (a frozen object). */
const tryDefineProperty = Reflect.defineProperty;

export { apply, defineProperty, getPrototypeOf, deleteProperty, tryDefineProperty };

/**
 * `descriptor` without a prototype, for `defineProperty`: it reads a descriptor's `get`, `set`,
 * `value`, `writable`… through its prototypes, and Object.prototype is the page's, where a page
 * may have put getters.
 */
export function bareDescriptor(descriptor: PropertyDescriptor): PropertyDescriptor {
  setPrototypeOf(descriptor, null);
  return descriptor;
}

/**
 * An own property's descriptor, read without running a getter, and without a prototype
 * (bareDescriptor): `"value" in it` and its missing members then read nothing of the page's.
 */
export function ownDescriptor(target: object, key: PropertyKey): PropertyDescriptor | undefined {
  const descriptor = getOwnPropertyDescriptor(target, key);
  return descriptor === undefined ? undefined : bareDescriptor(descriptor);
}

/** The descriptor of `name` on `target` or the nearest prototype that has it (no getter runs). */
export function findProperty(target: object, name: PropertyKey): PropertyDescriptor | undefined {
  for (let o: object | null = target; o !== null; o = getPrototypeOf(o) as object | null) {
    const descriptor = ownDescriptor(o, name);
    if (descriptor !== undefined) return descriptor;
  }
  return undefined;
}

/** A property that only holds `value`: not writable, enumerable or configurable. */
function defineConstant(target: object, key: PropertyKey, value: unknown): void {
  defineProperty(target, key, bareDescriptor({ value }));
}

const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = getOwnPropertyDescriptor(typedArrayPrototype, Symbol.toStringTag)!.get!;
const typedArrayLength = getOwnPropertyDescriptor(typedArrayPrototype, "length")!.get!;

/**
 * The length of `value` if it is a Float64Array (of any realm: a message's clone is the
 * page's), else -1. Neither `instanceof` nor `length` is asked: a page can replace the global
 * constructor and redefine the prototype's getters.
 */
export function float64ArrayLength(value: unknown): number {
  return apply(typedArrayTag, value, []) === "Float64Array" ? (apply(typedArrayLength, value, []) as number) : -1;
}

export const mathMax = Math.max;
export const mathMin = Math.min;
export const mathFloor = Math.floor;
export const mathRound = Math.round;
export const numberIsFinite = Number.isFinite;
export const numberIsInteger = Number.isInteger;
export const numberIsSafeInteger = Number.isSafeInteger;
export const isArray = Array.isArray;
export const dateNow = Date.now;

const stringSliceOf = String.prototype.slice;
const stringIndexOfOf = String.prototype.indexOf;
const stringLastIndexOfOf = String.prototype.lastIndexOf;
const stringStartsWithOf = String.prototype.startsWith;
const stringEndsWithOf = String.prototype.endsWith;
const stringIncludesOf = String.prototype.includes;
const stringCharCodeAtOf = String.prototype.charCodeAt;

export const stringSlice = (s: string, start: number, end?: number): string => apply(stringSliceOf, s, end === undefined ? [start] : [start, end]) as string;
export const stringIndexOf = (s: string, search: string, from = 0): number => apply(stringIndexOfOf, s, [search, from]) as number;
export const stringLastIndexOf = (s: string, search: string, from = Infinity): number => apply(stringLastIndexOfOf, s, [search, from]) as number;
export const stringStartsWith = (s: string, search: string, at = 0): boolean => apply(stringStartsWithOf, s, [search, at]) as boolean;
export const stringEndsWith = (s: string, search: string): boolean => apply(stringEndsWithOf, s, [search]) as boolean;
export const stringIncludes = (s: string, search: string): boolean => apply(stringIncludesOf, s, [search]) as boolean;
export const charCodeAt = (s: string, at: number): number => apply(stringCharCodeAtOf, s, [at]) as number;

const regExpExecOf = RegExp.prototype.exec;
/** `re.exec(s)` with the original method (the page may replace RegExp.prototype.exec). */
export const regExpExec = (re: RegExp, s: string): RegExpExecArray | null => apply(regExpExecOf, re, [s]) as RegExpExecArray | null;
/**
 * `re.test(s)`, through the original exec: the original `test` itself looks `exec` up on the
 * regular expression at each call, and finds the page's if it replaced RegExp.prototype.exec.
 */
export const regExpTest = (re: RegExp, s: string): boolean => regExpExec(re, s) !== null;

/** Index of `value` in `list` (===), by a plain loop. */
export function indexOf<T>(list: readonly T[], value: T): number {
  for (let k = 0; k < list.length; k++) if (list[k] === value) return k;
  return -1;
}

const hasOwn = Object.hasOwn;

/**
 * `options[key]` when `options` has it as its own property, else undefined: an options object
 * that leaves a member out must not find it on Object.prototype, where a page may have put a
 * value or a getter.
 */
export function ownOption<T extends object, K extends keyof T>(options: T, key: K): T[K] | undefined {
  return hasOwn(options, key) ? options[key] : undefined;
}

/** Appends without `Array.prototype.push`. */
export function append<T>(list: T[], value: T): void {
  list[list.length] = value;
}

const typedArrayProto = getPrototypeOf(Uint8Array.prototype) as { set: (this: unknown, source: unknown, offset?: number) => void; subarray: (this: unknown, start?: number, end?: number) => unknown };
const typedSetOf = typedArrayProto.set;
const typedSubarrayOf = typedArrayProto.subarray;
/** `target.set(source.subarray(0, n), offset)` with the original methods. */
export function copyPrefix<T extends Float64Array | Uint8Array | Int32Array>(target: T, source: T, n: number, offset: number): void {
  apply(typedSetOf, target, [apply(typedSubarrayOf, source, [0, n]), offset]);
}

const NativeMap = Map;
const NativeSet = Set;
const mapMethods = { get: Map.prototype.get, set: Map.prototype.set, has: Map.prototype.has, delete: Map.prototype.delete, clear: Map.prototype.clear, keys: Map.prototype.keys };
const mapSizeGetter = Object.getOwnPropertyDescriptor(Map.prototype, "size")!.get!;
const mapIteratorNext = getPrototypeOf(new NativeMap().keys()).next as (this: Iterator<unknown>) => IteratorResult<unknown>;
const setMethods = { add: Set.prototype.add, has: Set.prototype.has, delete: Set.prototype.delete, clear: Set.prototype.clear };

/** A Map whose methods are the originals, as own properties (a page replacing Map.prototype.get does not reach it). */
export function safeMap<K, V>(): Map<K, V> {
  const map = new NativeMap<K, V>();
  // Spelled out: a for-of loop would go through the page's Array iterator.
  defineConstant(map, "get", mapMethods.get);
  defineConstant(map, "set", mapMethods.set);
  defineConstant(map, "has", mapMethods.has);
  defineConstant(map, "delete", mapMethods.delete);
  defineConstant(map, "clear", mapMethods.clear);
  defineConstant(map, "keys", mapMethods.keys);
  defineProperty(map, "size", bareDescriptor({ get: mapSizeGetter }));
  return map;
}

/** The oldest key of a safeMap (Maps keep insertion order), or undefined when it is empty. */
export function firstKey<K>(map: Map<K, unknown>): K | undefined {
  const first = apply(mapIteratorNext, map.keys(), []) as IteratorResult<K>;
  return first.done === true ? undefined : first.value;
}

const NativeWeakMap = WeakMap;
const weakMapMethods = { get: WeakMap.prototype.get, set: WeakMap.prototype.set, delete: WeakMap.prototype.delete };

/** A WeakMap whose methods are the originals, as own properties. */
export function safeWeakMap<K extends WeakKey, V>(): WeakMap<K, V> {
  const map = new NativeWeakMap<K, V>();
  defineConstant(map, "get", weakMapMethods.get);
  defineConstant(map, "set", weakMapMethods.set);
  defineConstant(map, "delete", weakMapMethods.delete);
  return map;
}

/** A Set whose methods are the originals, as own properties. */
export function safeSet<T>(): Set<T> {
  const set = new NativeSet<T>();
  defineConstant(set, "add", setMethods.add);
  defineConstant(set, "has", setMethods.has);
  defineConstant(set, "delete", setMethods.delete);
  defineConstant(set, "clear", setMethods.clear);
  return set;
}

const hostPerformance: { now(): number; timeOrigin?: number } | undefined =
  typeof performance !== "undefined" && typeof performance.now === "function" ? performance : undefined;
const performanceNowOf = hostPerformance?.now;
/** performance.now() with the original method, or Date.now() where there is no Performance. */
// Bound once here (a bound function keeps its target even if the page replaces the method),
// so a reading allocates nothing: the recorder reads it once per task step.
const functionBindOf = Function.prototype.bind;
export const hostNow: () => number = hostPerformance !== undefined && performanceNowOf !== undefined
  ? apply(functionBindOf, performanceNowOf, [hostPerformance]) as () => number
  : () => dateNow();
/** performance.timeOrigin as it was at start-up. */
export const hostTimeOrigin: number | undefined = hostPerformance?.timeOrigin;

const NativeString = String;
const stringToUpperCaseOf = String.prototype.toUpperCase;
export const stringToUpperCase = (s: string): string => apply(stringToUpperCaseOf, s, []) as string;

/**
 * A value as text, running no page code: strings as they are, other primitives converted by
 * the language (the original `String`: a page may replace the global), and objects and
 * functions by their type alone — their `toString`, `Symbol.toPrimitive` and `valueOf` are
 * the page's and may be traps.
 */
export function toText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) return "[object Object]";
  if (typeof value === "function") return "[function]";
  return NativeString(value);
}

/** The original `Error`: `new NativeError()` is the one page-side code makes, whatever `window.Error` is now. */
export const NativeError = Error;

/**
 * The V8 CallSite's methods (what `Error.prepareStackTrace` receives), taken at start-up: a page
 * can reach the CallSite prototype through its own prepareStackTrace and replace them. Null
 * outside V8.
 */
export const callSiteMethods: {
  readonly getFileName: () => unknown;
  readonly getScriptNameOrSourceURL: (() => unknown) | undefined;
  readonly getLineNumber: () => unknown;
  readonly getColumnNumber: () => unknown;
  readonly getFunctionName: () => unknown;
  readonly getTypeName: (() => unknown) | undefined;
  readonly getMethodName: (() => unknown) | undefined;
} | null = (() => {
  const errorClass = NativeError as unknown as { stackTraceLimit?: number; prepareStackTrace?: unknown };
  if (typeof errorClass.stackTraceLimit !== "number") return null;
  const prepare = ownDescriptor(errorClass, "prepareStackTrace");
  let site: unknown = null;
  try {
    errorClass.prepareStackTrace = (_error: unknown, sites: unknown[]) => sites[0]; // start-up
    site = new NativeError().stack;
  } catch {
    site = null;
  } finally {
    if (prepare === undefined) deleteProperty(errorClass, "prepareStackTrace");
    else defineProperty(errorClass, "prepareStackTrace", prepare);
  }
  if (typeof site !== "object" || site === null) return null;
  const proto = getPrototypeOf(site) as Record<string, unknown>;
  const method = (name: string): (() => unknown) | undefined => (typeof proto[name] === "function" ? proto[name] as () => unknown : undefined);
  const getFileName = method("getFileName");
  const getLineNumber = method("getLineNumber");
  const getColumnNumber = method("getColumnNumber");
  const getFunctionName = method("getFunctionName");
  if (getFileName === undefined || getLineNumber === undefined || getColumnNumber === undefined || getFunctionName === undefined) return null;
  return {
    getFileName, getLineNumber, getColumnNumber, getFunctionName,
    getScriptNameOrSourceURL: method("getScriptNameOrSourceURL"), getTypeName: method("getTypeName"), getMethodName: method("getMethodName"),
  };
})();
