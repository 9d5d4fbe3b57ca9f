/**
 * The details pane for a native operation (fetch, timers, abort signals, long tasks…): its
 * full label (the whole URL the timeline shortens), and its detail as fields when it is a
 * record (a long task's attribution) rather than one JSON line; the group it belongs to (the
 * Promise.all awaiting a fetch) and, for a group, its members — each a link that selects it;
 * its cause ("Caused by", the whole chain back to what began it, and a "Scroll to cause" that
 * shows the cause's row without leaving this one) and what it caused; for the head of a
 * repeating series, how many there are.
 */
import { traceId, type NativeOpRecord } from "../../trace/model.ts";
import { formatTime } from "../format.ts";
import { nodeName, type TimelineModel } from "../timeline/model.ts";
import { CloseButton, Field, Section } from "./parts.tsx";
import { PART_KINDS } from "../../trace/native-names.ts";
import { messageCounts, partsOf } from "../timeline/native-parts.ts";
import { TaskLink } from "./task-link.tsx";

export interface NativeDetailsProps {
  readonly model: TimelineModel;
  readonly node: number;
  onSelectTask(id: number): void;
  /** Scrolls the timeline to a node (by key) without selecting it; absent where there is no timeline. */
  readonly onReveal?: (key: number) => void;
  onClose(): void;
}

/** The most links of the chain of causes, and of operations caused, listed. */
const MAX_LISTED = 50;

export function NativeDetails({ model, node, onSelectTask, onReveal, onClose }: NativeDetailsProps) {
  const op = model.trace.nativeOps[node - model.taskCount]!;
  const opAt = (id: number | null): NativeOpRecord | undefined => (id === null ? undefined : model.trace.nativeOps[model.nativePos.get(id) ?? -1]);
  const cause = opAt(op.cause);
  // A part (a worker's reply) has no row of its own: its mark is on its owner's row.
  const causeRow = cause !== undefined && PART_KINDS.has(cause.kind) ? opAt(cause.parent) ?? cause : cause;
  // Earlier causes, back to the root of the chain (causes are earlier operations: it ends).
  const chain: NativeOpRecord[] = [];
  for (let at = opAt(cause?.cause ?? null); at !== undefined && chain.length < MAX_LISTED; at = opAt(at.cause)) chain.push(at);
  const caused = model.trace.nativeOps.filter((other) => other.cause === op.id);
  const series = model.seriesSize[node]!;
  const group = op.parent === null ? undefined : model.trace.nativeOps[model.nativePos.get(op.parent) ?? -1];
  // Members are the operations grouped under it; a combinator also names them in its detail.
  // (A worker's messages and a request's queueing are its parts, shown as fields below.)
  const memberIds = new Set([...model.trace.nativeOps.filter((other) => other.parent === op.id && !PART_KINDS.has(other.kind)).map((other) => other.id), ...memberIdsOf(op)]);
  const queue = partsOf(model, op.id).find((part) => part.kind === "requestQueue");
  const messages = op.kind === "worker" ? messageCounts(model, op) : null;
  const members = [...memberIds].flatMap((id) => {
    const member = model.trace.nativeOps[model.nativePos.get(id) ?? -1];
    return member === undefined ? [] : [member];
  });
  const name = nodeName(model, node);
  return (
    <div class="details" data-testid="details-pane" data-native-id={op.id}>
      <div class="details-header">
        <span class="details-name" data-testid="details-name">{name}</span>
        <span class={`badge badge-${op.outcome === "ok" ? "done" : op.outcome === null ? "pending" : "error"}`} data-testid="details-outcome">{op.outcome ?? "pending"}</span>
        <CloseButton onClose={onClose} />
      </div>
      <dl class="details-grid">
        <Field name="Kind" testid="kind">native: {op.kind}</Field>
        {op.label !== "" && op.label !== name && <Field name="Label" testid="label">{op.label}</Field>}
        {op.task !== null && <Field name="Started by" testid="parent"><TaskLink id={op.task} model={model} onSelect={onSelectTask} /></Field>}
        {cause !== undefined && (
          <Field name="Caused by" testid="caused-by">
            <NativeLink op={cause} model={model} onSelect={onSelectTask} />
            {onReveal !== undefined && (
              <button type="button" class="text-button" data-testid="scroll-to-cause" title="Scroll the timeline to the cause's row" onClick={() => onReveal(-((causeRow ?? cause).id + 1))}>
                Scroll to cause
              </button>
            )}
          </Field>
        )}
        {chain.length > 0 && (
          <Field name="Chain" testid="cause-chain">
            <ol class="details-list details-chain">
              {chain.map((link) => <li key={link.id}><NativeLink op={link} model={model} onSelect={onSelectTask} /></li>)}
            </ol>
          </Field>
        )}
        {series > 1 && <Field name="Series" testid="series">{series} alike (same kind, label and site), shown as one row until unfolded</Field>}
        {group !== undefined && <Field name="Part of" testid="group"><NativeLink op={group} model={model} onSelect={onSelectTask} /></Field>}
        <Field name="Started" testid="created">{formatTime(op.start)}</Field>
        <Field name="Ended" testid="ended">{op.end === null ? "still pending at the end" : formatTime(op.end)}</Field>
        <Field name="Total" testid="total">{formatTime((op.end ?? model.trace.end) - op.start)}</Field>
        {op.detail !== null && <DetailFields detail={op.detail} total={(op.end ?? model.trace.end) - op.start} />}
        {op.ticks.length > 0 && <Field name="Firings" testid="ticks">{op.ticks.length}</Field>}
        {queue?.detail != null && <DetailFields detail={queue.detail} total={-1} />}
        {messages !== null && <Field name="Messages" testid="messages">{messages.toWorker} to the worker · {messages.fromWorker} from it</Field>}
      </dl>
      {caused.length > 0 && (
        <Section title="Caused" count={caused.length}>
          <ul class="details-list" data-testid="details-caused">
            {caused.slice(0, MAX_LISTED).map((other) => (
              <li key={other.id}>
                <NativeLink op={other} model={model} onSelect={onSelectTask} />
                <span class="details-subtle"> · {other.outcome ?? "pending"}</span>
              </li>
            ))}
          </ul>
        </Section>
      )}
      {members.length > 0 && (
        <Section title="Members" count={members.length}>
          <ul class="details-list details-members" data-testid="details-members">
            {members.map((member) => (
              <li key={member.id}>
                <NativeLink op={member} model={model} onSelect={onSelectTask} />
                <span class="details-subtle"> · {member.outcome ?? "pending"} · {formatTime((member.end ?? model.trace.end) - member.start)}</span>
              </li>
            ))}
          </ul>
        </Section>
      )}
    </div>
  );
}

