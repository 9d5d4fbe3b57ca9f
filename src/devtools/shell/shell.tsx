/**
 * The inline shell: the Async panel mounted in a plain page, fed by the extension's real page
 * agent, bridge and router running in this same page over in-memory ports
 * (in-page-extension.ts), which record a real runtime program here. Fast UI tests and
 * the panel benchmark load it in Chromium without the extension or DevTools. `?theme=dark`
 * shows the dark theme, `?trace=URL` boots with that trace shown (`aioscope view`), `?importer=inline` imports on the panel's thread instead of in a
 * worker (as the extension does); `window.__aioscopeShell` tells what the panel asked of its host.
 */
// First of all: the page hook, so the runtime copy the program uses registers with it.
import { pageHook } from "../../content/install-hook.ts";
import { render } from "preact";
import { App } from "../app.tsx";
import { exposeAutomation } from "../automation.ts";
import { download } from "../io/export.ts";
import { createInlineImporter, createWorkerImporter } from "../io/importer.ts";
import { RecordingStore } from "../recording-store.ts";
import { IndexedDbRecordings } from "../storage/recordings-db.ts";
import type { CreationSite } from "../../trace/model.ts";
import { startInPageExtension, SHELL_TAB_ID, type InPageExtension } from "./in-page-extension.ts";
import { runProgram } from "./program.ts";
import { preloadTrace } from "./preload-trace.ts";
import "../panel.css";

export interface ShellState {
  /** Creation sites the panel asked to open in Sources, oldest first. */
  readonly openedSites: CreationSite[];
  reloads: number;
  /** The extension's parts in this page; `programDone` tells when the recorded program has finished. */
  readonly extension: InPageExtension;
}

declare global {
  interface Window {
    __aioscopeShell?: ShellState;
  }
}

const params = new URLSearchParams(location.search);
document.documentElement.dataset.theme = params.get("theme") === "dark" ? "dark" : "light";

const extension = startInPageExtension({ hook: pageHook, runProgram });
const shell: ShellState = { openedSites: [], reloads: 0, extension };
window.__aioscopeShell = shell;

const store = new RecordingStore(SHELL_TAB_ID, extension.panelWall, {
  newSessionId: () => crypto.randomUUID(),
  reloadPage: () => {
    shell.reloads++;
  },
});
store.attach();
const automation = exposeAutomation(window, store);
const importer = params.get("importer") === "inline" ? createInlineImporter() : createWorkerImporter();

render(
  <App
    store={store}
    services={{
      importer,
      storage: params.get("storage") === "off" ? null : new IndexedDbRecordings(params.get("db") ?? "aioscope-shell"),
      openSite: (site) => shell.openedSites.push(site),
      download: (file) => download(file),
      automation,
    }}
  />,
  document.getElementById("app")!,
);

const preload = params.get("trace");
if (preload !== null) void preloadTrace(preload, importer, store);
