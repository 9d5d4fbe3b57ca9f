/**
 * Creation sites from stack traces: the first frame outside the runtime and the recorder.
 * V8 formats frames as `    at fn (file:line:col)` or `    at file:line:col`; Firefox and
 * Safari as `fn@file:line:col`. Anything else is skipped.
 *
 * The recorder and the native wrappers call this inside pages: built-ins from primordials.ts only.
 */
import type { CreationSite } from "./model.ts";
import {
  apply, bareDescriptor, callSiteMethods, defineProperty, deleteProperty, findProperty, isArray, NativeError, ownDescriptor, regExpExec, regExpTest,
  stringIndexOf, stringSlice, stringStartsWith,
} from "./primordials.ts";

/**
 * Frames of aioscope itself (the runtime, this module, the page agent, the injected extension
 * scripts) and of the host's internals: never the place a person created a task.
 */
export const DEFAULT_INTERNAL_FRAMES =
  /[\\/](?:src[\\/](?:runtime|trace|content)|dist[\\/]runtime|node_modules[\\/]aioscope)[\\/]|^(?:chrome|moz)-extension:|^node:|^internal[\\/]/;

/** Which frames are not "the caller": a RegExp, or anything else with the same `test`. */
export interface FrameFilter {
  test(file: string): boolean;
}

/**
 * `filter.test(file)`, except that a RegExp is tested through the `RegExp.prototype.test`
 * captured at start-up: the page may have replaced the one its prototype has now.
 */
function isInternal(filter: FrameFilter, file: string): boolean {
  // RuntimeFrames is aioscope's own class, out of the page's reach; its `covers` is the `test`.
  return filter instanceof RuntimeFrames ? filter.covers(file) : regExpTest(filter as RegExp, file);
}

/**
 * The default frames plus those of the runtime copies a page brings itself — bundled into one
 * file (`vendor/runtime.mjs`) or loaded as the multi-file dist build (`…/dist/runtime/*.js`) —
 * whose files are learned as each copy registers (`add` is given the file that called
 * `registerRuntime`: its instrument module). For the dist build, whose modules sit side by side
 * in one folder, the whole folder is the runtime's; a single-file copy is that file.
 *
 * Page-side: files are kept as keys of null-prototype objects and prefixes in a plain array,
 * so nothing here calls a built-in the page could have replaced after it loaded.
 */
export class RuntimeFrames implements FrameFilter {
  private readonly files: Record<string, true> = createObject(null) as Record<string, true>;
  private readonly folders: string[] = [];

  constructor(private readonly base: FrameFilter = DEFAULT_INTERNAL_FRAMES) {}

  /** `file` is where a runtime copy registered from. */
  add(file: string): void {
    const slash = lastSlash(file);
    const name = stringSlice(file, slash + 1);
    if (name === "instrument.js" || name === "instrument.ts") {
      const folder = stringSlice(file, 0, slash + 1);
      for (let k = 0; k < this.folders.length; k++) if (this.folders[k] === folder) return;
      this.folders[this.folders.length] = folder;
    } else {
      this.files[file] = true;
    }
  }

  test(file: string): boolean {
    return this.covers(file);
  }

  covers(file: string): boolean {
    if (this.files[file] === true || isInternal(this.base, file)) return true;
    for (let k = 0; k < this.folders.length; k++) {
      const folder = this.folders[k]!;
      if (file.length > folder.length && stringSlice(file, 0, folder.length) === folder) return true;
    }
    return false;
  }
}

const createObject = Object.create;

function lastSlash(file: string): number {
  for (let k = file.length - 1; k >= 0; k--) if (file[k] === "/" || file[k] === "\\") return k;
  return -1;
}

const V8_FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?\s*$/;
const GECKO_FRAME = /^\s*(.*?)@(.+?):(\d+):(\d+)\s*$/;
const EVAL_POSITION = /\(([^()]+?):\d+:\d+\), (.*)$/;

/** Parses one stack line into a site, or null when the line is not a frame with a position. */
export function parseStackFrame(line: string): CreationSite | null {
  const match = regExpExec(V8_FRAME, line) ?? regExpExec(GECKO_FRAME, line);
  if (match === null) return null;
  let file = match[2]!;
  // `at fn (eval at outer (file:1:2), <anonymous>:3:4)`: the position is the eval's.
  const evalAt = regExpExec(EVAL_POSITION, file);
  if (evalAt !== null) file = evalAt[2]!;
  let fn = match[1] !== undefined && match[1] !== "" ? match[1] : null;
  if (fn !== null && stringStartsWith(fn, "async ")) fn = stringSlice(fn, 6);
  return { file, line: +match[3]!, column: +match[4]!, function: fn };
}

/** The first frame of `stack` whose file `internal` does not match. */
export function firstExternalFrame(stack: string, internal: FrameFilter = DEFAULT_INTERNAL_FRAMES): CreationSite | null {
  let start = 0;
  while (start < stack.length) {
    let end = stringIndexOf(stack, "\n", start);
    if (end < 0) end = stack.length;
    const site = parseStackFrame(stringSlice(stack, start, end));
    if (site !== null && !isInternal(internal, site.file)) return site;
    start = end + 1;
  }
  return null;
}

interface V8ErrorConstructor {
  stackTraceLimit?: number;
  prepareStackTrace?: (error: Error, sites: unknown[]) => unknown;
}

const errorClass = NativeError as unknown as V8ErrorConstructor;

