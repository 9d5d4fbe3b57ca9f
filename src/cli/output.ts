/**
 * Output files: proven writable before a recording starts (so a typo in a path, a read-only
 * place or an impossible name does not cost a whole recording), and written with one-line
 * reasons when that still fails — after which the data goes to a fallback file, never lost.
 *
 * "Proven" means tried: an existing file is opened for writing (without truncating it), a new
 * one has a sibling probe file of the same name length created, written and removed. Only
 * regular files are written: a device such as /dev/full accepts an open and fails each write.
 */
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { CliError, EXIT } from "./errors.ts";
import { formatBytes } from "./terminal.ts";

/** Why a file system call failed, as a person would say it. */
function reasonFor(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOENT":
      return "its folder does not exist";
    case "EISDIR":
      return "it is a folder";
    case "ENOSPC":
      return "the disk is full";
    case "EDQUOT":
      return "the disk quota is used up";
    case "EROFS":
      return "the file system is read-only";
    case "ENAMETOOLONG":
      return `the name is too long (${basename(path).length} characters; file systems allow at most 255 bytes)`;
    case "ENOTDIR":
      return "a part of its path is not a folder";
    default:
      return (error as Error).message;
  }
}

function fail(option: string, path: string, reason: string): never {
  throw new CliError(`cannot write ${option} ${path}: ${reason}`, EXIT.output);
}

/** A sibling of `absolute` that does not exist yet, with a name exactly as long as its own. */
function probePath(absolute: string): string {
  const name = basename(absolute);
  const stem = `.aioscope-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(absolute), stem.length >= name.length ? stem : stem.padEnd(name.length, "x"));
}

/**
 * Throws a CliError when `path` (given as `option`) cannot be written. The data is written to
 * a sibling and renamed over `path` (see writeOutput), so the folder must take a new file even
 * when `path` exists: that also refuses the kernel's virtual folders (/proc, /sys), whose files
 * open for writing and then refuse the data.
 */
export function checkWritable(path: string, option: string): void {
  const absolute = resolve(path);
  const folder = dirname(absolute);
  let stats;
  try {
    stats = statSync(absolute, { throwIfNoEntry: false });
  } catch (error) {
    fail(option, path, reasonFor(error, path));
  }
  if (stats !== undefined) {
    if (stats.isDirectory()) fail(option, path, "it is a folder");
    if (!stats.isFile()) fail(option, path, "it is not a regular file (a device, a pipe or a socket): name a file");
    try {
      // r+ opens for writing without truncating: the old file stays until the new one is written.
      closeSync(openSync(absolute, "r+"));
    } catch (error) {
      fail(option, path, reasonFor(error, path));
    }
  } else {
    const folderStats = statSync(folder, { throwIfNoEntry: false });
    if (folderStats === undefined) fail(option, path, `the folder ${folder} does not exist`);
    if (!folderStats.isDirectory()) fail(option, path, `${folder} is not a folder`);
  }
  const probe = probePath(absolute);
  let fd: number;
  try {
    fd = openSync(probe, "wx");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(option, path, code === "EACCES" || code === "EPERM" ? `the folder ${folder} is not writable`
      : code === "ENOENT" ? `the folder ${folder} does not take new files (a virtual file system?)`
      : reasonFor(error, path));
  }
  try {
    writeSync(fd, "{}");
  } catch (error) {
    fail(option, path, reasonFor(error, path));
  } finally {
    closeSync(fd);
    try {
      unlinkSync(probe);
    } catch {
      // Gone already, or the folder forbids removing: nothing of the person's was touched.
    }
  }
}

/**
 * Writes `data` to `path` through a sibling file renamed over it: a write that fails half-way
 * (a full disk) leaves the old file as it was and no half-written one.
 */
export async function writeOutput(path: string, data: OutputData, option: string): Promise<number> {
  const partial = probePath(resolve(path));
  let bytes = 0;
  unfinished.add(partial);
  try {
    // The sibling is created, written and renamed by synchronous calls: a process ended by
    // the grace period then finds it either whole and renamed or there to remove — never
    // still to be created by an operation in flight.
    bytes = writeWhole(partial, data);
    renameSync(partial, path);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => {});
    fail(option, path, reasonFor(error, path));
  } finally {
    unfinished.delete(partial);
  }
  return bytes;
}

/**
 * Files being written now. A second Ctrl-C, or the grace period after a signal running out,
 * ends the process mid-write: the half-written sibling goes with it, and the old file stays.
 */
const unfinished = new Set<string>();
process.on("exit", () => {
  for (const partial of unfinished) {
    try {
      unlinkSync(partial);
    } catch {
      // Not created yet, or already gone.
    }
  }
});

/** What an output file holds: its text or its bytes. */
export type OutputData = string | Uint8Array;

/** Writes `data` to a new file at `path`; returns its size in bytes. */
function writeWhole(path: string, data: OutputData): number {
  const buffer = typeof data === "string" ? Buffer.from(data) : data;
  const fd = openSync(path, "wx");
  try {
    // write may stop short of the whole buffer: go on from where it stopped.
    for (let at = 0; at < buffer.byteLength;) at += writeSync(fd, buffer, at);
  } finally {
    closeSync(fd);
  }
  return buffer.byteLength;
}

/** Where data goes when its own path fails after the recording: the system's temporary folder. */
export function fallbackPath(path: string, folder = tmpdir()): string {
  const extension = extname(path).slice(0, 16) || ".json";
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return join(folder, `aioscope-${stamp}-${process.pid}${extension}`);
}

export type Written =
  | { readonly ok: true; readonly path: string; readonly bytes: number }
  | { readonly ok: false; readonly error: CliError; readonly fallback: string | null; readonly bytes: number };

/**
 * Writes `data` to `path`; if that fails (the disk filled up, the folder went away during the
 * recording), writes it to a fallback file instead and says where in the error.
 */
export async function writeOutputOrFallback(path: string, data: OutputData, option: string, fallbackFolder = tmpdir()): Promise<Written> {
  try {
    return { ok: true, path, bytes: await writeOutput(path, data, option) };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const fallback = fallbackPath(path, fallbackFolder);
    try {
      const bytes = await writeOutput(fallback, data, option);
      return { ok: false, error: new CliError(`${error.message}; wrote it to ${fallback} instead`, EXIT.output), fallback, bytes };
    } catch (second) {
      const why = second instanceof CliError ? second.message.replace(/^cannot write /, "") : String(second);
      return { ok: false, error: new CliError(`${error.message}; the fallback failed too (${why}): nothing was written`, EXIT.output), fallback: null, bytes: 0 };
    }
  }
}

/**
 * The output files of a run, each written whole (see writeOutput): lines saying what was
 * written, and the first failure, which becomes the exit status once everything else is written.
 */
export class OutputFiles {
  readonly lines: string[] = [];
  failure: CliError | null = null;

  async write(path: string, data: OutputData, option: string, what: (bytes: string) => string): Promise<void> {
    // A write that fails now, after the recording, must not lose it: a file that fails goes
    // to a fallback file, the others are still written.
    const written = await writeOutputOrFallback(path, data, option);
    if (written.ok) {
      this.lines.push(`Wrote ${path} (${what(formatBytes(written.bytes))})`);
      return;
    }
    if (written.fallback !== null) this.lines.push(`Wrote ${written.fallback} instead of ${path} (${what(formatBytes(written.bytes))})`);
    this.failure ??= written.error;
  }
}
