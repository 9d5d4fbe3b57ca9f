/**
 * What the panel page needs from the window it runs in: the tab it inspects, reloading that
 * tab, opening a source location, and the DevTools theme.
 *
 * In DevTools (Chrome and Firefox alike) all of it comes from `devtools.*`, and in Chrome's
 * the network log a recording takes request timings from. The same page
 * opened as a tab of its own, `panel.html?tab=<id>`, has no `devtools.*`: it inspects the tab
 * named in the address, reloads it through `tabs.reload`, and cannot open sources. Headless
 * Firefox cannot show DevTools panels, so that is how its end-to-end tests drive the real
 * panel code. Either way the background accepts the page as a panel by its address alone.
 */
import browser, { type Devtools } from "webextension-polyfill";
import type { CreationSite } from "../trace/model.ts";
import { tabIdFromSearch } from "./panel-address.ts";
import { RECORDED_LOAD_SCRIPT } from "../protocol/recorded-load.ts";
import { devtoolsNetworkLog, type NetworkLog, type RequestFinishedEvent } from "./network-log.ts";

export interface PanelHost {
  readonly tabId: number;
  /** The DevTools theme's name as the browser gives it ("default"/"light" or "dark"). */
  readonly themeName: string;
  reloadInspectedTab(): void;
  /** Shows a creation site in the Sources panel (Chrome) or Debugger (Firefox), if there is one. */
  openSite(site: CreationSite): void;
  /** DevTools' network log, where a recording takes request phases and script loads from (network-log.ts); null without. */
  readonly networkLog: NetworkLog | null;
}

/** `openResource` is in both browsers' DevTools API but not in the polyfill's types. */
type PanelsWithOpenResource = Devtools.Static["panels"] & {
  openResource?: (url: string, lineNumber: number, columnNumber?: number) => Promise<void> | undefined;
};

export function panelHost(search: string): PanelHost {
  // `devtools` is absent from an extension page that DevTools did not open.
  const devtools = (browser as { devtools?: Devtools.Static }).devtools;
  if (devtools !== undefined) {
    const panels = devtools.panels as PanelsWithOpenResource;
    return {
      tabId: devtools.inspectedWindow.tabId,
      themeName: panels.themeName,
      reloadInspectedTab: () => devtools.inspectedWindow.reload({ injectedScript: RECORDED_LOAD_SCRIPT }),
      // Stack traces count lines and columns from 1; DevTools' openResource from 0.
      openSite: (site) => void Promise.resolve(panels.openResource?.(site.file, Math.max(0, site.line - 1), Math.max(0, site.column - 1))).catch(() => undefined),
      // Chrome's: Firefox's reports nothing until its Network panel has been shown.
      networkLog: location.protocol === "chrome-extension:" ? devtoolsNetworkLog(devtools.network.onRequestFinished as unknown as RequestFinishedEvent) : null,
    };
  }
  const tabId = tabIdFromSearch(search);
  return {
    tabId,
    themeName: "default",
    reloadInspectedTab: () => void browser.tabs.reload(tabId).catch(() => undefined),
    openSite: () => undefined,
    networkLog: null,
  };
}
