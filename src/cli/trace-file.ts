/**
 * A saved trace read from disk and checked by src/trace's importer, for the commands that
 * take one (`analyze`, `diff`). A file that cannot be read or is not a trace is a usage error
 * that names the file and, where the importer says, the JSONPath of the fault.
 */
import { readFile } from "node:fs/promises";
import { importTrace } from "../trace/import.ts";
import type { Trace } from "../trace/model.ts";
import { CliError, EXIT } from "./errors.ts";

export async function readTraceFile(path: string): Promise<Trace> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new CliError(`cannot read ${path}: ${reason}`, EXIT.usage);
  }
  const result = importTrace(bytes);
  if (!result.ok) {
    const where = result.error.path === "$" ? "" : ` (at ${result.error.path})`;
    throw new CliError(`${path} is not an aioscope trace: ${result.error.message}${where}`, EXIT.usage);
  }
  return result.trace;
}
