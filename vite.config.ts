import { crx } from "@crxjs/vite-plugin";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";
import manifest from "./manifest.json" with { type: "json" };
import pkg from "./package.json" with { type: "json" };

/**
 * Builds the browser extension into dist/extension. dist/runtime belongs to the runtime's own
 * `tsc -p tsconfig.runtime.json` build, so this build must never write or empty it.
 */
export default defineConfig({
  plugins: [
    preact(),
    // package.json is the one place the version is set; the built manifest follows it.
    crx({
      manifest: { ...manifest, version: pkg.version },
      // Both content scripts are built as self-contained IIFEs. crxjs would otherwise wrap a
      // script that shares chunks in a loader that import()s it asynchronously — and the
      // MAIN-world hook must run before any page script, synchronously at document_start.
      contentScripts: { standaloneFiles: ["src/content/main-world.ts", "src/content/bridge.ts"] },
    }),
  ],
  build: {
    outDir: "dist/extension",
    emptyOutDir: true,
    // Extension pages run only in Chromium, which supports modulepreload natively.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // The panel page is named only in a chrome.devtools.panels.create() call, which crxjs
      // cannot see in the manifest, so it is listed here to be built at all.
      input: { panel: "src/devtools/panel.html" },
    },
  },
});
