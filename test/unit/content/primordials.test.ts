/**
 * Page-side code calls no built-in the page can replace after document_start (see
 * src/trace/primordials.ts). This test reads the modules that run inside pages and refuses,
 * inside any function body (indented lines), the calls a page can intercept: prototype
 * methods of arrays, strings and regular expressions, `Math.*`, `JSON.*`, `Object.*`,
 * `performance.*`, the global `String` and `Error` (and `Error.prepareStackTrace`), V8's
 * CallSite methods, PerformanceObserver's, `for…of` and array spreads (they go through the
 * page's Array iterator). Module-level lines run once
 * at document_start, before any page script, and may capture what they need.
 *
 * A line that runs only at start-up although indented says so with a `// start-up` comment.
 * test/e2e/poisoned-builtins.test.ts checks the same thing in Chromium, for the paths it reaches.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { firstKey, safeMap, safeSet, safeWeakMap } from "../../../src/trace/primordials.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Modules evaluated in the page's realm (the MAIN-world bundle), other than the capture modules. */
function pageSideModules(): string[] {
  const content = join(ROOT, "src/content");
  const files = [
    "src/trace/recorder.ts", "src/trace/stack.ts", "src/trace/encoding.ts", "src/trace/batch-check.ts", "src/protocol/validate.ts",
    "src/content/page-agent.ts", "src/content/live-snapshot.ts", "src/content/install-hook.ts", "src/content/main-world.ts", "src/content/performance-tracks.ts",
    "src/trace/performance-tracks.ts", "src/content/flight-ring.ts", "src/content/instrument-hooks.ts",
  ];
  for (const dir of ["channel", "native"]) {
    for (const name of readdirSync(join(content, dir))) {
      if (name.endsWith(".ts") && name !== "originals.ts") files.push(`src/content/${dir}/${name}`);
    }
  }
  return files;
}

const FORBIDDEN: readonly [RegExp, string][] = [
  [/\.(push|pop|shift|unshift|splice|indexOf|lastIndexOf|includes|map|filter|forEach|join|concat|reduce|some|every|find|findIndex|sort|fill|slice|substring|startsWith|endsWith|split|replace|trim|padStart|repeat|toFixed|toUpperCase|toLowerCase|toString|charAt|codePointAt|normalize|localeCompare|match|matchAll|search|test|exec)\(/, "a prototype method"],
  [/\.(getFileName|getScriptNameOrSourceURL|getLineNumber|getColumnNumber|getFunctionName|getMethodName|getTypeName)\(/, "a CallSite method (use callSiteMethods)"],
  [/\.(observe|disconnect|getEntries|getEntriesByType|takeRecords)\(/, "an observer's method (take it at start-up)"],
  [/(?<![\w.$])String\(/, "the page's String (use toText)"],
  [/\bnew (Error|PerformanceObserver)\(|\bError\.(prepareStackTrace|stackTraceLimit|captureStackTrace)\b/, "the page's Error or PerformanceObserver (use the originals)"],
  [/\b(Math|JSON|Object|Array|Reflect|Number|Date|performance)\.[a-zA-Z]+\(/, "a method of a global"],
  [/\bfor \((const|let) [^;]*\bof\b/, "for…of (the Array iterator)"],
  [/\[\.\.\./, "an array spread (the Array iterator)"],
  [/\bdefineProperty\([^,]*,[^,]*, \{/, "a descriptor whose members are looked up on the page's Object.prototype (use bareDescriptor)"],
];

/** Anywhere, module level included: a collection made with `new` looks its methods up on the page's prototypes at every call. */
const PAGE_COLLECTION = /\bnew (Map|Set|WeakMap|WeakSet)\b/;

/** Lines of function bodies that call something a page can replace. */
function violations(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found: string[] = [];
  let inComment = false;
  text.split("\n").forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed.startsWith("/*")) inComment = true;
    if (inComment) {
      if (trimmed.includes("*/")) inComment = false;
      return;
    }
    if (PAGE_COLLECTION.test(line) && !trimmed.startsWith("//") && !trimmed.startsWith("*")) {
      found.push(`${file}:${index + 1}: a collection with the page's methods (use safeMap): ${trimmed}`);
    }
    if (!line.startsWith(" ") || trimmed.startsWith("//") || trimmed.startsWith("*") || line.includes("// start-up")) return;
    const code = line.replace(/\/\/.*$/, "").replace(/`[^`]*`|"[^"]*"|'[^']*'/g, '""');
    for (const [pattern, what] of FORBIDDEN) {
      if (pattern.test(code)) found.push(`${file}:${index + 1}: ${what}: ${trimmed}`);
    }
  });
  return found;
}

describe("page-side code and the page's built-ins", () => {
  test("no function of a page-side module calls a built-in the page can replace", () => {
    expect(pageSideModules().flatMap(violations)).toEqual([]);
  });

  test("the check sees the calls it forbids", () => {
    // The rule itself, on a sample: an indented push is found, a module-level capture is not.
    const sample = ["const push = Array.prototype.push;", "function f(list) {", "  list.push(1);", "  for (const x of list) g(x);", "}"];
    const flagged = sample.filter((line) => line.startsWith(" ") && FORBIDDEN.some(([pattern]) => pattern.test(line)));
    expect(flagged).toEqual(["  list.push(1);", "  for (const x of list) g(x);"]);
  });
});

describe("the safe collections", () => {
  test("keep working after the page replaces the prototypes' methods and getters", () => {
    const map = safeMap<string, number>();
    const weak = safeWeakMap<object, number>();
    const set = safeSet<number>();
    const key = {};
    const saved = { get: Map.prototype.get, keys: Map.prototype.keys, size: Object.getOwnPropertyDescriptor(Map.prototype, "size")!, weakGet: WeakMap.prototype.get, add: Set.prototype.add };
    const poison = (): never => {
      throw new Error("the page's method ran");
    };
    const seen: unknown[] = [];
    try {
      Map.prototype.get = poison;
      Map.prototype.keys = poison;
      Object.defineProperty(Map.prototype, "size", { get: poison, configurable: true });
      WeakMap.prototype.get = poison;
      Set.prototype.add = poison;
      map.set("a", 1);
      map.set("b", 2);
      weak.set(key, 3);
      set.add(4);
      seen[seen.length] = map.get("b");
      seen[seen.length] = map.size;
      seen[seen.length] = firstKey(map);
      seen[seen.length] = weak.get(key);
      seen[seen.length] = set.has(4);
      map.delete("a");
      seen[seen.length] = firstKey(map);
      map.clear();
      seen[seen.length] = firstKey(map);
    } finally {
      // Restored before asserting: the assertions use the built-ins themselves.
      Map.prototype.get = saved.get;
      Map.prototype.keys = saved.keys;
      Object.defineProperty(Map.prototype, "size", saved.size);
      WeakMap.prototype.get = saved.weakGet;
      Set.prototype.add = saved.add;
    }
    expect(seen).toEqual([2, 2, "a", 3, true, "b", undefined]);
  });
});
