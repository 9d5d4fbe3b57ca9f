/**
 * What deserves attention, from the analysis: slow steps and long tasks that blocked the loop,
 * errors never retrieved, tasks pending at the end, a deadlock, dropped events, what the page
 * kept from being recorded. Each warning names its task(s); clicking one selects it on the timeline.
 */
import type { Warning } from "../../trace/analysis.ts";
import type { TimelineModel } from "../timeline/model.ts";

const TITLES: Readonly<Record<Warning["kind"], string>> = {
  slowStep: "Slow step",
  longTask: "Long task",
  unretrievedError: "Error never retrieved",
  pendingAtEnd: "Pending at the end",
  deadlock: "Deadlock",
  droppedEvents: "Events dropped",
  notRecorded: "Not recorded",
};

/** The tasks a warning is about, first the one to select. */
function tasksOf(warning: Warning): readonly number[] {
  switch (warning.kind) {
    case "slowStep":
    case "unretrievedError":
      return [warning.task];
    case "pendingAtEnd":
    case "longTask":
      return warning.tasks;
    case "deadlock":
      return warning.cycle ?? warning.tasks;
    case "droppedEvents":
    case "notRecorded":
      return [];
  }
}

const SHOWN = 200;

export function WarningsList({ warnings, model, onSelectTask }: { warnings: readonly Warning[]; model: TimelineModel; onSelectTask(id: number): void }) {
  if (warnings.length === 0) return <p class="details-subtle" data-testid="warnings-none">No warnings: no slow steps, long tasks, lost errors, deadlocks or tasks left pending.</p>;
  return (
    <ul class="warnings" data-testid="warnings">
      {warnings.slice(0, SHOWN).map((warning, k) => {
        const tasks = tasksOf(warning);
        const first = tasks[0];
        const content = (
          <>
            <span class={`warning-kind warning-${warning.kind}`}>{TITLES[warning.kind]}</span>
            <span class="warning-message">{warning.message}</span>
          </>
        );
        return (
          <li key={k} data-testid="warning" data-kind={warning.kind}>
            {first === undefined ? <div class="warning-row">{content}</div> : (
              <button
                type="button"
                class="warning-row"
                title={`Select ${model.trace.tasks[model.index.taskPos.get(first) ?? -1]?.name ?? "the task"} on the timeline`}
                data-task-id={first}
                onClick={() => onSelectTask(first)}
              >
                {content}
              </button>
            )}
          </li>
        );
      })}
      {warnings.length > SHOWN && <li class="list-note">{warnings.length - SHOWN} more warnings not listed.</li>}
    </ul>
  );
}
