import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import { build as viteBuild, createServer, type Rolldown } from "vite";
import { describe, expect, it } from "vitest";
import { addInstrument, removeInstrument } from "../../../src/runtime/index.ts";
import { Recorder, SessionBuilder, type Trace } from "../../../src/trace/index.ts";
import aioscopeEsbuild from "../../../src/transform/esbuild.ts";
import aioscopeVite from "../../../src/transform/vite.ts";
import { CORPUS_DIR, PRELUDE_PATH } from "./load.ts";

type Typed = { loadItems(ids: readonly number[]): Promise<{ id: number }[]> };
const ENTRY = `${CORPUS_DIR}typed.ts`;
const outDir = mkdtempSync(join(tmpdir(), "aioscope-plugins-"));

async function importCode(code: string, name: string): Promise<Typed> {
  const file = join(outDir, `${name}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)) as Typed;
}

async function viteBundle(options: Parameters<typeof aioscopeVite>[0]): Promise<string> {
  const output = await viteBuild({
    root: CORPUS_DIR, logLevel: "silent", configFile: false,
    plugins: [aioscopeVite(options)],
    build: { write: false, minify: false, lib: { entry: ENTRY, formats: ["es"], fileName: "typed" } },
  }) as Rolldown.RolldownOutput[] | Rolldown.RolldownOutput;
  const [result] = Array.isArray(output) ? output : [output];
  return (result!.output[0] as Rolldown.OutputChunk).code;
}

async function recorded(module: Typed): Promise<Trace> {
  const recorder = new Recorder({ creationSites: true });
  addInstrument(recorder);
  try {
    expect(await module.loadItems([1, 2])).toEqual([{ id: 1 }, { id: 2 }]);
  } finally {
    removeInstrument(recorder);
  }
  const builder = new SessionBuilder();
  builder.append(recorder.takeBatch());
  return builder.trace();
}

function summary(trace: Trace): unknown {
  const byId = new Map(trace.tasks.map((task) => [task.id, task]));
  return trace.tasks.map((task) => ({
    name: task.name,
    parent: task.parent === null ? null : byId.get(task.parent)!.name,
    site: task.site === null ? null : `${task.site.file}:${task.site.line}:${task.site.column}`,
    awaits: trace.awaits.filter((a) => a.task === task.id).map((a) => a.label),
  }));
}

const EXPECTED = [
  { name: "loadItems", parent: null, site: "typed.ts:6:8", awaits: ["loadItem(id)", "loadItem(id)"] },
  { name: "loadItem", parent: "loadItems", site: "typed.ts:12:18", awaits: ["new Promise((resolve) => setTimeout(resolve, 1))"] },
  { name: "loadItem", parent: "loadItems", site: "typed.ts:12:18", awaits: ["new Promise((resolve) => setTimeout(resolve, 1))"] },
];

describe("the Vite plugin", () => {
  it("instruments a build when asked, with sites in the TypeScript source", async () => {
    const code = await viteBundle({ build: true });
    expect(code).toMatch(/\.enter\("loadItems"/);
    expect(summary(await recorded(await importCode(code, "vite")))).toEqual(EXPECTED);
  });

  it("instruments the dev server's modules by default, importing the prelude beside the plugin", async () => {
    const server = await createServer({ root: CORPUS_DIR, configFile: false, logLevel: "silent", plugins: [aioscopeVite()], server: { middlewareMode: true, hmr: false, ws: false } });
    try {
      const served = await server.transformRequest("/typed.ts");
      expect(served?.code).toMatch(/\.enter\("loadItems", "typed\.ts", 6, 8\)/);
      expect(served?.code).toContain("/src/transform/prelude.ts");
      const prelude = await server.transformRequest(`/@fs${PRELUDE_PATH}`);
      expect(prelude?.code).toContain("registerRuntime");
      expect(prelude?.code).not.toContain("__aioscope_t");
    } finally {
      await server.close();
    }
  });

  it("leaves builds alone by default, and excluded modules always", async () => {
    expect(await viteBundle({})).not.toContain("__aioscope");
    expect(await viteBundle({ build: true, exclude: ["**/typed.ts"] })).not.toContain("__aioscope");
  });
});

describe("the esbuild plugin", () => {
  it("instruments a bundle, with sites in the TypeScript source", async () => {
    const result = await esbuild({
      entryPoints: [ENTRY], bundle: true, format: "esm", write: false, platform: "node",
      absWorkingDir: CORPUS_DIR, plugins: [aioscopeEsbuild()], logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    expect(code).toMatch(/\.enter\("loadItems"/);
    // esbuild's own map points an exported function at its `export` keyword.
    const expected = EXPECTED.map((task) => (task.name === "loadItems" ? { ...task, site: "typed.ts:6:1" } : task));
    expect(summary(await recorded(await importCode(code, "esbuild")))).toEqual(expected);
  });
});
