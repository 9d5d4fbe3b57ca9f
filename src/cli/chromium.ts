/**
 * Finding a browser to drive: `CHROME_PATH` when set (and then only it), else Debian's
 * Chromium, else an installed Chrome or Chromium in the usual places. `npm start` uses the
 * same search, and the install hint, before it offers to install Chromium.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError, EXIT } from "./errors.ts";

/** The oldest Chromium the extension runs in: its manifest's minimum_chrome_version (structured-clone messaging). */
export const MINIMUM_CHROME_VERSION = 148;

export interface FoundBrowser {
  readonly path: string;
  /** How it was found, for messages: "CHROME_PATH", or "found at …". */
  readonly how: string;
}

/** The places looked at, in order, on this platform. */
export function browserCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === "darwin") {
    const apps = ["Google Chrome.app/Contents/MacOS/Google Chrome", "Chromium.app/Contents/MacOS/Chromium", "Google Chrome Canary.app/Contents/MacOS/Google Chrome Canary"];
    return [...apps.map((app) => join("/Applications", app)), ...apps.map((app) => join(homedir(), "Applications", app))];
  }
  if (platform === "win32") {
    const roots = [env.PROGRAMFILES, env["PROGRAMFILES(X86)"], env.LOCALAPPDATA].filter((root): root is string => root !== undefined);
    return roots.flatMap((root) => [join(root, "Google/Chrome/Application/chrome.exe"), join(root, "Chromium/Application/chrome.exe")]);
  }
  return [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
    "/snap/bin/chromium",
  ];
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== "win32") accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The browser to use, or null when there is none (and CHROME_PATH is unset). */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): FoundBrowser | null {
  const configured = env.CHROME_PATH;
  if (configured !== undefined && configured !== "") {
    if (!existsSync(configured)) throw new CliError(`CHROME_PATH is ${configured}, which does not exist`, EXIT.environment);
    if (!isExecutableFile(configured)) throw new CliError(`CHROME_PATH is ${configured}, which is not an executable file`, EXIT.environment);
    return { path: configured, how: "CHROME_PATH" };
  }
  const path = browserCandidates(process.platform, env).find(isExecutableFile);
  return path === undefined ? null : { path, how: `found at ${path}` };
}

/** How to get Chromium on this machine: one command where we know it. */
export function installHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return "install Google Chrome (or `brew install --cask chromium`), or set CHROME_PATH";
  if (platform === "win32") return "install Google Chrome, or set CHROME_PATH to chrome.exe";
  if (isDebianLike()) return `install it with \`${isRoot() ? "" : "sudo "}apt-get install -y chromium\`, or set CHROME_PATH`;
  return "install Chromium or Google Chrome with your package manager, or set CHROME_PATH";
}

export function isDebianLike(): boolean {
  if (existsSync("/etc/debian_version")) return true;
  try {
    return /^ID(?:_LIKE)?=.*\b(?:debian|ubuntu)\b/m.test(readFileSync("/etc/os-release", "utf8"));
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** The browser to use, or a one-line CliError saying how to get one. */
export function requireBrowser(env: NodeJS.ProcessEnv = process.env): FoundBrowser {
  const found = findBrowser(env);
  if (found === null) {
    throw new CliError(`no Chromium or Chrome found (looked in ${browserCandidates().join(", ")}): ${installHint()}`, EXIT.environment);
  }
  return found;
}

/** The major version in a product string such as "Chrome/156.0.7390.54" or "HeadlessChrome/156.0…". */
export function majorVersion(product: string): number | null {
  const match = /\/(\d+)\./.exec(product);
  return match === null ? null : Number(match[1]);
}
