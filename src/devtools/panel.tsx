/**
 * Entry point of the "Async" panel page: wires the extension APIs (the background port, and
 * through panel-host.ts the inspected window and the Sources panel) into the RecordingStore and the services that the UI
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
import { panelHost } from "./panel-host.ts";
import "./panel.css";

const host = panelHost(location.search);
applyTheme(document.documentElement, host.themeName);

let store: RecordingStore | null = null;
const wall = connectToBackground(() => store?.attach());
store = new RecordingStore(host.tabId, wall, {
  newSessionId: () => crypto.randomUUID(),
  reloadPage: () => host.reloadInspectedTab(),
  networkLog: host.networkLog ?? undefined,
});
store.attach();
const automation = exposeAutomation(window, store);

const mountPoint = document.getElementById("app");
if (!mountPoint) throw new Error("panel.html has no #app element to mount the panel in");
render(
  <App
    store={store}
    services={{ importer: createWorkerImporter(), storage: new IndexedDbRecordings(), openSite: (site) => host.openSite(site), download: (file) => download(file), automation }}
  />,
  mountPoint,
);
