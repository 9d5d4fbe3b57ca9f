/**
 * The details pane for a native operation (fetch, timers, abort signals, long tasks…): its
 * full label (the whole URL the timeline shortens), and its detail as fields when it is a
 * record (a long task's attribution) rather than one JSON line.
 */
import { formatTime } from "../format.ts";
import { nodeName, type TimelineModel } from "../timeline/model.ts";
import { CloseButton, Field } from "./parts.tsx";
import { TaskLink } from "./task-link.tsx";

export function NativeDetails({ model, node, onSelectTask, onClose }: { model: TimelineModel; node: number; onSelectTask(id: number): void; onClose(): void }) {
  const op = model.trace.nativeOps[node - model.taskCount]!;
  return (
    <div class="details" data-testid="details-pane" data-native-id={op.id}>
      <div class="details-header">
        <span class="details-name" data-testid="details-name">{nodeName(model, node)}</span>
        <span class={`badge badge-${op.outcome === "ok" ? "done" : op.outcome === null ? "pending" : "error"}`} data-testid="details-outcome">{op.outcome ?? "pending"}</span>
        <CloseButton onClose={onClose} />
      </div>
      <dl class="details-grid">
        <Field name="Kind" testid="kind">native: {op.kind}</Field>
        {op.label !== "" && <Field name="Label" testid="label">{op.label}</Field>}
        <Field name="Started by" testid="parent">{op.task === null ? "no task" : <TaskLink id={op.task} model={model} onSelect={onSelectTask} />}</Field>
        <Field name="Started" testid="created">{formatTime(op.start)}</Field>
        <Field name="Ended" testid="ended">{op.end === null ? "still pending at the end" : formatTime(op.end)}</Field>
        <Field name="Total" testid="total">{formatTime((op.end ?? model.trace.end) - op.start)}</Field>
        {op.detail !== null && <DetailFields detail={op.detail} />}
        {op.ticks.length > 0 && <Field name="Firings" testid="ticks">{op.ticks.length}</Field>}
      </dl>
    </div>
  );
}

/** A detail that is a JSON record, as its fields; anything else as one "Detail" line. */
function DetailFields({ detail }: { detail: string }) {
  const fields = recordOf(detail);
  if (fields === null) return <Field name="Detail" testid="detail">{detail}</Field>;
  return (
    <>
      {fields.map(([key, value]) => (
        <Field key={key} name={key} testid={`detail-${key}`}>
          {Array.isArray(value) ? <ul class="details-list">{value.map((item, k) => <li key={k}>{text(item)}</li>)}</ul>
            : MS_FIELDS.has(key) && typeof value === "number" ? formatTime(value) : text(value)}
        </Field>
      ))}
    </>
  );
}

/** Fields of the native layer's details that are durations in milliseconds. */
const MS_FIELDS = new Set(["duration", "blocking"]);

function recordOf(detail: string): [string, unknown][] | null {
  if (!detail.startsWith("{")) return null;
  try {
    const parsed: unknown = JSON.parse(detail);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
    return Object.entries(parsed).filter(([, value]) => value !== null && value !== undefined);
  } catch {
    return null;
  }
}

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
