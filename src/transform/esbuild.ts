/**
 * `aioscope/esbuild`: the esbuild plugin of the build transform, for apps bundled by esbuild
 * directly. It compiles each of the app's own TypeScript/JSX modules with the build's esbuild
 * (so the transform reads JavaScript), instruments it, and hands esbuild the code with one
 * source map back to the file as written.
 *
 * @example
 * import aioscope from "aioscope/esbuild";
 * await esbuild.build({ entryPoints: ["src/main.ts"], bundle: true, plugins: [aioscope()] });
 */
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import remapping from "@jridgewell/remapping";
import type { Loader, Plugin } from "esbuild";
import { transformAsyncFunctions, TransformSyntaxError } from "./transform.ts";
import { PRELUDE_PATH, PRELUDE_SPECIFIER, isAppScript, siteFileName } from "./files.ts";

export interface AioscopeEsbuildOptions {
  /** Modules to instrument, by path. Default: every script module. */
  include?: RegExp;
  /** Modules never to instrument, by path. */
  exclude?: RegExp;
  /** Instrument dependencies in node_modules too. Default: false. */
  nodeModules?: boolean;
  /** Where creation-site paths are relative to. Default: the build's working directory. */
  root?: string;
}

const LOADERS: Record<string, Loader> = { ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx", ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx" };

export default function aioscope(options: AioscopeEsbuildOptions = {}): Plugin {
  return {
    name: "aioscope:async-functions",
    setup(build) {
      const root = options.root ?? build.initialOptions.absWorkingDir ?? process.cwd();
      build.onResolve({ filter: /^aioscope\/prelude$/ }, () => ({ path: PRELUDE_PATH }));
      build.onLoad({ filter: options.include ?? /\.[cm]?[jt]sx?$/ }, async (args) => {
        const loader = LOADERS[/\.[^.]+$/.exec(args.path)?.[0] ?? ""];
        if (loader === undefined || !isAppScript(args.path, options.nodeModules === true) || options.exclude?.test(args.path) === true) return undefined;
        const source = await readFile(args.path, "utf8");
        const compiled = loader === "js" ? null : await build.esbuild.transform(source, {
          loader, sourcemap: "external", sourcefile: args.path, format: "esm",
          jsx: build.initialOptions.jsx, jsxFactory: build.initialOptions.jsxFactory,
          jsxFragment: build.initialOptions.jsxFragment, jsxImportSource: build.initialOptions.jsxImportSource,
          tsconfigRaw: build.initialOptions.tsconfigRaw,
        });
        const code = compiled === null ? source : compiled.code;
        let result;
        try {
          result = transformAsyncFunctions(code, {
            id: args.path, inputMap: compiled?.map ?? null, formatFile: siteFileName(root, args.path), preludeImport: PRELUDE_SPECIFIER,
          });
        } catch (error) {
          if (!(error instanceof TransformSyntaxError)) throw error;
          return { warnings: [{ text: `${error.message} (left uninstrumented)` }] };
        }
        if (result === null) return compiled === null ? undefined : { contents: source, loader, resolveDir: dirname(args.path) };
        const map = compiled === null ? result.map : remapping([result.map.toString(), compiled.map], () => null);
        const inlineMap = Buffer.from(map.toString()).toString("base64");
        return {
          contents: `${result.code}\n//# sourceMappingURL=data:application/json;base64,${inlineMap}\n`,
          loader: "js",
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

export { aioscope };
