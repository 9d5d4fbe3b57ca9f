import preact from "@preact/preset-vite";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * Builds the Async panel's UI as a plain web page for `aioscope view`: the inline shell
 * (src/devtools/shell), production-bundled as the extension's panel is, into dist/viewer.
 * `aioscope view` serves it on 127.0.0.1 with `?trace=…` naming the trace to show.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));

export default defineConfig({
  root: `${root}src/devtools/shell`,
  base: "./",
  publicDir: false,
  logLevel: "warn",
  plugins: [preact()],
  build: { outDir: `${root}dist/viewer`, emptyOutDir: true, modulePreload: { polyfill: false } },
});
