/**
 * The insights view: what to change, ranked by the time it would save, from the trace
 * model's analysis. Each insight says what to do, shows its evidence, and selects what it is
 * about on the timeline (its first task, else its first native operation).
 */
import type { Insight, InsightKind } from "../../trace/analysis.ts";
import { formatCount, formatTime } from "../format.ts";
import type { TimelineModel } from "../timeline/model.ts";
import { useStats } from "../stats/use-stats.ts";
import { AnalysisPending } from "../stats/stats-view.tsx";

const TITLES: Readonly<Record<InsightKind, string>> = {
  "sequential-awaits": "Sequential awaits",
  "duplicate-request": "Duplicate request",
  "lost-error": "Lost error",
  "pending-at-end": "Pending at the end",
  "lock-across-wait": "Lock held across a wait",
  "blocked-loop": "Blocked event loop",
  "timer-storm": "Timer storm",
  "unbounded-queue": "Unbounded queue",
};

/** The first thing an insight is about, as a timeline key (a task's id, or -(id + 1) for a native operation). */
function keyOf(insight: Insight): number | null {
  if (insight.tasks.length > 0) return insight.tasks[0]!;
  if (insight.ops.length > 0) return -(insight.ops[0]! + 1);
  return null;
}

export function InsightsView({ model, onSelect }: { model: TimelineModel; onSelect(key: number): void }) {
  const stats = useStats(model);
  if (stats === null) return <AnalysisPending model={model} testid="insights-pending" />;
  const { insights } = stats;
  if (insights.length === 0) {
    return (
      <div class="insights" data-testid="insights-view">
        <p class="details-subtle" data-testid="insights-none">
          Nothing to suggest: no sequential waits worth running together, duplicate requests, lost errors, locks held across waits, or blocked loops.
        </p>
      </div>
    );
  }
  const saving = insights.reduce((sum, i) => sum + (i.savingMs ?? 0), 0);
  return (
    <div class="insights" data-testid="insights-view">
      <p class="insights-summary" data-testid="insights-summary">
        {formatCount(insights.length)} insight{insights.length === 1 ? "" : "s"}
        {saving > 0 && <>, worth up to <strong>{formatTime(saving)}</strong> in all</>}, ranked by the time each would save.
      </p>
      <ol class="insight-list">
        {insights.map((insight, k) => {
          const key = keyOf(insight);
          return (
            <li key={k} class="insight" data-testid="insight" data-kind={insight.kind}>
              <div class="insight-head">
                <span class={`insight-kind insight-${insight.kind}`}>{TITLES[insight.kind]}</span>
                {insight.savingMs !== null && <span class="insight-saving" data-testid="insight-saving">saves ~{formatTime(insight.savingMs)}</span>}
                {key !== null && (
                  <button type="button" class="text-button insight-show" data-testid="insight-show" title="Select it on the timeline" onClick={() => onSelect(key)}>
                    Show on timeline
                  </button>
                )}
              </div>
              <div class="insight-title">{insight.title}</div>
              {insight.evidence.length > 0 && (
                <details class="insight-evidence">
                  <summary>Evidence ({formatCount(insight.evidence.length)})</summary>
                  <ul>{insight.evidence.map((line, n) => <li key={n}>{line}</li>)}</ul>
                </details>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
