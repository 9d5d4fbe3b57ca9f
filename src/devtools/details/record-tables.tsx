/**
 * The details pane's tables of a task's awaits and steps. Long lists show their first rows
 * and offer the rest on request, so a task with 100 000 steps does not stall the pane.
 */
import { useState } from "preact/hooks";
import type { AwaitRecord, StepRecord } from "../../trace/model.ts";
import { formatTime } from "../format.ts";
import type { TimelineModel } from "../timeline/model.ts";
import { paletteFor, waitGroupOf } from "../timeline/palette.ts";
import { useTheme } from "../use-theme.ts";
import { TaskLink } from "./task-link.tsx";

const FIRST_ROWS = 100;

function useLimit(total: number): [number, () => void] {
  const [all, setAll] = useState(false);
  return [all ? total : Math.min(total, FIRST_ROWS), () => setAll(true)];
}

function More({ shown, total, onMore }: { shown: number; total: number; onMore: () => void }) {
  if (shown >= total) return null;
  return <button type="button" class="text-button" onClick={onMore}>Show all {total.toLocaleString("en-US")}</button>;
}

export function AwaitTable({ awaits, model, end, onSelectTask }: { awaits: readonly AwaitRecord[]; model: TimelineModel; end: number; onSelectTask(id: number): void }) {
  const palette = paletteFor(useTheme());
  const [shown, more] = useLimit(awaits.length);
  if (awaits.length === 0) return <p class="details-subtle">It never awaited.</p>;
  return (
    <>
      <table class="details-table" data-testid="details-awaits">
        <thead><tr><th>Awaited</th><th>On</th><th class="number">For</th><th>Ended</th></tr></thead>
        <tbody>
          {awaits.slice(0, shown).map((a, k) => (
            <tr key={k} data-testid="await-row" data-kind={a.kind} title={`${a.kind} ${a.label}, from ${formatTime(a.start)}`}>
              <td><span class="swatch" style={{ background: palette.wait[waitGroupOf(a.kind)] }} />{a.kind}</td>
              <td class="details-label">{a.targetTask !== null ? <TaskLink id={a.targetTask} model={model} onSelect={onSelectTask} /> : a.label}</td>
              <td class="number">{formatTime((a.end ?? end) - a.start)}</td>
              <td class={a.outcome === "resumed" || a.outcome === null ? "" : `outcome-${a.outcome === "timeout" ? "cancelled" : a.outcome}`}>{a.outcome ?? "waiting"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <More shown={shown} total={awaits.length} onMore={more} />
    </>
  );
}

export function StepTable({ steps, model, onSelectTask }: { steps: readonly StepRecord[]; model: TimelineModel; onSelectTask(id: number): void }) {
  const [shown, more] = useLimit(steps.length);
  if (steps.length === 0) return <p class="details-subtle">It never ran.</p>;
  return (
    <>
      <table class="details-table" data-testid="details-steps">
        <thead><tr><th class="number">At</th><th class="number">Ran</th><th class="number">Waited to run</th><th>Woken by</th></tr></thead>
        <tbody>
          {steps.slice(0, shown).map((s, k) => (
            <tr key={k}>
              <td class="number">{formatTime(s.start)}</td>
              <td class="number">{formatTime((s.end ?? model.trace.end) - s.start)}</td>
              <td class="number">{s.ready === null ? "—" : formatTime(s.start - s.ready)}</td>
              <td>
                {s.wake ?? "—"}
                {s.waker !== null && s.wake !== "spawn" && <> (<TaskLink id={s.waker} model={model} onSelect={onSelectTask} />)</>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <More shown={shown} total={steps.length} onMore={more} />
    </>
  );
}
