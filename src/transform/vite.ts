/**
 * `aioscope/vite`: the Vite plugin of the build transform. In `vite dev` (and in `vite build`
 * with `build: true`) every async function of the app's own modules reports its calls and
 * awaits to the aioscope extension, with no change to the app's code.
 *
 * It runs in Vite's normal plugin order, after TypeScript and JSX were compiled to
 * JavaScript, and reads creation sites through the combined source map back to the sources.
 *
 * @example
 * // vite.config.ts
 * import aioscope from "aioscope/vite";
 * export default defineConfig({ plugins: [aioscope()] });
 */
import { createFilter, type FilterPattern, type Plugin } from "vite";
import { transformAsyncFunctions, TransformSyntaxError } from "./transform.ts";
import { PRELUDE_PATH, PRELUDE_SPECIFIER, fileOfId, isAppScript, siteFileName } from "./files.ts";

export interface AioscopeViteOptions {
  /** Instrument `vite build` output too (a development build to profile). Default: dev server only. */
  build?: boolean;
  /** Modules to instrument (picomatch globs or RegExps over file paths). Default: every script module. */
  include?: FilterPattern;
  /** Modules never to instrument. */
  exclude?: FilterPattern;
  /** Instrument dependencies in node_modules too. Default: false. */
  nodeModules?: boolean;
}

export default function aioscope(options: AioscopeViteOptions = {}): Plugin {
  const filter = createFilter(options.include, options.exclude);
  const nodeModules = options.nodeModules === true;
  let root = process.cwd();
  let enabled = false;
  return {
    name: "aioscope:async-functions",
    configResolved(config) {
      root = config.root;
      enabled = config.command === "serve" || options.build === true;
    },
    resolveId: {
      // Before Vite's own resolver, which would find "aioscope/prelude" through the package's
      // exports: the prelude must be the one beside this plugin.
      order: "pre",
      handler(source) {
        return source === PRELUDE_SPECIFIER ? PRELUDE_PATH : null;
      },
    },
    transform(code, id) {
      if (!enabled) return null;
      const file = fileOfId(id);
      if (!isAppScript(file, nodeModules) || !filter(file)) return null;
      try {
        const result = transformAsyncFunctions(code, {
          id: file,
          inputMap: this.getCombinedSourcemap(),
          formatFile: siteFileName(root, file),
          preludeImport: PRELUDE_SPECIFIER,
        });
        return result === null ? null : { code: result.code, map: result.map };
      } catch (error) {
        // A module the parser does not understand stays as it was: the app still runs.
        if (error instanceof TransformSyntaxError) {
          this.warn(`${error.message} (left uninstrumented)`);
          return null;
        }
        throw error;
      }
    },
  };
}

export { aioscope };
