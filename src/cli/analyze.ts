/**
 * `aioscope analyze trace.json`: the summary of a saved trace (aioscope JSON, or aioscope's
 * Chrome trace export), read and checked by src/trace's importer; with `--json`, the whole
 * analysis as JSON (typed arrays as arrays) for scripts.
 */
import type { AnalyzeCommand } from "./args.ts";
import { budgetViolations } from "./budget.ts";
import { EXIT, type ExitStatus } from "./errors.ts";
import { analyzeFor, printReport } from "./report.ts";
import type { Io } from "./terminal.ts";
import { readTraceFile } from "./trace-file.ts";

export async function analyzeCommand(command: AnalyzeCommand, io: Io): Promise<ExitStatus> {
  const trace = await readTraceFile(command.file);
  const analysis = analyzeFor(trace, command.budget);
  if (!command.json) return printReport(trace, analysis, command.budget, io);
  const broken = budgetViolations(analysis, command.budget);
  const plain = JSON.stringify({ ...analysis, budgetBroken: broken }, (_key, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value), 2);
  io.stdout.write(`${plain}\n`);
  return broken.length > 0 ? EXIT.budget : EXIT.ok;
}
