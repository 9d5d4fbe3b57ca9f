/**
 * `aioscope analyze trace.json`: the summary of a saved trace (aioscope JSON, or aioscope's
 * Chrome trace export), read and checked by src/trace's importer.
 */
import { readFile } from "node:fs/promises";
import { importTrace } from "../trace/import.ts";
import type { AnalyzeCommand } from "./args.ts";
import { CliError, EXIT, type ExitStatus } from "./errors.ts";
import { analyseFor, printReport } from "./report.ts";
import type { Io } from "./terminal.ts";

export async function analyzeCommand(command: AnalyzeCommand, io: Io): Promise<ExitStatus> {
  let bytes: Buffer;
  try {
    bytes = await readFile(command.file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new CliError(`cannot read ${command.file}: ${reason}`, EXIT.usage);
  }
  const result = importTrace(bytes);
  if (!result.ok) {
    const where = result.error.path === "$" ? "" : ` (at ${result.error.path})`;
    throw new CliError(`${command.file} is not an aioscope trace: ${result.error.message}${where}`, EXIT.usage);
  }
  return printReport(result.trace, analyseFor(result.trace, command.budget), command.budget, io);
}
