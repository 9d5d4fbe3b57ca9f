/**
 * Waits per lock, semaphore, queue, event…: how often tasks waited on each, for how long,
 * and whether some were still waiting at the end.
 */
import type { ResourceWaitStats } from "../../trace/analysis.ts";
import { formatCount, formatTime } from "../format.ts";

export function ResourceTable({ stats }: { stats: readonly ResourceWaitStats[] }) {
  if (stats.length === 0) return <p class="details-subtle">No lock, semaphore, queue or event was awaited.</p>;
  return (
    <div class="table-wrap">
      <table class="stats-table" data-testid="resource-table">
        <thead>
          <tr>
            <th>Resource</th><th>Kind</th><th class="number">Waits</th><th class="number">Total wait</th><th class="number">Mean</th>
            <th class="number">Max</th><th class="number">Still waiting</th><th>Operations</th>
          </tr>
        </thead>
        <tbody>
          {stats.slice(0, 200).map((r, k) => (
            <tr key={r.resource ?? `label-${k}`} data-testid="resource-row">
              <td class="stats-name">{r.label}</td>
              <td>{r.kind}</td>
              <td class="number">{formatCount(r.waits)}</td>
              <td class="number">{formatTime(r.totalWait)}</td>
              <td class="number">{formatTime(r.meanWait)}</td>
              <td class="number">{formatTime(r.maxWait)}</td>
              <td class={`number${r.pending > 0 ? " outcome-cancelled" : ""}`}>{formatCount(r.pending)}</td>
              <td class="details-subtle">{Object.entries(r.ops).map(([op, n]) => `${op} ${n}`).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
