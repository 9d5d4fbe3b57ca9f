/**
 * The Firefox manifest, derived from the one manifest.json (Chrome's) so the two never drift:
 * everything the extension is — name, version, devtools page, both content scripts with the
 * MAIN-world one at document_start — is taken as it is, and only what Firefox does differently
 * is changed here.
 */

/** The parts of manifest.json this derivation reads or changes; the rest passes through. */
export interface ChromeManifest {
  readonly manifest_version: number;
  readonly minimum_chrome_version?: string;
  readonly message_serialization?: string;
  readonly background: { readonly service_worker: string; readonly type?: string };
  readonly content_scripts: readonly Readonly<Record<string, unknown>>[];
  readonly [key: string]: unknown;
}

export interface FirefoxManifest {
  readonly background: { readonly scripts: string[]; readonly type?: string };
  readonly browser_specific_settings: {
    readonly gecko: { readonly id: string; readonly strict_min_version: string; readonly data_collection_permissions: { readonly required: string[] } };
    readonly gecko_android: { readonly strict_min_version: string };
  };
  readonly content_scripts: Readonly<Record<string, unknown>>[];
  readonly [key: string]: unknown;
}

/** A temporary add-on needs no id, but storage, ports and a signed build all do. */
export const FIREFOX_ADDON_ID = "aioscope@aioscope.dev";

/**
 * Content scripts in the MAIN world (the page hook must be there before page scripts) came
 * with Firefox 128; `data_collection_permissions`, which Firefox now asks every add-on for,
 * with 140 — an ESR, and the oldest Firefox this build is for.
 */
export const FIREFOX_MIN_VERSION = "140.0";

export const FIREFOX_ANDROID_MIN_VERSION = "142.0";

/** Keys only Chrome reads: Firefox warns about each and ignores it. */
const CHROME_ONLY_KEYS = ["minimum_chrome_version", "message_serialization"] as const;

export function firefoxManifest(chrome: ChromeManifest): FirefoxManifest {
  if (chrome.manifest_version !== 3) throw new Error(`manifest.json: expected manifest_version 3, found ${String(chrome.manifest_version)}.`);
  const rest: Record<string, unknown> = { ...chrome };
  for (const key of CHROME_ONLY_KEYS) delete rest[key];
  const { service_worker: script, ...background } = chrome.background;
  return {
    ...rest,
    // Firefox runs an MV3 background as an event page (background scripts), not a service
    // worker; the router already survives being stopped, as it must in Chrome.
    background: { ...background, scripts: [script] },
    content_scripts: chrome.content_scripts.map((script) => ({ ...script })),
    browser_specific_settings: {
      gecko: {
        id: FIREFOX_ADDON_ID,
        strict_min_version: FIREFOX_MIN_VERSION,
        // Nothing leaves the browser: recordings go from the page to the DevTools panel only.
        data_collection_permissions: { required: ["none"] },
      },
      // Firefox for Android has no DevTools to add a panel to, but the linter checks the
      // manifest against it too: its first version with data_collection_permissions.
      gecko_android: { strict_min_version: FIREFOX_ANDROID_MIN_VERSION },
    },
  };
}
