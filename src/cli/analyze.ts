/**
 * `aioscope analyze trace.json`: the summary of a saved trace (aioscope JSON, or aioscope's
 * Chrome trace export), read and checked by src/trace's importer.
 */
import type { AnalyzeCommand } from "./args.ts";
import type { ExitStatus } from "./errors.ts";
import { analyseFor, printReport } from "./report.ts";
import type { Io } from "./terminal.ts";
import { readTraceFile } from "./trace-file.ts";

export async function analyzeCommand(command: AnalyzeCommand, io: Io): Promise<ExitStatus> {
  const trace = await readTraceFile(command.file);
  return printReport(trace, analyseFor(trace, command.budget), command.budget, io);
}
