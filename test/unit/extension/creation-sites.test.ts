/**
 * A task's creation site is the app's line that created it, whichever copy of the runtime the
 * app uses: the one aioscope injects, a copy bundled into one file (vendor/runtime.mjs), or the
 * multi-file dist build served as the app's own modules. The page agent learns each copy's
 * files as it registers with the hook, and the recorder skips them.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, transformSync } from "esbuild";
import { beforeAll, describe, expect, test } from "vitest";
import { pageHook } from "../../../src/content/install-hook.ts";
import { PageAgent } from "../../../src/content/page-agent.ts";
import type { BridgeToPageMessage, PageEvent, Wall } from "../../../src/protocol/messages.ts";
import * as injected from "../../../src/runtime/index.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";
import type { Trace } from "../../../src/trace/model.ts";

type Runtime = typeof injected;
const THIS_FILE = fileURLToPath(import.meta.url);
const RUNTIME_SRC = resolve(THIS_FILE, "../../../../src/runtime");

// The injected copy registers as the extension's would, before the page's own copies load.
if (pageHook.runtimes.length === 0) pageHook.registerRuntime({ version: injected.RUNTIME_VERSION, addInstrument: injected.addInstrument, removeInstrument: injected.removeInstrument });

const sent: PageEvent[] = [];
let toAgent: (message: BridgeToPageMessage) => void = () => {};
const wall: Wall<BridgeToPageMessage, PageEvent> = {
  listen: (listener) => {
    toAgent = listener;
    return () => {};
  },
  send: (message) => void sent.push(message),
};
// The agent is there (document_start) before the page's copies register.
const agent = new PageAgent(wall, pageHook, {
  hello: () => ({ url: "https://app.test/", title: "app", userAgent: "node", timeOrigin: 1_700_000_000_000, isTopFrame: true }),
  setTimer: () => 0,
  clearTimer: () => {},
});

let bundled: Runtime;
let distBuild: Runtime;
let bundleFile: string;
let distFolder: string;

beforeAll(async () => {
  const app = mkdtempSync(join(tmpdir(), "aioscope-app-"));
  // A copy bundled into one file, as an app's vendor bundle.
  bundleFile = join(app, "vendor", "runtime.mjs");
  await build({ entryPoints: [join(RUNTIME_SRC, "index.ts")], bundle: true, format: "esm", outfile: bundleFile, logLevel: "silent" });
  // The multi-file dist build (one module per source file, imports rewritten to .js), served
  // from the app's own folder.
  distFolder = join(app, "lib", "aioscope");
  mkdirSync(distFolder, { recursive: true });
  for (const name of readdirSync(RUNTIME_SRC, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"))) {
    mkdirSync(dirname(join(distFolder, name)), { recursive: true });
    const { code } = transformSync(readFileSync(join(RUNTIME_SRC, name), "utf8"), { loader: "ts", format: "esm" });
    writeFileSync(join(distFolder, name.replace(/\.ts$/, ".js")), code.replace(/(from\s+["']\.[^"']*?)\.ts(["'])/g, "$1.js$2"));
  }
  bundled = (await import(/* @vite-ignore */ pathToFileURL(bundleFile).href)) as Runtime;
  distBuild = (await import(/* @vite-ignore */ pathToFileURL(join(distFolder, "index.js")).href)) as Runtime;
});

/** Records `body` through the page agent and returns the session. */
async function recordThroughAgent(session: string, body: () => Promise<unknown>): Promise<Trace> {
  sent.length = 0;
  toAgent({ kind: "start", data: { session, options: { creationSites: true, native: false }, keepStartup: false } });
  await body();
  toAgent({ kind: "stop", data: { session } });
  const builder = new SessionBuilder({ url: "https://app.test/", title: "app", userAgent: "node" });
  for (const message of sent) if (message.kind === "batch") expect(builder.append(message.data.batch).ok).toBe(true);
  return builder.trace();
}

/** An app's code: a main task that gathers two children, through `runtime`. */
function appProgram(runtime: Runtime): Promise<unknown> {
  return runtime.run(function* main() {
    const children = [1, 2].map((n) => runtime.createTask(runtime.sleep(n), { name: `child ${n}` }));
    yield* runtime.gather(children);
  }, { clock: "virtual", name: "main" });
}

describe("creation sites name the app's code for every runtime copy", () => {
  const cases: [string, () => Runtime][] = [
    ["the injected runtime", () => injected],
    ["a runtime bundled into one file", () => bundled],
    ["the multi-file dist build", () => distBuild],
  ];
  for (const [what, runtime] of cases) {
    test(what, async () => {
      const trace = await recordThroughAgent(`s-${what}`, () => appProgram(runtime()));
      expect(trace.tasks.map((task) => task.name).sort()).toEqual(["child 1", "child 2", "main"]);
      for (const task of trace.tasks) {
        expect(task.site?.file, `${task.name} was created at ${JSON.stringify(task.site)}`).toBe(THIS_FILE);
      }
    });
  }

  test("the copies registered, and their files are the runtime's", () => {
    expect(pageHook.runtimes.length).toBeGreaterThanOrEqual(3);
    expect(agent.stateName).toBe("idle");
    expect(bundleFile.endsWith("runtime.mjs") && distFolder.endsWith("aioscope")).toBe(true);
  });
});