/** `Error.prepareStackTrace` while captureSite reads the structured call sites. */
const RETURN_CALL_SITES = bareDescriptor({ value: returnCallSites, writable: true, configurable: true, enumerable: false });

/**
 * The stack of the current call, deep enough to get past the runtime's own frames (a task
 * made by gather → ensureFuture → createTask → Task → emit → the hook is ~10 frames deep,
 * V8's default limit). It is formatted by the host's `Error.prepareStackTrace`, if any: that
 * is how Node's source maps apply ("mapped" creation sites); pages take `captureSite`'s path.
 */
export function captureStack(depth = 32): string {
  const limit = ownDescriptor(errorClass, "stackTraceLimit");
  const settable = limit !== undefined && "value" in limit && typeof limit.value === "number" && limit.writable === true;
  if (settable) errorClass.stackTraceLimit = depth;
  try {
    const stack: unknown = new NativeError().stack;
    return typeof stack === "string" ? stack : "";
  } finally {
    if (settable) defineProperty(errorClass, "stackTraceLimit", limit);
  }
}

/**
 * Where the current call comes from: the first frame outside `internal`. On V8 it reads the
 * structured call sites (no stack text is formatted, and no installed source-map hook runs:
 * positions are those of the code as loaded, as a page's own stack traces show them);
 * elsewhere it parses the stack text.
 *
 * In a page, everything here was taken at start-up (primordials.ts): the original `Error`, the
 * CallSite's methods, and the descriptors of `Error.stackTraceLimit` and `prepareStackTrace`,
 * which are read without running a getter. A page that turned either into an accessor or froze
 * it gets no creation sites (never a wrong one) rather than its code run by ours.
 */
export function captureSite(internal: FrameFilter = DEFAULT_INTERNAL_FRAMES, depth = 32): CreationSite | null {
  if (callSiteMethods === null || ownDescriptor(errorClass, "stackTraceLimit") === undefined) return firstExternalFrame(captureStack(depth), internal);
  const sites = withStackSettings(depth, RETURN_CALL_SITES, () => new NativeError().stack);
  if (!isArray(sites)) return null;
  const m = callSiteMethods;
  const callSites = sites as unknown[];
  for (let k = 0; k < callSites.length; k++) {
    const site = callSites[k];
    const fileName = apply(m.getFileName, site, []) ?? (m.getScriptNameOrSourceURL === undefined ? null : apply(m.getScriptNameOrSourceURL, site, []));
    const file = typeof fileName === "string" ? fileName : null;
    if (file === null || file === "" || isInternal(internal, file)) continue;
    const line = apply(m.getLineNumber, site, []);
    const column = apply(m.getColumnNumber, site, []);
    if (typeof line !== "number" || typeof column !== "number") continue;
    const name = apply(m.getFunctionName, site, []);
    let fn = typeof name === "string" ? name : null;
    if (fn === null && m.getMethodName !== undefined) {
      const method = apply(m.getMethodName, site, []);
      const type = m.getTypeName === undefined ? null : apply(m.getTypeName, site, []);
      if (typeof method === "string") fn = typeof type === "string" ? `${type}.${method}` : method;
    }
    return { file, line, column, function: fn };
  }
  return null;
}

/**
 * `read()` (which makes a stack and reads it), run while `Error.stackTraceLimit` is `depth` and
 * `Error.prepareStackTrace` is `formatter` (null: none, V8 formats the stack itself), both own
 * properties of Error, and put back after. V8 looks `prepareStackTrace` up as any property,
 * getters and all, through Function.prototype and Object.prototype, so it is an own property
 * of ours meanwhile, and a page's own formatter is neither called nor able to change the
 * result. Null when `read` throws, or when the page turned either property into an accessor or
 * made it read-only: no stack rather than its code run by ours.
 */
export function withStackSettings<T>(depth: number, formatter: PropertyDescriptor | null, read: () => T): T | null {
  const limit = ownDescriptor(errorClass, "stackTraceLimit");
  const prepare = ownDescriptor(errorClass, "prepareStackTrace");
  if (limit === undefined || !("value" in limit) || limit.writable !== true || typeof limit.value !== "number") return null;
  if (prepare !== undefined && (!("value" in prepare) || prepare.writable !== true || prepare.configurable !== true)) return null;
  // No formatter wanted and none to be found (the usual page): nothing to put aside. Defining
  // one and deleting it again would cost more than the stack itself (a change of Error's shape
  // each way).
  const replace = formatter !== null || findProperty(errorClass, "prepareStackTrace") !== undefined;
  try {
    errorClass.stackTraceLimit = depth;
    if (replace) defineProperty(errorClass, "prepareStackTrace", formatter ?? NO_FORMATTER);
    return read();
  } catch {
    // Error is not extensible (a page may do that): no stack.
    return null;
  } finally {
    defineProperty(errorClass, "stackTraceLimit", limit);
    if (replace) {
      if (prepare === undefined) deleteProperty(errorClass, "prepareStackTrace");
      else defineProperty(errorClass, "prepareStackTrace", prepare);
    }
  }
}

/** `Error.prepareStackTrace` while no formatter is wanted but the page has one: none. */
const NO_FORMATTER = bareDescriptor({ value: undefined, writable: true, configurable: true, enumerable: false });

/** Our `Error.prepareStackTrace` while a site is taken: the structured call sites themselves. */
function returnCallSites(_error: Error, callSites: unknown[]): unknown[] {
  return callSites;
}
