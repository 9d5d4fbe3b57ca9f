import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * Bundles the CLI (src/cli, with the parts of src/trace and demo/server.ts it uses) into one
 * file for the published package: dist/aioscope-cli.js, run by bin/aioscope.mjs where there
 * are no sources. It sits directly in dist/ on purpose: demo/server.ts finds the built demo
 * page at `<its folder>/../dist/demo`, which from dist/ is the package's own dist/demo.
 * Packages (puppeteer-core; vite, which the demo server imports only to build in a checkout)
 * stay external, as SSR builds leave them.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  publicDir: false,
  logLevel: "warn",
  build: {
    ssr: "src/cli/main.ts",
    outDir: "dist",
    emptyOutDir: false,
    target: "node20",
    minify: false,
    sourcemap: false,
    rolldownOptions: {
      output: { format: "es", entryFileNames: "aioscope-cli.js", codeSplitting: false },
    },
  },
});
