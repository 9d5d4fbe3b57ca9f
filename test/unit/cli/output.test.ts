/**
 * Output paths are tried before a recording starts, and a write that still fails afterwards
 * puts the data in a fallback file named in the error: nothing recorded is lost.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CliError } from "../../../src/cli/errors.ts";
import { checkWritable, writeOutput, writeOutputOrFallback } from "../../../src/cli/output.ts";

const scratch = (): string => mkdtempSync(join(tmpdir(), "aioscope-out-"));

function refusal(path: string): string {
  try {
    checkWritable(path, "--out");
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitStatus).toBe(6);
    return (error as CliError).message;
  }
  throw new Error(`${path} was accepted`);
}

describe("output paths are proven writable before recording", () => {
  test("/dev/full, which opens and then fails every write, is refused as not a file", () => {
    expect(refusal("/dev/full")).toBe("cannot write --out /dev/full: it is not a regular file (a device, a pipe or a socket): name a file");
  });

  test("a path under /proc is refused, new or existing", () => {
    expect(refusal("/proc/aioscope-trace.json")).toBe("cannot write --out /proc/aioscope-trace.json: the folder /proc does not take new files (a virtual file system?)");
    expect(refusal("/proc/self/status")).toBe("cannot write --out /proc/self/status: the folder /proc/self does not take new files (a virtual file system?)");
  });

  test("a 300-character file name is refused as too long", () => {
    const name = `${"t".repeat(295)}.json`;
    expect(refusal(join(scratch(), name))).toMatch(/: the name is too long \(300 characters; file systems allow at most 255 bytes\)$/);
  });

  test("a folder, and a file in a missing folder, are refused; a good path is accepted and left untouched", () => {
    const dir = scratch();
    expect(refusal(dir)).toBe(`cannot write --out ${dir}: it is a folder`);
    expect(refusal(join(dir, "missing", "t.json"))).toBe(`cannot write --out ${join(dir, "missing", "t.json")}: the folder ${join(dir, "missing")} does not exist`);
    const existing = join(dir, "old.json");
    writeFileSync(existing, "old");
    checkWritable(existing, "--out");
    checkWritable(join(dir, "new.json"), "--out");
    // The probe left nothing behind, and the existing file is as it was.
    expect(readdirSync(dir).sort()).toEqual(["old.json"]);
    expect(readFileSync(existing, "utf8")).toBe("old");
  });
});

describe("a write that fails after the recording", () => {
  test("goes to a fallback file, named in the error", async () => {
    const dir = scratch();
    const fallbacks = scratch();
    const target = join(dir, "gone", "trace.json");
    const written = await writeOutputOrFallback(target, '{"trace":1}', "--out", fallbacks);
    expect(written.ok).toBe(false);
    if (written.ok) return;
    expect(written.fallback).not.toBeNull();
    expect(written.fallback!.startsWith(fallbacks)).toBe(true);
    expect(readFileSync(written.fallback!, "utf8")).toBe('{"trace":1}');
    expect(written.error.message).toBe(`cannot write --out ${target}: its folder does not exist; wrote it to ${written.fallback} instead`);
    expect(written.error.exitStatus).toBe(6);
  });

  test("a failed write leaves the old file as it was, and no partial file beside it", async () => {
    const dir = scratch();
    const existing = join(dir, "trace.json");
    writeFileSync(existing, "old");
    await expect(writeOutput(join(dir, "missing", "x.json"), "new", "--out")).rejects.toThrow(/its folder does not exist/);
    expect(await writeOutput(existing, "new", "--out")).toBe(3);
    expect(readFileSync(existing, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["trace.json"]);
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });
});
