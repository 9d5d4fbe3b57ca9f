/**
 * The panel page's address outside DevTools: `panel.html?tab=<id>` inspects tab <id> (see
 * panel-host.ts). Apart from the extension APIs so it can be checked without a browser.
 */

/** The query parameter naming the inspected tab when the panel is opened outside DevTools. */
export const TAB_PARAMETER = "tab";

/** The inspected tab's id from `?tab=<id>`, or a precise error saying what is wrong with it. */
export function tabIdFromSearch(search: string): number {
  const value = new URLSearchParams(search).get(TAB_PARAMETER);
  if (value === null) {
    throw new Error(`The Async panel page runs in DevTools, or as a tab with ?${TAB_PARAMETER}=<id of the tab to inspect>; it has neither.`);
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Error(`?${TAB_PARAMETER}= must be a tab id (a whole number ≥ 0); got "${value.slice(0, 40)}".`);
  }
  return Number(value);
}
