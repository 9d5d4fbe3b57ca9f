/**
 * The panel follows the DevTools colour theme through `data-theme` on its root element; the
 * stylesheet keys off that attribute, never off `prefers-color-scheme`. (Inside the panel's
 * iframe, `prefers-color-scheme` is wrong when DevTools is light and the system is dark:
 * DevTools' light theme leaves its `color-scheme` unset, so the system preference shows through.)
 */

/** The two DevTools colour themes, as the panel's stylesheet names them. */
export type PanelTheme = "light" | "dark";

/**
 * Maps the name the extension API reports onto the panel's names: Chrome says "default" or
 * "dark", Firefox "light" or "dark".
 */
export function panelThemeFor(devToolsTheme: string): PanelTheme {
  return devToolsTheme === "dark" ? "dark" : "light";
}

/** Shows the panel document whose root is `root` in the given DevTools theme. */
export function applyTheme(root: HTMLElement, devToolsTheme: string): void {
  root.dataset.theme = panelThemeFor(devToolsTheme);
}
