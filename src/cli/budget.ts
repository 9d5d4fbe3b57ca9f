/**
 * `--fail-on`: holds a trace to a budget so CI can fail a page that breaks it. The checks
 * read the same analysis the summary prints (src/trace/analysis.ts); `slow-step>X` sets the
 * analysis' own slow-step threshold, so the warnings printed and the check agree.
 */
import type { TraceAnalysis } from "../trace/analysis.ts";
import type { Budget } from "./args.ts";
import { formatMs, plural } from "./terminal.ts";

/** The options to analyze a trace with, for this budget. */
export function analysisOptions(budget: Budget): { slowStepMs?: number } {
  return budget.slowStepMs === null ? {} : { slowStepMs: budget.slowStepMs };
}

export function isEmptyBudget(budget: Budget): boolean {
  return !budget.warnings && !budget.deadlock && budget.slowStepMs === null && budget.maxConcurrency === null && budget.insights.length === 0;
}

/** One line per broken check; empty when the trace keeps the budget. */
export function budgetViolations(analysis: TraceAnalysis, budget: Budget): string[] {
  const broken: string[] = [];
  const { warnings } = analysis;
  if (budget.warnings && warnings.length > 0) {
    broken.push(`--fail-on warnings: ${plural(warnings.length, "warning")}, the first: ${warnings[0]!.message}`);
  }
  if (budget.deadlock) {
    const deadlock = warnings.find((warning) => warning.kind === "deadlock");
    if (deadlock !== undefined) broken.push(`--fail-on deadlock: ${deadlock.message}`);
  }
  if (budget.slowStepMs !== null) {
    const slow = warnings.flatMap((warning) => (warning.kind === "slowStep" ? [warning] : []));
    if (slow.length > 0) {
      const longest = slow.reduce((a, b) => (b.duration > a.duration ? b : a));
      broken.push(`--fail-on slow-step>${formatMs(budget.slowStepMs).replace(" ", "")}: ${plural(slow.length, "step")} ran longer; the longest: ${longest.message}`);
    }
  }
  if (budget.maxConcurrency !== null) {
    const { peak, peakAt } = analysis.summary.alive;
    if (peak > budget.maxConcurrency) {
      broken.push(`--fail-on max-concurrency>${budget.maxConcurrency}: ${plural(peak, "task")} were alive at once (at ${formatMs(peakAt)})`);
    }
  }
  for (const kind of new Set(budget.insights)) {
    const found = analysis.insights.filter((insight) => insight.kind === kind);
    if (found.length > 0) broken.push(`--fail-on ${kind}: ${plural(found.length, "insight")}, the first: ${found[0]!.title}`);
  }
  return broken;
}
