/**
 * The page's own work per document: how long its main thread was blocked (long tasks and
 * long animation frames), its requests (and how many queued for a connection), script and
 * module loads, workers and their messages, and its timers by outcome. For a page with no runtime
 * task this is the whole story, so it is never left out.
 */
import type { NativeStats, OutcomeCounts } from "../../trace/analysis.ts";
import type { SourceInfo } from "../../trace/model.ts";
import { formatCount, formatPercent, formatTime, sourceLabel } from "../format.ts";

function Counts({ counts, ok }: { counts: OutcomeCounts; ok: string }) {
  const parts: [number, string, string][] = [
    [counts.ok, ok, ""],
    [counts.error, "failed", "outcome-error"],
    [counts.aborted, "aborted", "outcome-cancelled"],
    [counts.cancelled, "cancelled", "outcome-cancelled"],
    [counts.pending, "pending", "details-subtle"],
  ];
  const shown = parts.filter(([n]) => n > 0);
  if (shown.length === 0) return <span class="details-subtle">none</span>;
  return (
    <>
      {shown.map(([n, word, tone], k) => (
        <span key={word} class={tone}>{k > 0 ? " · " : ""}{formatCount(n)} {word}</span>
      ))}
    </>
  );
}

function sum(a: OutcomeCounts, b: OutcomeCounts): OutcomeCounts {
  return { ok: a.ok + b.ok, error: a.error + b.error, aborted: a.aborted + b.aborted, cancelled: a.cancelled + b.cancelled, pending: a.pending + b.pending };
}

export function NativeTable({ stats, sources }: { stats: readonly NativeStats[]; sources: readonly SourceInfo[] }) {
  if (stats.length === 0) return <p class="details-subtle">No native work was recorded (fetches, timers, scripts, workers, long tasks).</p>;
  return (
    <div class="table-wrap">
      <table class="stats-table" data-testid="native-table">
        <thead>
          <tr>
            <th>Document</th><th class="number">Main thread blocked</th><th class="number">Long tasks</th>
            <th class="number">Longest</th><th>Requests</th><th>Scripts / modules</th><th>Workers</th><th>Timers</th>
          </tr>
        </thead>
        <tbody>
          {stats.map((s) => {
            const longest = s.blockedSpans.reduce((max, span) => Math.max(max, span.end - span.start), 0);
            const source = sources[s.source];
            return (
              <tr key={s.source} data-testid="native-row">
                <td class="stats-name" title={source?.url ?? ""}>{sourceLabel(source, s.source)}</td>
                <td class="number">{formatTime(s.blocked)} ({formatPercent(s.blockedRatio)})</td>
                <td class="number">{formatCount(s.blockedSpans.length)}</td>
                <td class="number">{s.blockedSpans.length > 0 ? formatTime(longest) : "—"}</td>
                <td>
                  <Counts counts={s.requests} ok="ok" />
                  {s.queuedRequests > 0 && <span class="details-subtle" data-testid="native-queued"> · {formatCount(s.queuedRequests)} queued</span>}
                </td>
                <td data-testid="native-loads"><Counts counts={sum(s.scripts, s.modules)} ok="loaded" /></td>
                <td data-testid="native-workers">
                  {s.workers.started === 0 ? <span class="details-subtle">none</span>
                    : `${formatCount(s.workers.started)} · ${formatCount(s.workers.toWorkers)} ↑ ${formatCount(s.workers.fromWorkers)} ↓ messages`}
                </td>
                <td><Counts counts={s.timers} ok="fired" /></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
