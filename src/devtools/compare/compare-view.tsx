/**
 * "Compare with…": the session on screen ("after") against another recording ("before") —
 * the trace model's diff (src/trace/analysis/diff.ts, as `aioscope diff` prints it) as a
 * table, then the two timelines one above the other, each showing its whole session (their
 * rulers say how long each took).
 */
import { useMemo } from "preact/hooks";
import { analyze, diffTraces, type DiffSide, type DurationSummary } from "../../trace/analysis.ts";
import type { Trace } from "../../trace/model.ts";
import { formatCount, formatTime } from "../format.ts";
import { buildTimelineModel, type TimelineModel } from "../timeline/model.ts";
import { buildRows } from "../timeline/rows.ts";
import { Timeline } from "../timeline/timeline.tsx";
import "./compare.css";

export interface ComparedRecording {
  readonly trace: Trace;
  readonly label: string;
}

export interface CompareViewProps {
  readonly before: ComparedRecording;
  /** The session on screen: its timeline model is the panel's own. */
  readonly after: { readonly model: TimelineModel; readonly label: string };
  onClose(): void;
}

/** Name groups listed; the rest are counted. */
const NAMES_SHOWN = 50;
const NO_NODES: ReadonlySet<number> = new Set();

function side(model: TimelineModel): DiffSide {
  return { trace: model.trace, index: model.index, analysis: analyze(model.trace) };
}

const ms = (value: number | null | undefined): string => (value == null ? "—" : formatTime(value));

/** "+25%" or "−40%", and whether it is worse, better or about the same (under 5 %). */
function change(before: number | null | undefined, after: number | null | undefined): { text: string; tone: "worse" | "better" | "same" } | null {
  if (before == null || after == null) return null;
  if (before === 0) return after === 0 ? null : { text: "new", tone: "worse" };
  const ratio = after / before - 1;
  const percent = Math.round(Math.abs(ratio) * 100);
  const text = percent === 0 ? "±0%" : `${ratio > 0 ? "+" : "−"}${percent}%`;
  return { text, tone: Math.abs(ratio) < 0.05 ? "same" : ratio > 0 ? "worse" : "better" };
}

function Figure({ before, after }: { before: number | null | undefined; after: number | null | undefined }) {
  const delta = change(before, after);
  return (
    <>
      {ms(before)} → {ms(after)}
      {delta !== null && <span class={`compare-change ${delta.tone}`} data-tone={delta.tone}> {delta.text}</span>}
    </>
  );
}

const figure = (summary: DurationSummary | null, which: "p50" | "p95"): number | null => (summary === null ? null : summary[which]);

function Changes({ title, items, mark, tone, testid }: { title: string; items: readonly string[]; mark: string; tone: "worse" | "better"; testid: string }) {
  if (items.length === 0) return null;
  return (
    <div class="compare-changes" data-testid={testid}>
      <div class="compare-changes-title">{title} ({formatCount(items.length)})</div>
      <ul>{items.map((item, k) => <li key={k}><span class={`compare-change ${tone}`}>{mark}</span> {item}</li>)}</ul>
    </div>
  );
}

function ComparedTimeline({ model, title, testid }: { model: TimelineModel; title: string; testid: string }) {
  const rows = useMemo(() => buildRows(model, NO_NODES, null), [model]);
  return (
    <section class="compare-timeline" data-testid={testid} aria-label={title}>
      <div class="compare-timeline-title">{title}</div>
      <Timeline
        model={model}
        rows={rows}
        collapsed={NO_NODES}
        selected={-1}
        arrows={[]}
        shownKinds={null}
        revealRequest={0}
        active={false}
        onSelect={() => undefined}
        onToggle={() => undefined}
        onWindow={() => undefined}
        onController={() => undefined}
      />
    </section>
  );
}

export function CompareView({ before, after, onClose }: CompareViewProps) {
  const beforeModel = useMemo(() => buildTimelineModel(before.trace), [before.trace]);
  const diff = useMemo(() => diffTraces(side(beforeModel), side(after.model)), [beforeModel, after.model]);
  const path = diff.criticalPath;
  const names = diff.names.slice(0, NAMES_SHOWN);
  const unchanged = diff.warnings.added.length + diff.warnings.removed.length + diff.insights.added.length + diff.insights.removed.length === 0;
  return (
    <div class="compare" data-testid="compare-view">
      <div class="compare-header">
        <span class="compare-heading">
          Before: <strong data-testid="compare-before-label">{before.label}</strong> · after: <strong data-testid="compare-after-label">{after.label}</strong>
        </span>
        <button type="button" class="text-button" data-testid="compare-close" onClick={onClose}>End comparison</button>
      </div>
      <div class="compare-table-pane">
        <table class="stats-table compare-table" data-testid="compare-table">
          <tbody>
            <tr data-testid="compare-wall">
              <th>Wall time</th>
              <td><Figure before={diff.wall.before} after={diff.wall.after} /></td>
            </tr>
            {path !== null && (
              <tr data-testid="compare-critical-path">
                <th>Main task “{path.task}”</th>
                <td class="compare-path">
                  waiting <Figure before={path.before?.waiting} after={path.after.waiting} /> · running{" "}
                  <Figure before={path.before?.running} after={path.after.running} /> · ready <Figure before={path.before?.ready} after={path.after.ready} />
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <table class="stats-table compare-table" data-testid="compare-names">
          <thead>
            <tr><th>Task name</th><th class="number">Count</th><th>p50</th><th>p95</th></tr>
          </thead>
          <tbody>
            {names.map((name) => (
              <tr key={name.group} data-testid="compare-name" data-group={name.group}>
                <td class="details-label" title={name.group}>{name.group}</td>
                <td class="number">{name.before?.count ?? 0} → {name.after?.count ?? 0}</td>
                <td><Figure before={figure(name.before, "p50")} after={figure(name.after, "p50")} /></td>
                <td><Figure before={figure(name.before, "p95")} after={figure(name.after, "p95")} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {diff.names.length > NAMES_SHOWN && <p class="details-subtle">… and {formatCount(diff.names.length - NAMES_SHOWN)} more names</p>}
        <Changes title="New warnings" items={diff.warnings.added} mark="+" tone="worse" testid="compare-new-warnings" />
        <Changes title="Gone warnings" items={diff.warnings.removed} mark="−" tone="better" testid="compare-gone-warnings" />
        <Changes title="New insights" items={diff.insights.added} mark="+" tone="worse" testid="compare-new-insights" />
        <Changes title="Gone insights" items={diff.insights.removed} mark="−" tone="better" testid="compare-gone-insights" />
        {unchanged && <p class="details-subtle" data-testid="compare-same-findings">The same warnings and insights on both sides.</p>}
      </div>
      <div class="compare-timelines">
        <ComparedTimeline model={beforeModel} title={`Before: ${before.label}`} testid="compare-timeline-before" />
        <ComparedTimeline model={after.model} title={`After: ${after.label}`} testid="compare-timeline-after" />
      </div>
    </div>
  );
}
