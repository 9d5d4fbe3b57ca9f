/**
 * The statistics view: the session in numbers — a summary, the warnings (each selects its
 * task), charts of concurrency and loop utilisation over the timeline's window, tasks by
 * outcome and by duration, and tables per task name, per lock or queue, and of the page's own
 * work (main-thread blocking, requests, timers) per document.
 */
import { useMemo } from "preact/hooks";
import { formatCount, formatPercent, formatTime } from "../format.ts";
import type { TimelineModel } from "../timeline/model.ts";
import { paletteFor } from "../timeline/palette.ts";
import { wholeSession, type TimeWindow } from "../timeline/viewport.ts";
import { useTheme } from "../use-theme.ts";
import { ChartCanvas, applyChartTheme } from "./chart.tsx";
import { blockedChart, concurrencyChart, durationChart, nativeConcurrencyChart, outcomeChart, utilisationChart } from "./chart-data.ts";
import { NameTable } from "./name-table.tsx";
import { NativeTable } from "./native-table.tsx";
import { ResourceTable } from "./resource-table.tsx";
import { useStats, type SessionStats } from "./use-stats.ts";
import { WarningsList } from "./warnings-list.tsx";

export interface StatsViewProps {
  readonly model: TimelineModel;
  /** The timeline's window: the charts over time follow it. */
  readonly window: TimeWindow | null;
  onSelectTask(id: number): void;
  onFilter(name: string): void;
}

function Figure({ label, value, testid, tone }: { label: string; value: string; testid: string; tone?: "error" | "cancelled" }) {
  return (
    <div class="figure" data-testid={testid}>
      <div class={`figure-value${tone === undefined ? "" : ` outcome-${tone}`}`}>{value}</div>
      <div class="figure-label">{label}</div>
    </div>
  );
}

/** Shown while a session too big to analyze at once is analyzed, in slices between frames. */
export function AnalysisPending({ model, testid }: { model: TimelineModel; testid: string }) {
  const { trace } = model;
  return (
    <div class="stats" data-testid={testid}>
      <p class="details-subtle">Analyzing {formatCount(trace.tasks.length)} tasks and {formatCount(trace.steps.length + trace.awaits.length + trace.nativeOps.length)} records…</p>
    </div>
  );
}

export function StatsView(props: StatsViewProps) {
  const stats = useStats(props.model);
  return stats === null ? <AnalysisPending model={props.model} testid="stats-pending" /> : <SessionStatsView {...props} stats={stats} />;
}

