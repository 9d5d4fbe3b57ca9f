import preact from "@preact/preset-vite";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import aioscope from "../src/transform/vite.ts";

const demoDir = fileURLToPath(new URL(".", import.meta.url));

/**
 * Builds the demo pages into dist/demo: the asyncio scenarios (index.html) and the plain
 * async/await page (async.html), whose modules alone go through the build transform. The
 * scenarios page bundles its own copy of the runtime (it imports src/runtime directly), on
 * purpose: the extension must see page-bundled copies. `base: "./"` keeps the build servable
 * from any path.
 */
export default defineConfig({
  root: demoDir,
  base: "./",
  plugins: [preact(), aioscope({ build: true, include: ["**/src/async-app/**"] })],
  // Any public/ folder would be the demo's own, not the repository's.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("../dist/demo", import.meta.url)),
    emptyOutDir: true,
    // The demo is for reading in DevTools too: keep names and readable stacks.
    sourcemap: true,
    rolldownOptions: {
      input: { main: fileURLToPath(new URL("index.html", import.meta.url)), async: fileURLToPath(new URL("async.html", import.meta.url)) },
    },
  },
});
