/**
 * Entry point of the "Async" panel page. The devtools page (devtools.ts) keeps the panel in
 * the DevTools theme from the moment it is shown; setting it here as well only saves a
 * flash of the wrong theme on the first paint.
 */
import { render } from "preact";
import { App } from "./app.tsx";
import { applyTheme } from "./theme.ts";
import "./panel.css";

applyTheme(document.documentElement, chrome.devtools.panels.themeName);

const mountPoint = document.getElementById("app");
if (!mountPoint) throw new Error("panel.html has no #app element to mount the panel in");
render(<App />, mountPoint);
