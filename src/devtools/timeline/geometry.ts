/**
 * Where the timeline drew each row on screen, and its marks: what automation and tests read
 * to point at a task as a person would (the centre of its row, its error mark), computed
 * with the same scale and rows as the drawing.
 */
import { ROW_HEIGHT, visibleRowRange } from "./draw-rows.ts";
import { hasChildren, keyOfNode, nodeName, type TimelineModel } from "./model.ts";
import { indentOf } from "./draw-labels.ts";
import type { RowList } from "./rows.ts";
import type { TimeScale } from "./viewport.ts";

export interface MarkGeometry {
  readonly kind: "cancel" | "timeout" | "error" | "cancelled";
  /** Panel (document) CSS pixels. */
  readonly x: number;
  readonly y: number;
}

export interface RowGeometry {
  /** The task id (or -(id + 1) for a native operation). */
  readonly key: number;
  readonly name: string;
  readonly kind: string;
  readonly outcome: string;
  readonly depth: number;
  /** Members of the folded series the row stands for ("requestAnimationFrame ×80"), 0 for one node. */
  readonly series: number;
  /** Panel CSS pixels: the centre of the row's disclosure triangle, null when it has none. */
  readonly disclosureX: number | null;
  /** Panel CSS pixels: the row's vertical centre, and its label's horizontal centre. */
  readonly y: number;
  readonly labelX: number;
  /** Where the task's lifetime starts and ends on screen (may lie off screen). */
  readonly x0: number;
  readonly x1: number;
  readonly marks: readonly MarkGeometry[];
}

export function rowGeometry(
  model: TimelineModel, rows: RowList, scale: TimeScale, canvas: DOMRect, rowsTop: number, scrollTop: number, height: number,
): RowGeometry[] {
  const out: RowGeometry[] = [];
  const { trace } = model;
  const [first, last] = visibleRowRange({ rows, top: rowsTop, bottom: height, scrollTop });
  for (let row = first; row <= last; row++) {
    const node = rows.nodes[row]!;
    const y = canvas.top + rowsTop + row * ROW_HEIGHT - scrollTop + ROW_HEIGHT / 2;
    if (y > canvas.top + height) break;
    const marks: MarkGeometry[] = [];
    let kind = "native";
    let outcome: string;
    let start: number;
    let end: number;
    if (node < model.taskCount) {
      const task = trace.tasks[node]!;
      kind = task.kind;
      outcome = task.outcome;
      start = task.created;
      end = task.end ?? trace.end;
      for (let c = model.cancelOffsets[node]!; c < model.cancelOffsets[node + 1]!; c++) {
        marks.push({ kind: "cancel", x: canvas.left + scale.x(trace.cancellations[model.cancelList[c]!]!.time), y: y - ROW_HEIGHT / 2 + 3 });
      }
      for (let c = model.timeoutOffsets[node]!; c < model.timeoutOffsets[node + 1]!; c++) {
        const expired = trace.timeouts[model.timeoutList[c]!]!.expired;
        if (expired !== null) marks.push({ kind: "timeout", x: canvas.left + scale.x(expired), y });
      }
      if (task.end !== null && (task.outcome === "error" || task.outcome === "cancelled")) marks.push({ kind: task.outcome, x: canvas.left + scale.x(task.end), y });
    } else {
      const op = trace.nativeOps[node - model.taskCount]!;
      outcome = op.outcome ?? "pending";
      start = op.start;
      end = op.end ?? trace.end;
    }
    out.push({
      key: keyOfNode(model, node), name: nodeName(model, node), kind, outcome, depth: model.depth[node]!, y,
      series: rows.seriesCount[row]!, disclosureX: hasChildren(model, node) ? canvas.left + indentOf(model, node) + 5 : null,
      labelX: canvas.left + scale.left / 2, x0: canvas.left + scale.x(start), x1: canvas.left + scale.x(end), marks,
    });
  }
  return out;
}
