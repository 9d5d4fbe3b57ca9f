/**
 * From a trace to what the person sees: the analysis (src/trace), the summary on stdout, and
 * the `--fail-on` verdict as the exit status.
 */
import { analyze, type TraceAnalysis } from "../trace/analysis.ts";
import type { Trace } from "../trace/model.ts";
import type { Budget } from "./args.ts";
import { analysisOptions, budgetViolations } from "./budget.ts";
import { EXIT, type ExitStatus } from "./errors.ts";
import { formatSummary } from "./summary.ts";
import { painter, terminalSafe, type Io } from "./terminal.ts";

export function analyzeFor(trace: Trace, budget: Budget): TraceAnalysis {
  return analyze(trace, analysisOptions(budget));
}

/** Prints the summary (and `extra` lines after it), then any broken budget; returns the exit status. */
export function printReport(trace: Trace, analysis: TraceAnalysis, budget: Budget, io: Io, extra: readonly string[] = [], url: string | null = null): ExitStatus {
  const paint = painter(io.stdout, io.env);
  io.stdout.write(`${formatSummary(trace, analysis, paint, url)}\n`);
  for (const line of extra) io.stdout.write(`${line}\n`);
  const broken = budgetViolations(analysis, budget);
  const errPaint = painter(io.stderr, io.env);
  // The lines quote warnings, which quote task names: page-supplied text.
  for (const line of broken) io.stderr.write(`${errPaint("red", "aioscope: budget broken:")} ${terminalSafe(line)}\n`);
  return broken.length > 0 ? EXIT.budget : EXIT.ok;
}
