// What `npm start` and `npm run dev` do before they open a browser, on a fresh clone of a
// fresh machine as much as in a working checkout: install the npm dependencies if they are
// missing, find a browser (or install Debian's Chromium where we can, saying so), and build
// the extension if it is missing or older than its sources. Plain Node (no dependencies):
// this runs before there are any.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

export function say(line) {
  const arrow = process.stderr.isTTY && !process.env.NO_COLOR ? "\x1b[1m==>\x1b[22m" : "==>";
  process.stderr.write(`${arrow} ${line}\n`);
}

export function fail(line, status = 1) {
  process.stderr.write(`${line}\n`);
  process.exit(status);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`aioscope needs Node.js 20.19 or newer; this is ${process.version}. Install a newer Node (https://nodejs.org) and run npm start again.`);
  }
}

/** The packages package.json asks for that node_modules does not have. */
function missingPackages() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const wanted = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  return wanted.filter((name) => !existsSync(join(ROOT, "node_modules", name, "package.json")));
}

function installDependencies() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const fresh = !existsSync(join(ROOT, "node_modules"));
  const args = fresh && existsSync(join(ROOT, "package-lock.json")) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"];
  say(fresh
    ? `Installing the npm dependencies (npm ${args[0]}): this checkout has no node_modules yet`
    : `Installing missing npm dependencies (npm install): ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? "…" : ""}`);
  if (run(NPM, args, { shell: process.platform === "win32" }) !== 0) fail(`npm ${args[0]} failed (see above); fix that and run this again.`);
}

/** src/cli's own browser search, loaded through tsx now that the dependencies are there. */
async function cliModules() {
  const { register } = await import("tsx/esm/api");
  register();
  const chromium = await import("../src/cli/chromium.ts");
  const files = await import("../src/cli/package-files.ts");
  return { chromium, files };
}

async function ensureBrowser(chromium) {
  let found;
  try {
    found = chromium.findBrowser();
  } catch (error) {
    fail(`aioscope: ${error.message}`, 3); // CHROME_PATH set, but wrong
  }
  if (found !== null) {
    say(`Browser: ${found.path} (${found.how === "CHROME_PATH" ? "from CHROME_PATH" : "found"})`);
    return;
  }
  const looked = chromium.browserCandidates().join(", ");
  if (process.platform === "linux" && chromium.isDebianLike() && chromium.isRoot()) {
    say("Installing Debian's Chromium with apt-get (apt-get update, then apt-get install -y chromium):");
    say(`aioscope records through a real Chromium with its extension loaded, and there is none here (CHROME_PATH is unset; looked in ${looked}).`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    if (run("apt-get", ["update"], { env }) !== 0 || run("apt-get", ["install", "-y", "chromium"], { env }) !== 0) {
      fail("apt-get could not install chromium (see above). Install it yourself, or set CHROME_PATH to a Chromium or Chrome 148+, and run this again.", 3);
    }
    const installed = chromium.findBrowser();
    if (installed === null) fail("apt-get installed chromium, but no browser is at /usr/bin/chromium; set CHROME_PATH to it.", 3);
    say(`Browser: ${installed.path} (just installed)`);
    return;
  }
  fail(`aioscope needs Chromium or Chrome 148+ to record, and found none (CHROME_PATH is unset; looked in ${looked}).\nTo get one: ${chromium.installHint()}\nThen run this again.`, 3);
}

function ensureBuilt(files) {
  const state = !files.isExtensionBuilt() ? "is not built yet" : files.isExtensionStale() ? "is older than its sources" : null;
  if (state === null) return;
  say(`Building the extension (npm run build:extension): dist/extension ${state}`);
  if (run(NPM, ["run", "build:extension"], { shell: process.platform === "win32" }) !== 0) fail("Building the extension failed (see above).");
}

/** Everything up to a built extension and a browser; returns when both are there. */
export async function prepare() {
  checkNode();
  installDependencies();
  const { chromium, files } = await cliModules();
  await ensureBrowser(chromium);
  ensureBuilt(files);
}

/**
 * Runs `aioscope <args>` as a child process sharing this terminal, and exits with its
 * status. Signals are passed on (npm forwards them to this script when they do not come from
 * a terminal); from a terminal the child gets Ctrl-C twice at once, which the CLI counts as
 * one. Interrupted, the CLI still writes the trace so far before it exits.
 */
export function runCli(args) {
  const child = spawn(process.execPath, [join(ROOT, "bin/aioscope.mjs"), ...args], { cwd: ROOT, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("error", (error) => fail(`could not run aioscope: ${error.message}`));
  child.on("exit", (status, signal) => process.exit(status ?? (signal === "SIGINT" ? 130 : 143)));
}