function SessionStatsView(props: StatsViewProps & { readonly stats: SessionStats }) {
  const theme = useTheme();
  const palette = paletteFor(theme);
  applyChartTheme(palette);
  const { stats } = props;
  const series = stats.series;
  const { trace } = stats.model;
  const window = props.window ?? wholeSession(trace.end);
  const inWindow = window.start > 0 || window.end < trace.end;
  const concurrency = useMemo(() => concurrencyChart(series, window, palette), [series, window.start, window.end, theme]);
  const utilisation = useMemo(() => utilisationChart(trace, window, palette), [trace, window.start, window.end, theme]);
  const outcomes = useMemo(() => outcomeChart(trace, palette), [trace, theme]);
  const durations = useMemo(() => durationChart(trace, palette), [trace, theme]);
  const nativeInFlight = useMemo(() => nativeConcurrencyChart(trace, window, palette), [trace, window.start, window.end, theme]);
  const blockedShare = useMemo(() => blockedChart(trace, window, palette), [trace, window.start, window.end, theme]);
  // A page of plain async/await has no runtime task: its charts would be empty axes.
  const hasTasks = trace.tasks.length > 0;
  const hasNative = trace.nativeOps.length > 0;
  let errors = 0;
  let cancelled = 0;
  for (const task of trace.tasks) {
    if (task.outcome === "error") errors++;
    else if (task.outcome === "cancelled") cancelled++;
  }
  const busy = stats.loops.reduce((sum, l) => sum + l.busy, 0);
  const utilisationAll = trace.end > 0 ? busy / trace.end / Math.max(1, stats.loops.length) : 0;
  const blocked = stats.native.reduce((sum, n) => sum + n.blocked, 0);
  const span = inWindow ? ` (${formatTime(window.start)} – ${formatTime(window.end)})` : "";
  return (
    <div class="stats" data-testid="stats-view">
      <div class="figures">
        <Figure label="tasks" value={formatCount(trace.tasks.length)} testid="figure-tasks" />
        <Figure label="session" value={formatTime(trace.end)} testid="figure-duration" />
        {hasTasks && <Figure label="alive at most" value={formatCount(stats.summary.alive.peak)} testid="figure-peak" />}
        {hasTasks && <Figure label="alive on average" value={stats.summary.alive.mean.toFixed(1)} testid="figure-mean" />}
        {stats.loops.some((l) => l.steps > 0) && <Figure label="loop busy" value={formatPercent(utilisationAll)} testid="figure-utilisation" />}
        {stats.native.length > 0 && <Figure label="main thread blocked" value={formatTime(blocked)} testid="figure-blocked" tone={stats.native.some((n) => n.blockedSpans.length > 0) ? "cancelled" : undefined} />}
        {hasTasks && <Figure label="errors" value={formatCount(errors)} testid="figure-errors" tone={errors > 0 ? "error" : undefined} />}
        {hasTasks && <Figure label="cancelled" value={formatCount(cancelled)} testid="figure-cancelled" tone={cancelled > 0 ? "cancelled" : undefined} />}
        <Figure label="warnings" value={formatCount(stats.warnings.length)} testid="figure-warnings" />
      </div>
      <section class="stats-section">
        <h3>Warnings</h3>
        <WarningsList warnings={stats.warnings} model={stats.model} onSelectTask={props.onSelectTask} />
      </section>
      {hasTasks && (
        <div class="charts">
          <section class="stats-section chart-wide">
            <h3>Concurrency over time{span}</h3>
            <ChartCanvas config={concurrency} testid="chart-concurrency" label="Tasks alive, waiting, ready and running over time" />
          </section>
          <section class="stats-section">
            <h3>Tasks by outcome</h3>
            <ChartCanvas config={outcomes} testid="chart-outcomes" label="Tasks by outcome" />
          </section>
          <section class="stats-section">
            <h3>Task durations</h3>
            <ChartCanvas config={durations} testid="chart-durations" label="Histogram of finished tasks' durations" />
          </section>
          <section class="stats-section chart-wide">
            <h3>Event loop utilisation{span}</h3>
            <ChartCanvas config={utilisation} testid="chart-utilisation" label="Share of time the event loop spent running task steps" />
          </section>
        </div>
      )}
      {hasNative && (
        <div class="charts">
          <section class="stats-section chart-wide">
            <h3>Native work in flight{span}</h3>
            <ChartCanvas config={nativeInFlight} testid="chart-native" label="Requests, timers and callbacks in flight over time" />
          </section>
          <section class="stats-section chart-wide">
            <h3>Main thread blocked by long tasks{span}</h3>
            <ChartCanvas config={blockedShare} testid="chart-blocked" label="Share of time the main thread spent in long tasks" />
          </section>
        </div>
      )}
      <section class="stats-section">
        <h3>Page work by document</h3>
        <NativeTable stats={stats.native} sources={trace.sources} />
      </section>
      {hasTasks && (
        <>
          <section class="stats-section">
            <h3>By task name</h3>
            <NameTable stats={stats.byName} onFilter={props.onFilter} />
          </section>
          <section class="stats-section">
            <h3>Locks, semaphores, queues and events</h3>
            <ResourceTable stats={stats.resources} />
          </section>
        </>
      )}
    </div>
  );
}
