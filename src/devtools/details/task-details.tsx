/**
 * The details pane for the selected task: who it is, how it ended and why, where its time
 * went (busy, scheduled, idle), every await with what it waited on, its steps, its
 * cancellation and timeouts, its children, and the creation site as a link into Sources.
 */
import { useState } from "preact/hooks";
import type { CreationSite } from "../../trace/model.ts";
import { describeRuntimes, formatId, formatTime, shortFile } from "../format.ts";
import type { TimelineModel } from "../timeline/model.ts";
import { NativeDetails } from "./native-details.tsx";
import { AwaitTable, StepTable } from "./record-tables.tsx";
import { taskFacts } from "./task-facts.ts";
import { TaskLink } from "./task-link.tsx";
import { CloseButton, Field, Section } from "./parts.tsx";

export interface DetailsProps {
  readonly model: TimelineModel;
  readonly node: number;
  onSelectTask(id: number): void;
  /** Scrolls the timeline to a node (by key) without selecting it. */
  readonly onReveal?: (key: number) => void;
  /** Opens the site in the Sources panel; absent where there is no DevTools (the shell). */
  readonly onOpenSite: ((site: CreationSite) => void) | null;
  onClose(): void;
  /** "Cancel task": present while the panel records an attached page; absent elsewhere. */
  readonly cancel?: TaskCanceller;
}

/** What "Cancel task" needs from the recording: whether a task is live in an attached page, and the request. */
export interface TaskCanceller {
  canCancel(taskId: number): boolean;
  cancel(taskId: number): void;
  /** The page's answer to the last request, if it was about `taskId`. */
  outcomeFor(taskId: number): boolean | null;
}

function CancelTask({ taskId, cancel }: { taskId: number; cancel: TaskCanceller }) {
  const [confirming, setConfirming] = useState(false);
  const [asked, setAsked] = useState(false);
  const outcome = cancel.outcomeFor(taskId);
  if (asked && outcome !== null) {
    return <div class="details-cancel" data-testid="details-cancel-result">{outcome ? "Cancellation requested from DevTools." : "The task was no longer live: nothing was cancelled."}</div>;
  }
  if (!cancel.canCancel(taskId)) return null;
  if (!confirming) {
    return (
      <div class="details-cancel">
        <button type="button" class="now-button" data-testid="details-cancel-task" onClick={() => setConfirming(true)}>Cancel task</button>
      </div>
    );
  }
  return (
    <div class="details-cancel" role="alertdialog" aria-label="Cancel this task?" data-testid="details-cancel-confirm">
      <span>Cancel this task in the page? It receives CancelledError("cancelled from DevTools").</span>
      <button type="button" class="now-button danger" data-testid="details-cancel-yes" onClick={() => {
        cancel.cancel(taskId);
        setAsked(true);
        setConfirming(false);
      }}>Cancel task</button>
      <button type="button" class="now-button" data-testid="details-cancel-no" onClick={() => setConfirming(false)}>Keep it</button>
    </div>
  );
}

function TimeBar({ busy, scheduled, idle }: { busy: number; scheduled: number; idle: number }) {
  const total = Math.max(busy + scheduled + idle, 1e-9);
  return (
    <div class="time-bar" aria-hidden="true">
      <span class="time-bar-busy" style={{ flexGrow: busy / total }} />
      <span class="time-bar-scheduled" style={{ flexGrow: scheduled / total }} />
      <span class="time-bar-idle" style={{ flexGrow: idle / total }} />
    </div>
  );
}

function SiteLink({ site, onOpen }: { site: CreationSite; onOpen: ((site: CreationSite) => void) | null }) {
  const text = `${shortFile(site.file)}:${site.line}:${site.column}`;
  const title = `${site.function ?? "(anonymous)"} — ${site.file}:${site.line}:${site.column}`;
  if (onOpen === null) return <span title={title}>{text}</span>;
  return (
    <a href={site.file} class="link" title={`Open in Sources: ${title}`} data-testid="details-site-link" onClick={(event) => {
      event.preventDefault();
      onOpen(site);
    }}>
      {text}
      {site.function !== null && <span class="details-subtle"> in {site.function}</span>}
    </a>
  );
}

