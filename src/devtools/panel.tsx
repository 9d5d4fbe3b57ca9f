/**
 * Entry point of the "Async" panel page: wires the extension APIs (the background port, the
 * inspected window) into the RecordingStore that the UI renders. The devtools page
 * (devtools.ts) keeps the panel in the DevTools theme from the moment it is shown; setting it
 * here as well only saves a flash of the wrong theme on the first paint.
 */
import { render } from "preact";
import { App } from "./app.tsx";
import { applyTheme } from "./theme.ts";
import { connectToBackground } from "./background-wall.ts";
import { RecordingStore } from "./recording-store.ts";
import { exposeAutomation } from "./automation.ts";
import "./panel.css";

applyTheme(document.documentElement, chrome.devtools.panels.themeName);

let store: RecordingStore | null = null;
const wall = connectToBackground(() => store?.attach());
store = new RecordingStore(chrome.devtools.inspectedWindow.tabId, wall, {
  newSessionId: () => crypto.randomUUID(),
  reloadPage: () => chrome.devtools.inspectedWindow.reload({}),
});
store.attach();
exposeAutomation(window, store);

const mountPoint = document.getElementById("app");
if (!mountPoint) throw new Error("panel.html has no #app element to mount the panel in");
render(<App store={store} />, mountPoint);
