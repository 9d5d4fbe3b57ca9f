import { defineConfig } from "vite";
import { extensionBuildConfig } from "./scripts/extension-build.ts";

/** Builds the browser extension for Firefox into dist/firefox, from the same sources as Chrome's. */
export default defineConfig(extensionBuildConfig("firefox"));
