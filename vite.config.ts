import { defineConfig } from "vite";
import { extensionBuildConfig } from "./scripts/extension-build.ts";

/** Builds the browser extension for Chrome into dist/extension (Firefox: vite.firefox.config.ts). */
export default defineConfig(extensionBuildConfig("chrome"));
