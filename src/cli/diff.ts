/**
 * `aioscope diff before.json after.json`: two recordings of the same program compared — wall
 * time, the main task's critical path, per task name (numbered names grouped) count and
 * duration p50/p95 before → after, warnings and insights that appeared or went away — as a
 * table, or as JSON with `--json`. `--fail-on regression>20%` makes CI fail when the wall time
 * or a name's p50/p95 grew by more. Every figure comes from src/trace's diff.
 */
import { analyze, diffTraces, indexTrace, regressions, type DiffSide, type DurationSummary, type Regression, type TraceDiff } from "../trace/analysis.ts";
import type { Trace } from "../trace/model.ts";
import { EXIT, type ExitStatus } from "./errors.ts";
import { formatMs, painter, terminalSafe, type Io, type Paint } from "./terminal.ts";
import { readTraceFile } from "./trace-file.ts";

export interface DiffCommand {
  readonly command: "diff";
  readonly before: string;
  readonly after: string;
  readonly json: boolean;
  /** Fail (exit 1) when something grew by more than this ratio (0.2 for 20 %); null: never. */
  readonly regression: number | null;
}

/** Name groups listed in the table; the rest are counted. */
const NAMES_SHOWN = 20;

function side(trace: Trace): DiffSide {
  return { trace, index: indexTrace(trace), analysis: analyze(trace) };
}

function change(before: number | null | undefined, after: number | null | undefined, paint: Paint): string {
  if (before == null || after == null) return "";
  if (before === 0) return after === 0 ? "" : paint("dim", " (new)");
  const ratio = after / before - 1;
  const text = ` (${ratio >= 0 ? "+" : "−"}${Math.round(Math.abs(ratio) * 100)}%)`;
  return Math.abs(ratio) < 0.05 ? paint("dim", text) : paint(ratio > 0 ? "red" : "green", text);
}

const ms = (value: number | null | undefined): string => (value == null ? "—" : formatMs(value));

function figures(summary: DurationSummary | null, which: "p50" | "p95"): number | null {
  return summary === null ? null : summary[which];
}

/** Page-supplied text (task names, warnings) as one safe line, cut to `max`. */
function clip(text: string, max: number): string {
  const safe = terminalSafe(text);
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

export function formatDiff(diff: TraceDiff, found: readonly Regression[], threshold: number | null, paint: Paint, files: { before: string; after: string }): string {
  const lines: string[] = [];
  const label = (text: string): string => paint("bold", text.padEnd(13));
  lines.push(`${paint("bold", "aioscope diff")} ${clip(files.before, 200)} → ${clip(files.after, 200)}`);
  lines.push(`${label("Wall time")}${ms(diff.wall.before)} → ${ms(diff.wall.after)}${change(diff.wall.before, diff.wall.after, paint)}`);
  const path = diff.criticalPath;
  if (path !== null) {
    const part = (what: "running" | "ready" | "waiting"): string => `${what} ${ms(path.before?.[what])} → ${ms(path.after[what])}${change(path.before?.[what], path.after[what], paint)}`;
    lines.push(`${label("Main task")}${clip(path.task, 40)}: ${part("waiting")} · ${part("running")} · ${part("ready")}`);
  }
  if (diff.names.length > 0) {
    lines.push(paint("bold", "By task name (count · p50 · p95, before → after)"));
    const shown = diff.names.slice(0, NAMES_SHOWN);
    const width = Math.min(40, Math.max(...shown.map((n) => n.group.length)));
    for (const name of shown) {
      const count = `${name.before?.count ?? 0} → ${name.after?.count ?? 0}`;
      const p50 = `${ms(figures(name.before, "p50"))} → ${ms(figures(name.after, "p50"))}${change(figures(name.before, "p50"), figures(name.after, "p50"), paint)}`;
      const p95 = `${ms(figures(name.before, "p95"))} → ${ms(figures(name.after, "p95"))}${change(figures(name.before, "p95"), figures(name.after, "p95"), paint)}`;
      lines.push(`  ${clip(name.group, 40).padEnd(width)}  ${count} · ${p50} · ${p95}`);
    }
    if (diff.names.length > NAMES_SHOWN) lines.push(`  … and ${diff.names.length - NAMES_SHOWN} more names`);
  }
  const listed = (title: string, items: readonly string[], mark: string, style: "red" | "green"): void => {
    if (items.length === 0) return;
    lines.push(paint("bold", `${title} (${items.length})`));
    for (const item of items.slice(0, 8)) lines.push(`  ${paint(style, mark)} ${clip(item, 200)}`);
    if (items.length > 8) lines.push(`  … and ${items.length - 8} more`);
  };
  listed("New warnings", diff.warnings.added, "+", "red");
  listed("Gone warnings", diff.warnings.removed, "−", "green");
  listed("New insights", diff.insights.added, "+", "red");
  listed("Gone insights", diff.insights.removed, "−", "green");
  if (threshold !== null) {
    const limit = `${Math.round(threshold * 100)}%`;
    if (found.length === 0) lines.push(`${label("Regressions")}${paint("green", `none over ${limit}`)}`);
    else {
      lines.push(paint("bold", `Regressions over ${limit} (${found.length})`));
      for (const r of found) lines.push(`  ${paint("red", "!")} ${clip(r.what, 60)}: ${ms(r.before)} → ${ms(r.after)} (+${Math.round(r.change * 100)}%)`);
    }
  }
  return lines.join("\n");
}

export async function diffCommand(command: DiffCommand, io: Io): Promise<ExitStatus> {
  const [before, after] = await Promise.all([readTraceFile(command.before), readTraceFile(command.after)]);
  const diff = diffTraces(side(before), side(after));
  const found = command.regression === null ? [] : regressions(diff, command.regression);
  if (command.json) {
    io.stdout.write(`${JSON.stringify({ ...diff, regressions: command.regression === null ? null : found }, null, 2)}\n`);
  } else {
    io.stdout.write(`${formatDiff(diff, found, command.regression, painter(io.stdout, io.env), command)}\n`);
  }
  if (found.length > 0) {
    io.stderr.write(`aioscope: budget broken: --fail-on regression>${Math.round(command.regression! * 100)}%: ${found.map((r) => `${r.what} +${Math.round(r.change * 100)}%`).slice(0, 5).join(", ")}\n`);
    return EXIT.budget;
  }
  return EXIT.ok;
}
