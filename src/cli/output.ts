/**
 * Output files: checked before a recording starts (so a typo in a path does not cost a whole
 * recording), and written with one-line reasons when that still fails.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CliError, EXIT } from "./errors.ts";

/** Throws a CliError when `path` (given as `option`) cannot be written. */
export function checkWritable(path: string, option: string): void {
  const absolute = resolve(path);
  const folder = dirname(absolute);
  if (existsSync(absolute)) {
    if (statSync(absolute).isDirectory()) throw new CliError(`cannot write ${option} ${path}: it is a folder`, EXIT.output);
    try {
      accessSync(absolute, constants.W_OK);
    } catch {
      throw new CliError(`cannot write ${option} ${path}: permission denied`, EXIT.output);
    }
    return;
  }
  if (!existsSync(folder)) throw new CliError(`cannot write ${option} ${path}: the folder ${folder} does not exist`, EXIT.output);
  if (!statSync(folder).isDirectory()) throw new CliError(`cannot write ${option} ${path}: ${folder} is not a folder`, EXIT.output);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new CliError(`cannot write ${option} ${path}: the folder ${folder} is not writable`, EXIT.output);
  }
}

export async function writeOutput(path: string, data: string | Uint8Array, option: string): Promise<number> {
  try {
    await writeFile(path, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EACCES" || code === "EPERM" ? "permission denied"
      : code === "ENOENT" ? "its folder does not exist"
      : code === "EISDIR" ? "it is a folder"
      : code === "ENOSPC" ? "the disk is full"
      : (error as Error).message;
    throw new CliError(`cannot write ${option} ${path}: ${reason}`, EXIT.output);
  }
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}
