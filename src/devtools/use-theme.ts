/**
 * The panel's current theme as Preact state: devtools.ts switches `data-theme` on the root
 * element when DevTools changes theme, and components that paint with the palette (the
 * legend, the charts) re-render.
 */
import { useEffect, useState } from "preact/hooks";
import { currentTheme, type PanelTheme } from "./timeline/palette.ts";

export function useTheme(): PanelTheme {
  const [theme, setTheme] = useState<PanelTheme>(() => currentTheme());
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(currentTheme()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, []);
  return theme;
}
