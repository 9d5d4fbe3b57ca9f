/**
 * The manifest's devtools_page: an invisible page that DevTools loads once per DevTools window,
 * as soon as it registers the extension, and keeps until the window closes. It adds the
 * "Async" panel and keeps that panel in the DevTools colour theme.
 *
 * The theme is tracked here rather than in the panel for two Chrome DevTools behaviours:
 * - `devtools.panels.themeName` is fixed into each extension frame's API when DevTools
 *   registers the extension. The panel's iframe is only created when the panel is first shown,
 *   so if the theme changed in between, the panel's own `themeName` is out of date.
 * - Chrome sends theme changes to one handler per extension: the frame that last called
 *   `setThemeChangeHandler`. So exactly one page may call it, and it must live as long as the
 *   DevTools window does: this one. The panel must not call it.
 * Firefox has an ordinary event instead (`devtools.panels.onThemeChanged`); listening to it
 * here as well keeps one place that follows the theme.
 */
import browser from "webextension-polyfill";
import { applyTheme } from "./theme.ts";

/** Relative to the extension root, as `panels.create` wants it. */
const PANEL_PAGE = "src/devtools/panel.html";

let theme = browser.devtools.panels.themeName;
let shownPanelWindow: Window | null = null;

function followTheme(newTheme: string): void {
  theme = newTheme;
  if (shownPanelWindow) applyTheme(shownPanelWindow.document.documentElement, theme);
}

// Chrome's API only, so it is looked up on `chrome` (the polyfill does not know it); Firefox
// has no such function, and its `chrome` may be missing altogether.
const setThemeChangeHandler = globalThis.chrome?.devtools?.panels?.setThemeChangeHandler;
if (typeof setThemeChangeHandler === "function") setThemeChangeHandler.call(chrome.devtools.panels, followTheme);
else browser.devtools.panels.onThemeChanged.addListener(followTheme);

void browser.devtools.panels.create("Async", "", PANEL_PAGE).then((panel) => {
  // DevTools passes the panel page's window (same origin as this page) each time it is shown,
  // including after the panel's iframe has been reloaded.
  panel.onShown.addListener((panelWindow) => {
    shownPanelWindow = panelWindow;
    applyTheme(panelWindow.document.documentElement, theme);
  });
});
