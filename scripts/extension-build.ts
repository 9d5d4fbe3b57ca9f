import { crx, type ManifestV3Export } from "@crxjs/vite-plugin";
import preact from "@preact/preset-vite";
import type { UserConfig } from "vite";
import manifest from "../manifest.json" with { type: "json" };
import pkg from "../package.json" with { type: "json" };
import { firefoxManifest } from "./firefox-manifest.ts";

/** The browsers the extension is built for, and where each build goes. */
export type ExtensionTarget = "chrome" | "firefox";

const OUT_DIRS: Record<ExtensionTarget, string> = { chrome: "dist/extension", firefox: "dist/firefox" };

/**
 * The Vite config that builds the extension for one browser from the same sources. Each
 * target owns its own directory under dist/: dist/runtime belongs to the runtime's own
 * `tsc -p tsconfig.runtime.json` build, so this build must never write or empty it.
 */
export function extensionBuildConfig(target: ExtensionTarget): UserConfig {
  // package.json is the one place the version is set; the built manifest follows it.
  const chromeManifest = { ...manifest, version: pkg.version };
  return {
    plugins: [
      preact(),
      crx({
        // crxjs types the manifest as Chrome's; with `browser: "firefox"` it reads Firefox's
        // `background.scripts` and passes the gecko settings through untouched.
        manifest: target === "chrome" ? chromeManifest : (firefoxManifest(chromeManifest) as unknown as ManifestV3Export),
        browser: target,
        // Both content scripts are built as self-contained IIFEs. crxjs would otherwise wrap a
        // script that shares chunks in a loader that import()s it asynchronously — and the
        // MAIN-world hook must run before any page script, synchronously at document_start.
        contentScripts: { standaloneFiles: ["src/content/main-world.ts", "src/content/bridge.ts"] },
      }),
    ],
    build: {
      outDir: OUT_DIRS[target],
      emptyOutDir: true,
      // Extension pages run only in Chromium and Firefox, which support modulepreload natively.
      modulePreload: { polyfill: false },
      rolldownOptions: {
        // The panel page is named only in a devtools.panels.create() call, which crxjs
        // cannot see in the manifest, so it is listed here to be built at all.
        input: { panel: "src/devtools/panel.html" },
      },
    },
  };
}
