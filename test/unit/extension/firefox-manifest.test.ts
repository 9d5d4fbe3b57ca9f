import { describe, expect, test } from "vitest";
import manifest from "../../../manifest.json" with { type: "json" };
import { FIREFOX_ADDON_ID, firefoxManifest, type ChromeManifest } from "../../../scripts/firefox-manifest.ts";

describe("the Firefox manifest, derived from manifest.json", () => {
  const firefox = firefoxManifest(manifest);

  test("runs the same background script as an event page, not a service worker", () => {
    expect(firefox.background).toEqual({ scripts: [manifest.background.service_worker], type: "module" });
    expect(firefox.background).not.toHaveProperty("service_worker");
  });

  test("has a gecko id, and no keys only Chrome reads", () => {
    expect(firefox.browser_specific_settings.gecko.id).toBe(FIREFOX_ADDON_ID);
    expect(firefox).not.toHaveProperty("minimum_chrome_version");
    expect(firefox).not.toHaveProperty("message_serialization");
  });

  test("keeps everything else as manifest.json says, MAIN-world hook at document_start included", () => {
    for (const key of ["manifest_version", "name", "description", "version", "devtools_page"] as const) {
      expect(firefox[key]).toEqual(manifest[key]);
    }
    expect(firefox.content_scripts).toEqual(manifest.content_scripts);
    expect(firefox.content_scripts).toContainEqual(expect.objectContaining({ world: "MAIN", run_at: "document_start" }));
  });

  test("does not change manifest.json itself", () => {
    const before = JSON.stringify(manifest);
    firefoxManifest(manifest);
    expect(JSON.stringify(manifest)).toBe(before);
  });

  test("refuses a manifest that is not version 3", () => {
    const v2: ChromeManifest = { ...manifest, manifest_version: 2 };
    expect(() => firefoxManifest(v2)).toThrow("expected manifest_version 3, found 2");
  });
});
