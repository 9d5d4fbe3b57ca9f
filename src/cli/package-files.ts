/**
 * Where the CLI finds what it ships with: the package root (a checkout, or the installed npm
 * package), the built extension in it, and whether sources are present to build from.
 *
 * The CLI runs from its sources (src/cli, through tsx) in a checkout, and from one bundled
 * file (dist/aioscope-cli.js) in the published package, so paths are found by walking up to
 * aioscope's package.json rather than by a fixed number of "..".
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { build as ViteBuild } from "vite";
import { CliError, EXIT } from "./errors.ts";

export interface PackageFiles {
  readonly root: string;
  readonly version: string;
  /** The unpacked extension that `npm run build:extension` writes. */
  readonly extensionDir: string;
  /** A checkout has the sources (and, once `npm install` ran, Vite) to build from. */
  readonly isCheckout: boolean;
}

let cached: PackageFiles | null = null;

export function packageFiles(): PackageFiles {
  if (cached !== null) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "aioscope") {
        cached = {
          root: dir,
          version: pkg.version ?? "0.0.0",
          extensionDir: join(dir, "dist/extension"),
          isCheckout: existsSync(join(dir, "vite.config.ts")) && existsSync(join(dir, "src/devtools")),
        };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`aioscope's package.json is not above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** What the extension is built from (the CLI and the tests are not part of it). */
const EXTENSION_SOURCES = ["manifest.json", "vite.config.ts", "src/content", "src/background", "src/devtools", "src/protocol", "src/trace", "src/runtime"];

export function isExtensionBuilt(files: PackageFiles = packageFiles()): boolean {
  return existsSync(join(files.extensionDir, "manifest.json"));
}

/** True in a checkout whose built extension is older than a source it is built from. */
export function isExtensionStale(files: PackageFiles = packageFiles()): boolean {
  if (!files.isCheckout || !isExtensionBuilt(files)) return false;
  const builtAt = statSync(join(files.extensionDir, "manifest.json")).mtimeMs;
  return EXTENSION_SOURCES.some((source) => newestMtime(join(files.root, source)) > builtAt);
}

/**
 * Makes sure dist/extension exists: in a checkout it is built with the project's Vite config
 * (as `npm run build:extension` does) when missing; an installed package ships it built.
 * A stale build is only reported: rebuilding empties dist/extension, which would pull the
 * extension from under any browser (another recording, a test run) using it right now.
 */
export async function ensureExtensionBuilt(log: (line: string) => void): Promise<string> {
  const files = packageFiles();
  if (isExtensionBuilt(files)) {
    if (isExtensionStale(files)) log("note: dist/extension is older than its sources; `npm run build:extension` rebuilds it");
    return files.extensionDir;
  }
  if (!files.isCheckout) {
    throw new CliError(`the built extension is missing from ${files.extensionDir}: reinstall aioscope`, EXIT.environment);
  }
  log("building the extension into dist/extension (first run)…");
  let build: typeof ViteBuild;
  try {
    ({ build } = await import("vite"));
  } catch {
    throw new CliError("dist/extension is not built and Vite is not installed: run `npm install`, then `npm run build`", EXIT.environment);
  }
  try {
    await build({ root: files.root, configFile: join(files.root, "vite.config.ts"), logLevel: "warn" });
  } catch (error) {
    throw new CliError(`building the extension failed (npm run build:extension shows why): ${(error as Error).message.split("\n")[0]}`, EXIT.environment);
  }
  if (!isExtensionBuilt(files)) throw new CliError(`building the extension wrote no ${join(files.extensionDir, "manifest.json")}`, EXIT.environment);
  return files.extensionDir;
}
