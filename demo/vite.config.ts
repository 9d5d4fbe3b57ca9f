import preact from "@preact/preset-vite";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const demoDir = fileURLToPath(new URL(".", import.meta.url));

/**
 * Builds the demo page into dist/demo. The page bundles its own copy of the runtime (it
 * imports src/runtime directly), on purpose: the extension must see page-bundled copies.
 * `base: "./"` keeps the build servable from any path.
 */
export default defineConfig({
  root: demoDir,
  base: "./",
  plugins: [preact()],
  // Any public/ folder would be the demo's own, not the repository's.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("../dist/demo", import.meta.url)),
    emptyOutDir: true,
    // The demo is for reading in DevTools too: keep names and readable stacks.
    sourcemap: true,
  },
});
