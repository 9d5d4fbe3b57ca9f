/**
 * The hover tooltip's words for what the pointer is on: the row's name, then what that part
 * of the row is (a step, a wait and on what, a mark) with its times.
 */
import { formatId, formatTime } from "../format.ts";
import { nodeName, type TimelineModel } from "./model.ts";
import type { Hit } from "./hit-test.ts";
import { WAIT_GROUP_LABELS, waitGroupOf, type WaitGroup } from "./palette.ts";

export interface HitDescription {
  readonly title: string;
  readonly lines: readonly string[];
  /** The swatch colour group, for waits. */
  readonly waitGroup: WaitGroup | null;
}

const WAKE_WORDS: Readonly<Record<string, string>> = {
  spawn: "its creation", task: "a task", self: "its own yield", timer: "a timer", host: "a host promise",
  callback: "a loop callback", cancel: "a cancellation", timeout: "its timeout",
};

function taskName(model: TimelineModel, id: number | null): string {
  if (id === null) return "the event loop";
  const position = model.index.taskPos.get(id);
  return position === undefined ? formatId(id) : `${model.trace.tasks[position]!.name} (${formatId(id)})`;
}

export function describeHit(model: TimelineModel, hit: Hit): HitDescription {
  const { trace } = model;
  const title = nodeName(model, hit.node);
  const lines: string[] = [];
  let waitGroup: WaitGroup | null = null;
  const item = hit.item;
  if (hit.node >= model.taskCount) {
    const op = trace.nativeOps[hit.node - model.taskCount]!;
    lines.push(`${op.kind}: ${op.outcome ?? "pending"}, ${formatTime((op.end ?? trace.end) - op.start)}${op.end === null ? " so far" : ""}`);
    if (op.detail !== null) lines.push(op.detail);
    if (op.ticks.length > 0) lines.push(`${op.ticks.length} firings`);
    return { title, lines, waitGroup };
  }
  const task = trace.tasks[hit.node]!;
  if (item === null || item.kind === "lifetime") {
    lines.push(`${task.outcome}, ${formatTime((task.end ?? trace.end) - task.created)}${task.end === null ? " so far" : ""}`);
  } else if (item.kind === "step") {
    const step = trace.steps[item.position]!;
    lines.push(`Running ${formatTime((step.end ?? trace.end) - step.start)} at ${formatTime(step.start)}`);
    if (step.wake !== null) {
      const by = step.waker !== null && step.wake !== "spawn" && step.wake !== "self" ? `, by ${taskName(model, step.waker)}` : "";
      lines.push(`Woken by ${WAKE_WORDS[step.wake] ?? step.wake}${by}`);
    }
  } else if (item.kind === "ready") {
    const step = trace.steps[item.position]!;
    lines.push(`Ready, waiting for the loop: ${formatTime(step.start - step.ready!)}`);
  } else if (item.kind === "await") {
    const wait = trace.awaits[item.position]!;
    waitGroup = waitGroupOf(wait.kind);
    lines.push(`Awaiting ${wait.kind}: ${wait.label}`);
    lines.push(`${formatTime((wait.end ?? trace.end) - wait.start)}${wait.end === null ? " so far" : ""}, ${wait.outcome ?? "still waiting"}`);
    if (wait.targetTask !== null) lines.push(`On ${taskName(model, wait.targetTask)}`);
    lines.push(WAIT_GROUP_LABELS[waitGroup]);
  } else if (item.kind === "cancel") {
    const cancel = trace.cancellations[item.position]!;
    lines.push(`Cancellation requested at ${formatTime(cancel.time)} by ${taskName(model, cancel.by)}`);
    if (cancel.message !== null) lines.push(`“${cancel.message}”`);
  } else if (item.kind === "timeout") {
    const timeout = trace.timeouts[item.position]!;
    lines.push(`Timeout expired at ${formatTime(timeout.expired)}`);
    lines.push(`Armed at ${formatTime(timeout.armed)}, deadline ${formatTime(timeout.deadline)}`);
  }
  if (task.outcome === "error" && task.error !== null && (item === null || item.kind === "lifetime")) {
    lines.push(`${task.error.name}: ${task.error.message}`);
  }
  return { title, lines, waitGroup };
}
