/**
 * Entry point of the "Async" panel page: wires the extension APIs (the background port, the
 * inspected window, the Sources panel) into the RecordingStore and the services that the UI
 * renders with. The devtools page (devtools.ts) keeps the panel in the DevTools theme from
 * the moment it is shown; setting it here as well only saves a flash of the wrong theme on
 * the first paint.
 */
import { render } from "preact";
import { App } from "./app.tsx";
import { applyTheme } from "./theme.ts";
import { connectToBackground } from "./background-wall.ts";
import { RecordingStore } from "./recording-store.ts";
import { exposeAutomation } from "./automation.ts";
import { download } from "./io/export.ts";
import { createWorkerImporter } from "./io/importer.ts";
import { IndexedDbRecordings } from "./storage/recordings-db.ts";
import type { CreationSite } from "../trace/model.ts";
import "./panel.css";

applyTheme(document.documentElement, chrome.devtools.panels.themeName);

let store: RecordingStore | null = null;
const wall = connectToBackground(() => store?.attach());
store = new RecordingStore(chrome.devtools.inspectedWindow.tabId, wall, {
  newSessionId: () => crypto.randomUUID(),
  reloadPage: () => chrome.devtools.inspectedWindow.reload({}),
});
store.attach();
const automation = exposeAutomation(window, store);

/** Stack traces count lines and columns from 1; DevTools' openResource from 0. */
function openSite(site: CreationSite): void {
  chrome.devtools.panels.openResource(site.file, Math.max(0, site.line - 1), Math.max(0, site.column - 1), () => undefined);
}

const mountPoint = document.getElementById("app");
if (!mountPoint) throw new Error("panel.html has no #app element to mount the panel in");
render(
  <App
    store={store}
    services={{ importer: createWorkerImporter(), storage: new IndexedDbRecordings(), openSite, download: (file) => download(file), automation }}
  />,
  mountPoint,
);
