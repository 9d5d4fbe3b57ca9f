/**
 * Tasks per name, sortable by any column (click a header; again to reverse): how many, how
 * long (p50/p95/max of finished ones), how busy, and how they ended.
 */
import { useMemo, useState } from "preact/hooks";
import type { NameStats } from "../../trace/analysis.ts";
import { formatCount, formatTime } from "../format.ts";

type Column = "name" | "count" | "p50" | "p95" | "max" | "busy" | "errors" | "cancelled" | "timeouts" | "pending";

const COLUMNS: readonly { key: Column; label: string; time?: boolean }[] = [
  { key: "name", label: "Name" },
  { key: "count", label: "Count" },
  { key: "p50", label: "p50", time: true },
  { key: "p95", label: "p95", time: true },
  { key: "max", label: "Max", time: true },
  { key: "busy", label: "Busy", time: true },
  { key: "errors", label: "Errors" },
  { key: "cancelled", label: "Cancelled" },
  { key: "timeouts", label: "Timeouts" },
  { key: "pending", label: "Pending" },
];

const SHOWN_ROWS = 200;

export function NameTable({ stats, onFilter }: { stats: readonly NameStats[]; onFilter(name: string): void }) {
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({ column: "busy", descending: true });
  const sorted = useMemo(() => {
    const value = (s: NameStats): number | string => (sort.column === "name" ? s.name : (s[sort.column] ?? -1));
    const out = [...stats].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return sort.descending ? -order : order;
    });
    return out;
  }, [stats, sort]);
  return (
    <div class="table-wrap">
      <table class="stats-table" data-testid="name-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                class={c.key === "name" ? "" : "number"}
                aria-sort={sort.column === c.key ? (sort.descending ? "descending" : "ascending") : "none"}
                data-testid={`name-table-sort-${c.key}`}
                onClick={() => setSort((s) => ({ column: c.key, descending: s.column === c.key ? !s.descending : c.key !== "name" }))}
              >
                {c.label}
                {sort.column === c.key && <span class="sort-arrow">{sort.descending ? "▾" : "▴"}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.slice(0, SHOWN_ROWS).map((s) => (
            <tr key={s.name} data-testid="name-row" data-name={s.name}>
              <td class="stats-name"><a href="#" class="link" title="Filter the timeline by this name" onClick={(e) => {
                e.preventDefault();
                onFilter(s.name);
              }}>{s.name}</a></td>
              <td class="number">{formatCount(s.count)}</td>
              <td class="number">{formatTime(s.p50)}</td>
              <td class="number">{formatTime(s.p95)}</td>
              <td class="number">{formatTime(s.max)}</td>
              <td class="number">{formatTime(s.busy)}</td>
              <td class={`number${s.errors > 0 ? " outcome-error" : ""}`}>{formatCount(s.errors)}</td>
              <td class={`number${s.cancelled > 0 ? " outcome-cancelled" : ""}`}>{formatCount(s.cancelled)}</td>
              <td class="number">{formatCount(s.timeouts)}</td>
              <td class="number">{formatCount(s.pending)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > SHOWN_ROWS && <p class="list-note">{formatCount(sorted.length - SHOWN_ROWS)} more names not listed.</p>}
    </div>
  );
}
