/**
 * What the bundler plugins share: where the prelude lives, which modules are the app's own,
 * and how a source file is named in creation sites.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The specifier transformed modules import the prelude by; the plugins resolve it. */
export const PRELUDE_SPECIFIER = "aioscope/prelude";

/**
 * The prelude's file: beside this module, compiled (dist/transform/prelude.js) in the package,
 * TypeScript when aioscope runs from its sources (its own tests and demo).
 */
export const PRELUDE_PATH: string = (() => {
  const compiled = fileURLToPath(new URL("./prelude.js", import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL("./prelude.ts", import.meta.url));
})();

/** Modules the transform can read once the bundler has turned them into JavaScript. */
const SCRIPT_FILE = /\.(?:[cm]?[jt]sx?|vue|svelte)$/;

/** The file part of a bundler's module id (ids may carry `?query`). */
export function fileOfId(id: string): string {
  const query = id.indexOf("?");
  return query < 0 ? id : id.slice(0, query);
}

/** True for the app's own script modules: not virtual, not the prelude, not node_modules unless asked. */
export function isAppScript(file: string, nodeModules: boolean): boolean {
  if (file.startsWith("\0") || file === PRELUDE_PATH || !SCRIPT_FILE.test(file)) return false;
  return nodeModules || !file.split(/[\\/]/).includes("node_modules");
}

/** A source as creation sites show it: relative to the project root, with `/`, when inside it. */
export function siteFileName(root: string, moduleFile: string): (source: string) => string {
  return (source) => {
    const file = isAbsolute(source) ? source : resolve(dirname(moduleFile), source);
    const fromRoot = relative(root, file);
    if (fromRoot.startsWith("..") || isAbsolute(fromRoot)) return file.split(sep).join("/");
    return fromRoot.split(sep).join("/");
  };
}
