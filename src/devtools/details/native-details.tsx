/**
 * The details pane for a native operation (fetch, timers, abort signals, long tasks…).
 */
import { formatTime } from "../format.ts";
import type { TimelineModel } from "../timeline/model.ts";
import { CloseButton, Field } from "./parts.tsx";
import { TaskLink } from "./task-link.tsx";

export function NativeDetails({ model, node, onSelectTask, onClose }: { model: TimelineModel; node: number; onSelectTask(id: number): void; onClose(): void }) {
  const op = model.trace.nativeOps[node - model.taskCount]!;
  return (
    <div class="details" data-testid="details-pane" data-native-id={op.id}>
      <div class="details-header">
        <span class="details-name" data-testid="details-name">{op.kind} {op.label}</span>
        <span class={`badge badge-${op.outcome === "ok" ? "done" : op.outcome === null ? "pending" : "error"}`} data-testid="details-outcome">{op.outcome ?? "pending"}</span>
        <CloseButton onClose={onClose} />
      </div>
      <dl class="details-grid">
        <Field name="Kind" testid="kind">native: {op.kind}</Field>
        <Field name="Started by" testid="parent">{op.task === null ? "no task" : <TaskLink id={op.task} model={model} onSelect={onSelectTask} />}</Field>
        <Field name="Started" testid="created">{formatTime(op.start)}</Field>
        <Field name="Ended" testid="ended">{op.end === null ? "still pending at the end" : formatTime(op.end)}</Field>
        <Field name="Total" testid="total">{formatTime((op.end ?? model.trace.end) - op.start)}</Field>
        {op.detail !== null && <Field name="Detail" testid="detail">{op.detail}</Field>}
        {op.ticks.length > 0 && <Field name="Firings" testid="ticks">{op.ticks.length}</Field>}
      </dl>
    </div>
  );
}
