/**
 * Runs a corpus module twice: as written, and transformed by the build transform (written to
 * a temporary file that imports the real prelude), so tests compare both.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transformAsyncFunctions, type TransformOptions, type TransformResult } from "../../../src/transform/transform.ts";

export const PRELUDE_PATH = fileURLToPath(new URL("../../../src/transform/prelude.ts", import.meta.url));
export const CORPUS_DIR = fileURLToPath(new URL("./corpus/", import.meta.url));

const outDir = mkdtempSync(join(tmpdir(), "aioscope-transform-"));

export function transformFile(path: string, options: Partial<TransformOptions> = {}): TransformResult {
  const result = transformAsyncFunctions(readFileSync(path, "utf8"), { id: path, preludeImport: PRELUDE_PATH, formatFile: (file) => file.replace(CORPUS_DIR, "corpus/"), ...options });
  if (result === null) throw new Error(`${path}: nothing to transform`);
  return result;
}

/** Imports the transformed copy of `path`. */
export async function importTransformed<T>(path: string, options: Partial<TransformOptions> = {}): Promise<T> {
  const result = transformFile(path, options);
  const out = join(outDir, `${basename(path, ".js")}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(out, result.code);
  return (await import(pathToFileURL(out).href)) as T;
}

/** What a call gave: its value, or its error described by class and message. */
export async function outcomeOf(run: () => unknown): Promise<unknown> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: error instanceof Error ? `${error.constructor.name}: ${error.message}` : error };
  }
}
