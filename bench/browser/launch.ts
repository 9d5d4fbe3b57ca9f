/**
 * Headless Chromium for the browser benchmarks: with the built extension, or without it for
 * the side-by-side baseline. Same flags as the end-to-end tests.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { CHROMIUM_FLAGS, EXTENSION_DIR, chromiumPath } from "../../test/e2e/helpers.ts";

export async function launchChromium(withExtension: boolean): Promise<Browser> {
  if (withExtension && !existsSync(join(EXTENSION_DIR, "manifest.json"))) {
    throw new Error("no built extension in dist/extension: run `npm run build` first");
  }
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    pipe: true,
    ...(withExtension ? { enableExtensions: [EXTENSION_DIR] } : {}),
    args: CHROMIUM_FLAGS,
  });
}