export function TaskDetails(props: DetailsProps) {
  const [showAllChildren, setShowAllChildren] = useState(false);
  const { model, node, onSelectTask } = props;
  if (node >= model.taskCount) return <NativeDetails model={model} node={node} onSelectTask={onSelectTask} onReveal={props.onReveal} onClose={props.onClose} />;
  const facts = taskFacts(model, node);
  const { task, stats } = facts;
  const end = task.end ?? model.trace.end;
  const children = showAllChildren ? facts.children : facts.children.slice(0, 50);
  const runtimes = describeRuntimes(model.trace.sources[task.source]);
  return (
    <div class="details" data-testid="details-pane" data-task-id={task.id}>
      <div class="details-header">
        <span class="details-name" data-testid="details-name">{task.name}</span>
        <span class={`badge badge-${task.outcome}`} data-testid="details-outcome">{task.outcome}</span>
        <CloseButton onClose={props.onClose} />
      </div>
      <dl class="details-grid">
        <Field name="Id" testid="id">{formatId(task.id)}</Field>
        <Field name="Kind" testid="kind">{task.kind}{task.preexisting ? " (existed before the recording)" : ""}</Field>
        <Field name="Parent" testid="parent">{facts.parent === null ? "—" : <TaskLink task={facts.parent} onSelect={onSelectTask} />}</Field>
        <Field name="Created" testid="created">{formatTime(task.created)}</Field>
        <Field name="Ended" testid="ended">{task.end === null ? "still pending at the end" : formatTime(task.end)}</Field>
        <Field name="Total" testid="total">{formatTime(stats.total)}</Field>
        <Field name="Busy" testid="busy">{formatTime(stats.busy)} <span class="details-subtle">running its steps</span></Field>
        <Field name="Scheduled" testid="scheduled">{formatTime(stats.scheduled)} <span class="details-subtle">ready, waiting for the loop</span></Field>
        <Field name="Idle" testid="idle">{formatTime(stats.idle)} <span class="details-subtle">suspended in awaits</span></Field>
        <dt />
        <dd><TimeBar busy={stats.busy} scheduled={stats.scheduled} idle={stats.idle} /></dd>
        <Field name="Steps" testid="steps">{stats.steps}</Field>
        <Field name="Created at" testid="site">{task.site === null ? "not recorded" : <SiteLink site={task.site} onOpen={props.onOpenSite} />}</Field>
        {runtimes !== null && <Field name="Runtime" testid="runtime">{runtimes}</Field>}
      </dl>
      {props.cancel !== undefined && task.kind !== "native" && <CancelTask key={task.id} taskId={task.id} cancel={props.cancel} />}
      {task.error !== null && (
        <Section title="Error">
          <div class="details-error" data-testid="details-error">
            <div><strong>{task.error.name}</strong>: {task.error.message}</div>
            <div class="details-subtle">
              {task.errorRetrieved === null ? "Never retrieved: nobody awaited this task or read its exception." : `Retrieved at ${formatTime(task.errorRetrieved)}.`}
            </div>
            {task.error.stack !== null && <pre class="details-stack">{task.error.stack}</pre>}
          </div>
        </Section>
      )}
      {facts.cancellations.length > 0 && (
        <Section title="Cancellation" count={facts.cancellations.length}>
          <ul class="details-list" data-testid="details-cancellations">
            {facts.cancellations.map((c, k) => (
              <li key={k}>
                At {formatTime(c.time)} by {c.canceller !== undefined ? <span data-testid="details-canceller">{c.canceller}</span> : c.by === null ? "the event loop" : <TaskLink id={c.by} model={model} onSelect={onSelectTask} />}
                {c.message !== null && <>: <q>{c.message}</q></>}
              </li>
            ))}
          </ul>
        </Section>
      )}
      {facts.timeouts.length > 0 && (
        <Section title="Timeouts" count={facts.timeouts.length}>
          <ul class="details-list" data-testid="details-timeouts">
            {facts.timeouts.map(({ timeout, interrupted }, k) => (
              <li key={k}>
                Armed at {formatTime(timeout.armed)}, deadline {formatTime(timeout.deadline)}:{" "}
                {timeout.expired === null ? "did not expire" : <>expired at {formatTime(timeout.expired)}{interrupted !== null && <>, interrupting <code>{interrupted.kind}</code> {interrupted.label}</>}</>}
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Section title="Awaits" count={facts.awaits.length}>
        <AwaitTable awaits={facts.awaits} model={model} end={end} onSelectTask={onSelectTask} />
      </Section>
      <Section title="Steps" count={facts.steps.length} open={false}>
        <StepTable steps={facts.steps} model={model} onSelectTask={onSelectTask} />
      </Section>
      {facts.children.length > 0 && (
        <Section title="Children" count={facts.children.length}>
          <ul class="details-list" data-testid="details-children">
            {children.map((child) => <li key={child.id}><TaskLink task={child} onSelect={onSelectTask} /> <span class={`outcome-${child.outcome}`}>{child.outcome}</span></li>)}
          </ul>
          {children.length < facts.children.length && <button type="button" class="text-button" onClick={() => setShowAllChildren(true)}>Show all {facts.children.length}</button>}
        </Section>
      )}
      {facts.nativeOps.length > 0 && (
        <Section title="Native operations" count={facts.nativeOps.length} open={false}>
          <ul class="details-list">
            {facts.nativeOps.slice(0, 200).map((op) => <li key={op.id}>{op.kind} {op.label}: {op.outcome ?? "pending"}, {formatTime((op.end ?? model.trace.end) - op.start)}</li>)}
          </ul>
        </Section>
      )}
    </div>
  );
}
