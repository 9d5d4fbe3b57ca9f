/**
 * A task named as a link: clicking it selects that task on the timeline.
 */
import type { TaskRecord } from "../../trace/model.ts";
import { formatId } from "../format.ts";
import type { TimelineModel } from "../timeline/model.ts";

type TaskLinkProps =
  | { readonly task: TaskRecord; readonly id?: undefined; readonly model?: undefined; onSelect(id: number): void }
  | { readonly task?: undefined; readonly id: number; readonly model: TimelineModel; onSelect(id: number): void };

export function TaskLink(props: TaskLinkProps) {
  const id = props.task?.id ?? props.id!;
  const task = props.task ?? (props.model === undefined ? undefined : props.model.trace.tasks[props.model.index.taskPos.get(id) ?? -1]);
  return (
    <a
      href="#"
      class="link"
      data-testid="task-link"
      data-task-id={id}
      onClick={(event) => {
        event.preventDefault();
        props.onSelect(id);
      }}
    >
      {task?.name ?? formatId(id)}
    </a>
  );
}
