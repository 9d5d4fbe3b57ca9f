/**
 * "Show in Performance panel" is remembered across DevTools sessions, in the panel page's own
 * storage (the extension's origin; the inline shell's page when mounted there). Off unless a
 * person turned it on.
 */
const KEY = "aioscope.showInPerformancePanel";

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage disabled
  }
}

export function rememberedPerformanceTracks(): boolean {
  return storage()?.getItem(KEY) === "on";
}

export function rememberPerformanceTracks(on: boolean): void {
  try {
    storage()?.setItem(KEY, on ? "on" : "off");
  } catch {
    // A full or disabled storage: the option still applies to this session.
  }
}