/** A native operation named as a link: clicking it selects it on the timeline (its node key is -(id + 1)). */
function NativeLink({ op, model, onSelect }: { op: NativeOpRecord; model: TimelineModel; onSelect(key: number): void }) {
  return (
    <a
      href="#"
      class="link"
      data-testid="native-link"
      data-native-id={op.id}
      onClick={(event) => {
        event.preventDefault();
        onSelect(-(op.id + 1));
      }}
    >
      {nodeName(model, model.taskCount + (model.nativePos.get(op.id) ?? 0))}
    </a>
  );
}

/** A detail that is a JSON record, as its fields; anything else as one "Detail" line. */
function DetailFields({ detail, total }: { detail: string; total: number }) {
  // Members are listed in their own section, as links; a duration the Total says already is left out.
  const fields = recordOf(detail)?.filter(([key, value]) => key !== "members" && !(key === "duration" && typeof value === "number" && Math.abs(value - total) < 1)) ?? null;
  if (fields === null) return <Field name="Detail" testid="detail">{detail}</Field>;
  return (
    <>
      {fields.map(([key, value]) => (
        <Field key={key} name={FIELD_NAMES[key] ?? `${key.charAt(0).toUpperCase()}${key.slice(1)}`} testid={`detail-${key}`}>
          {Array.isArray(value) ? <ul class="details-list">{value.map((item, k) => <li key={k}>{text(item)}</li>)}</ul>
            : MS_FIELDS.has(key) && typeof value === "number" ? formatTime(value) : text(value)}
        </Field>
      ))}
    </>
  );
}

/** Names for the detail fields whose key does not read as words. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  transferSize: "Transfer size", bodySize: "Body size", decodedSize: "Decoded size", renderBlocking: "Render-blocking",
  loadedBy: "Loaded by", queued: "Queued", waiting: "Waiting (server)",
};

/** Fields of the native layer's details that are durations in milliseconds. */
const MS_FIELDS = new Set(["duration", "blocking", "queued", "connect", "waiting", "download"]);

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

/** The member ids a combinator's detail names (`{"members": [3, 4]}`, ids local to its frame). */
function memberIdsOf(op: NativeOpRecord): number[] {
  if (op.detail === null) return [];
  const members = recordOf(op.detail)?.find(([key]) => key === "members")?.[1];
  if (!Array.isArray(members)) return [];
  return members.filter((id): id is number => Number.isSafeInteger(id) && id > 0).map((id) => traceId(op.source, id));
}

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
