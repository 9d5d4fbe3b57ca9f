/**
 * The summary a person reads at a glance, for `record` and `analyze` alike: what was
 * recorded, tasks by outcome, concurrency, the event loop's utilisation, the slowest tasks
 * and the warnings. Every number comes from src/trace's analysis; this file only lays it out.
 */
import type { Trace, TaskOutcome } from "../trace/model.ts";
import type { NativeStats, OutcomeCounts, TraceAnalysis } from "../trace/analysis.ts";
import { formatCount, formatMs, plural, terminalSafe, type Paint } from "./terminal.ts";

/** Rows in "slowest tasks". */
export const SLOWEST_SHOWN = 5;
/** Warnings listed before "… and N more". */
export const WARNINGS_SHOWN = 8;
/** Insights listed before "… and N more". */
export const INSIGHTS_SHOWN = 5;

const OUTCOME_WORDS: Record<TaskOutcome, string> = { done: "done", error: "failed", cancelled: "cancelled", pending: "pending" };

/** Page-supplied text, escaped for the terminal (see terminalSafe), then cut to `max` characters. */
function clip(text: string, max: number): string {
  const safe = terminalSafe(text);
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

function percent(ratio: number): string {
  const value = ratio * 100;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}%`;
}

/** `url`: where the trace came from, when the trace does not say. */
export function formatSummary(trace: Trace, analysis: TraceAnalysis, paint: Paint, url: string | null = null): string {
  const lines: string[] = [];
  const label = (text: string): string => paint("bold", text.padEnd(13));
  // The top frame's address, when the metadata has none (a session recorded in the panel
  // gets it from the frames that reported).
  const top = trace.sources.find((source) => source.frameId === 0) ?? trace.sources[0];
  const where = trace.metadata.url ?? top?.url ?? url;
  const frames = trace.sources.length;
  const title = trace.metadata.title !== null && trace.metadata.title !== "" ? ` · ${clip(trace.metadata.title, 60)}` : "";
  lines.push(`${paint("bold", "aioscope")} ${where === null ? "session" : clip(where, 100)}${title}`);
  const dropped = trace.droppedEvents > 0 ? paint("yellow", ` · ${plural(trace.droppedEvents, "event")} dropped`) : "";
  lines.push(`${label("Recorded")}${formatMs(trace.end)}${frames > 1 ? ` in ${plural(frames, "frame")}` : ""}${dropped}`);

  const counts: Record<TaskOutcome, number> = { done: 0, error: 0, cancelled: 0, pending: 0 };
  for (const task of trace.tasks) counts[task.outcome]++;
  const outcomes = (Object.keys(counts) as TaskOutcome[])
    .filter((outcome) => counts[outcome] > 0)
    .map((outcome) => {
      const text = `${formatCount(counts[outcome])} ${OUTCOME_WORDS[outcome]}`;
      return outcome === "error" ? paint("red", text) : outcome === "pending" ? paint("yellow", text) : text;
    });
  lines.push(`${label("Tasks")}${plural(trace.tasks.length, "task")}${outcomes.length > 0 ? `: ${outcomes.join(" · ")}` : ""}`);

  if (trace.tasks.length > 0) {
    const { alive, running, waiting } = analysis.summary;
    lines.push(`${label("Concurrency")}peak ${plural(alive.peak, "task")} alive at ${formatMs(alive.peakAt)} · mean ${alive.mean.toFixed(1)} alive, ${waiting.mean.toFixed(1)} waiting, ${running.mean.toFixed(2)} running`);
  }

  // Documents without a runtime task have no loop of ours to speak of: "0% busy" there would
  // hide a page whose own code blocked its main thread.
  const loops = analysis.loops.filter((loop) => loop.steps > 0);
  const documents = new Set([...loops.map((loop) => loop.source), ...analysis.native.map((stats) => stats.source)]).size;
  const sourceName = (source: number): string => (documents > 1 ? ` in ${clip(trace.sources[source]?.label ?? `source ${source}`, 100)}` : "");
  for (const loop of loops) {
    lines.push(`${label("Event loop")}${percent(loop.utilisation)} busy running task steps${sourceName(loop.source)} (${formatMs(loop.busy)} in ${plural(loop.steps, "step")})`);
  }
  for (const stats of analysis.native) lines.push(...formatNative(stats, sourceName(stats.source), label, paint));

  const outcomeOf = new Map(trace.tasks.map((task) => [task.id, task.outcome]));
  const slowest = [...analysis.tasks].sort((a, b) => b.total - a.total || a.task - b.task).slice(0, SLOWEST_SHOWN);
  if (slowest.length > 0) {
    lines.push(paint("bold", "Slowest tasks"));
    const width = Math.max(...slowest.map((task) => formatMs(task.total).length));
    for (const task of slowest) {
      const outcome = outcomeOf.get(task.task) ?? "pending";
      const state = OUTCOME_WORDS[outcome];
      lines.push(`  ${formatMs(task.total).padStart(width)}  ${clip(task.name, 48)} ${paint("dim", `(${state}; busy ${formatMs(task.busy)} in ${plural(task.steps, "step")})`)}`);
    }
  }

  const warnings = analysis.warnings;
  if (warnings.length === 0) {
    lines.push(`${label("Warnings")}${paint("green", "none")}`);
  } else {
    lines.push(paint("bold", `Warnings (${formatCount(warnings.length)})`));
    // The worst first: a deadlock, then errors, then the longest slow steps.
    const rank = { deadlock: 0, droppedEvents: 1, notRecorded: 1, unretrievedError: 2, pendingAtEnd: 3, slowStep: 4, longTask: 4 } as const;
    const ordered = [...warnings].sort((a, b) => rank[a.kind] - rank[b.kind]
      || ("duration" in a && "duration" in b ? b.duration - a.duration : 0));
    for (const warning of ordered.slice(0, WARNINGS_SHOWN)) lines.push(`  ${paint("yellow", "!")} ${clip(warning.message, 200)}`);
    if (ordered.length > WARNINGS_SHOWN) lines.push(`  … and ${formatCount(ordered.length - WARNINGS_SHOWN)} more`);
  }
  const insights = analysis.insights;
  if (insights.length > 0) {
    lines.push(paint("bold", `Insights (${formatCount(insights.length)})`));
    for (const insight of insights.slice(0, INSIGHTS_SHOWN)) {
      const saving = insight.savingMs !== null ? paint("green", ` [saves ~${formatMs(insight.savingMs)}]`) : "";
      lines.push(`  ${paint("cyan", "›")} ${clip(insight.title, 200)}${saving}`);
    }
    if (insights.length > INSIGHTS_SHOWN) lines.push(`  … and ${formatCount(insights.length - INSIGHTS_SHOWN)} more`);
  }
  return lines.join("\n");
}

/** Operations of a chain of causes named in full; a longer one keeps its ends. */
const CHAIN_NAMES_SHOWN = 6;

/** Native outcomes in words, for requests and for timers. */
const REQUEST_WORDS = { ok: "ok", error: "failed", aborted: "aborted", cancelled: "cancelled", pending: "pending" } as const;
const TIMER_WORDS = { ok: "fired", error: "failed", aborted: "aborted", cancelled: "cancelled", pending: "pending" } as const;

function formatCounts(counts: OutcomeCounts, words: Readonly<Record<keyof OutcomeCounts, string>>, paint: Paint): string {
  return (Object.keys(words) as (keyof OutcomeCounts)[])
    .filter((outcome) => counts[outcome] > 0)
    .map((outcome) => {
      const text = `${formatCount(counts[outcome])} ${words[outcome]}`;
      return outcome === "error" ? paint("red", text) : outcome === "pending" ? paint("yellow", text) : text;
    })
    .join(" · ");
}

function total(counts: OutcomeCounts): number {
  return counts.ok + counts.error + counts.aborted + counts.cancelled + counts.pending;
}

/** The page's own work in one document: main-thread blocking, requests, script loads, workers, timers. */
function formatNative(stats: NativeStats, where: string, label: (text: string) => string, paint: Paint): string[] {
  const lines: string[] = [];
  const spans = stats.blockedSpans;
  if (spans.length === 0) {
    lines.push(`${label("Main thread")}no long tasks${where}`);
  } else {
    const longest = spans.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
    const text = `blocked ${formatMs(stats.blocked)} (${percent(stats.blockedRatio)})${where} in ${plural(spans.length, "long task")}; longest ${formatMs(longest.end - longest.start)} at ${formatMs(longest.start)}`;
    lines.push(`${label("Main thread")}${stats.blockedRatio >= 0.1 ? paint("yellow", text) : text}`);
  }
  const requests = total(stats.requests);
  if (requests > 0) {
    const slowest = stats.slowestRequest !== null ? paint("dim", `; slowest ${formatMs(stats.slowestRequest.duration)} ${clip(stats.slowestRequest.name, 60)}`) : "";
    const queued = stats.queuedRequests > 0 ? `; ${formatCount(stats.queuedRequests)} queued for a connection (longest ${formatMs(stats.longestQueue)})` : "";
    lines.push(`${label("Requests")}${formatCount(requests)}${where}: ${formatCounts(stats.requests, REQUEST_WORDS, paint)}${queued}${slowest}`);
  }
  const scripts = total(stats.scripts);
  if (scripts > 0) lines.push(`${label("Scripts")}${formatCount(scripts)}${where}: ${formatCounts(stats.scripts, REQUEST_WORDS, paint)}`);
  const modules = total(stats.modules);
  if (modules > 0) lines.push(`${label("Modules")}${formatCount(modules)}${where}: ${formatCounts(stats.modules, REQUEST_WORDS, paint)}`);
  const workers = stats.workers;
  if (workers.started > 0) {
    const running = workers.running > 0 ? ` (${formatCount(workers.running)} still running)` : "";
    lines.push(`${label("Workers")}${plural(workers.started, "worker")}${running}${where}: ${formatCount(workers.toWorkers)} messages to them, ${formatCount(workers.fromWorkers)} from them`);
  }
  const timers = total(stats.timers);
  if (timers > 0) lines.push(`${label("Timers")}${formatCount(timers)}${where}: ${formatCounts(stats.timers, TIMER_WORDS, paint)}`);
  const chain = stats.longestChains[0];
  if (chain !== undefined) {
    // The longest chain of causes. Long chains are cut in the middle: the first cause and the last effect tell the story.
    const names = chain.names.length <= CHAIN_NAMES_SHOWN ? chain.names
      : [...chain.names.slice(0, 2), `… ${formatCount(chain.names.length - CHAIN_NAMES_SHOWN + 1)} more …`, ...chain.names.slice(-(CHAIN_NAMES_SHOWN - 3))];
    lines.push(`${label("Cause chain")}${formatMs(chain.duration)}${where}: ${names.map((name) => clip(name, 60)).join(" → ")}`);
  }
  return lines;
}
