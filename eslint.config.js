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

/**
 * The trace model (src/trace) runs in the page, the panel, a Web Worker and Node: the same
 * hosts' common ground as the runtime, minus Node's own globals. It may use the runtime only
 * through its public index.
 */
const TRACE_FORBIDDEN_GLOBALS = [
  ...DOM_ONLY_GLOBALS.map(({ name }) => name).filter((name) => name !== "self"),
  "process", "Buffer", "require", "module", "__dirname", "__filename", "global",
].map((name) => ({ name, message: "src/trace runs in pages, workers and Node alike: no DOM, extension or Node-only globals." }));
const TRACE_UI_IMPORTS = {
  group: ["preact", "preact/*", "chart.js", "chart.js/*", "webextension-polyfill", "idb", "node:*", "fs", "path", "os", "child_process"],
  message: "src/trace is shared by page, panel, worker and CLI: no UI, extension or Node modules.",
};

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
    // The seam current.ts holds: futures and tasks reach the running loop through its
    // accessors and know the event loop only as a type, so the concrete loop can change
    // (or be replaced in tests) without them.
    files: ["src/runtime/task.ts", "src/runtime/future.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", {
        paths: [{ name: "./event-loop.ts", allowTypeImports: true, message: "task.ts and future.ts reach the loop through current.ts; import EventLoop as a type only." }],
      }],
    },
  },
  {
    // The runtime's I/O (src/runtime/io) is part of the runtime: it may use the runtime's own
    // modules, and still nothing from other layers nor any Node built-in (hosts install theirs).
    files: ["src/runtime/io/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["preact", "preact/*", "chart.js", "chart.js/*", "webextension-polyfill", "idb"], message: "src/runtime is a UI- and extension-free library." },
          { group: ["node:*", "fs", "path", "os", "child_process", "net", "worker_threads"], message: "src/runtime must also run in pages: no Node built-ins (src/node installs Node's I/O)." },
          { group: ["../../*"], message: "src/runtime imports nothing from other layers." },
        ],
      }],
    },
  },
  {
    files: ["src/trace/**/*.ts"],
    languageOptions: { globals: { ...globals.es2021 } },
    rules: {
      "no-restricted-globals": ["error", ...TRACE_FORBIDDEN_GLOBALS],
      "no-restricted-properties": ["error",
        { object: "globalThis", property: "document", message: "No DOM in src/trace." },
        { object: "globalThis", property: "window", message: "No DOM in src/trace." },
        { object: "globalThis", property: "chrome", message: "No extension APIs in src/trace." },
        { object: "globalThis", property: "browser", message: "No extension APIs in src/trace." },
        { object: "globalThis", property: "process", message: "No Node globals in src/trace." },
      ],
      "no-restricted-imports": ["error", {
        patterns: [
          TRACE_UI_IMPORTS,
          { group: ["../*", "!../runtime", "../runtime/*", "!../runtime/index.ts"], message: "src/trace uses the runtime only through src/runtime/index.ts, and no other layer." },
        ],
      }],
    },
  },
  {
    files: ["src/trace/*/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          TRACE_UI_IMPORTS,
          { group: ["../../*"], message: "src/trace's subfolders import only from src/trace." },
        ],
      }],
    },
  },
  {
    // aioscope/node: Node's host for the trace model — Node built-ins yes, the UI and the
    // extension no, and the runtime and the trace model only through their public indexes.
    files: ["src/node/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["preact", "preact/*", "chart.js", "chart.js/*", "webextension-polyfill", "idb"], message: "src/node is a library for Node programs: no UI or extension modules." },
          { group: ["../*", "!../runtime", "!../trace", "../runtime/*", "../trace/*", "!../runtime/index.ts", "!../trace/index.ts"], message: "src/node uses the runtime and the trace model only through their index.ts." },
        ],
      }],
    },
  },
  {
    // The build transform sits on top of the runtime's instrument API as a layer of its own:
    // what it adds to apps reports through the page hook, never through aioscope's modules.
    files: ["src/transform/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["../*"], message: "src/transform imports no other layer: its prelude talks to the page hook only." }],
      }],
    },
  },
  {
    files: ["src/transform/prelude.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["*"], message: "The prelude runs in the app's pages: it imports nothing." }],
      }],
    },
  },
  {
    files: ["test/**/*.{ts,mts}", "bench/**/*.{ts,mts}", "demo/server.ts", "demo/node/**/*.mjs", "src/cli/**/*.ts", "scripts/**/*.{js,mjs,ts,mts}"],
    rules: { "no-console": "off" },
  },
);
