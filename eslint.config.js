// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

/**
 * The runtime is a library for pages and for Node alike: it may use only what both hosts
 * share (timers, queueMicrotask, performance, AbortController, console). These rules keep
 * the DOM, the extension APIs and the UI framework out of it, so the boundary is enforced
 * by the linter rather than by hope.
 */
const DOM_ONLY_GLOBALS = [
  "window", "document", "navigator", "location", "history", "localStorage", "sessionStorage",
  "indexedDB", "HTMLElement", "Element", "Node", "Event", "EventTarget", "CustomEvent",
  "MutationObserver", "requestAnimationFrame", "cancelAnimationFrame", "requestIdleCallback",
  "XMLHttpRequest", "fetch", "alert", "self", "parent", "top", "frames", "opener",
  "chrome", "browser",
].map((name) => ({ name, message: "src/runtime must run in Node and in pages alike: no DOM or extension globals." }));

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "artifacts/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      "no-console": ["warn", { allow: ["warn", "error"] }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["src/runtime/**/*.ts"],
    languageOptions: { globals: { ...globals.es2021 } },
    rules: {
      "no-restricted-globals": ["error", ...DOM_ONLY_GLOBALS],
      "no-restricted-properties": ["error",
        { object: "globalThis", property: "document", message: "No DOM in src/runtime." },
        { object: "globalThis", property: "window", message: "No DOM in src/runtime." },
        { object: "globalThis", property: "chrome", message: "No extension APIs in src/runtime." },
        { object: "globalThis", property: "browser", message: "No extension APIs in src/runtime." },
      ],
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["preact", "preact/*", "chart.js", "chart.js/*", "webextension-polyfill", "idb"], message: "src/runtime is a UI- and extension-free library." },
          { group: ["node:*", "fs", "path", "os", "child_process"], message: "src/runtime must also run in pages: no Node built-ins." },
          { group: ["../*", "!./*"], message: "src/runtime imports nothing from other layers." },
        ],
      }],
    },
  },
  {
    files: ["test/**/*.{ts,mts}", "bench/**/*.{ts,mts}", "demo/server.ts", "src/cli/**/*.ts", "scripts/**/*.{js,mjs,ts,mts}"],
    rules: { "no-console": "off" },
  },
);
