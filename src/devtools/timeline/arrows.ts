/**
 * Arrows from the selected task to the tasks it spawned (at their creation) and to the
 * tasks it woke (from when it made them ready to when they ran), so "who started this and
 * who let it go on" reads straight off the chart.
 */
import { ROW_HEIGHT, rowTop, type RowsFrame } from "./draw-rows.ts";
import type { TimelineModel } from "./model.ts";

export interface Arrow {
  readonly from: number;
  readonly to: number;
  readonly fromTime: number;
  readonly toTime: number;
  readonly kind: "spawn" | "wake";
}

/** Enough to show a fan-out; a task that woke a hundred thousand others gets the first ones. */
const MAX_ARROWS = 2000;

export function arrowsFrom(model: TimelineModel, node: number): Arrow[] {
  const arrows: Arrow[] = [];
  if (node < 0 || node >= model.taskCount) return arrows;
  const { trace } = model;
  const id = trace.tasks[node]!.id;
  for (let c = model.childOffsets[node]!; c < model.childOffsets[node + 1]! && arrows.length < MAX_ARROWS; c++) {
    const child = model.childList[c]!;
    if (child >= model.taskCount) continue;
    const created = trace.tasks[child]!.created;
    arrows.push({ from: node, to: child, fromTime: created, toTime: created, kind: "spawn" });
  }
  for (const step of trace.steps) {
    if (arrows.length >= MAX_ARROWS) break;
    if (step.waker !== id || step.wake === "spawn" || step.wake === "self" || step.task === id) continue;
    const to = model.index.taskPos.get(step.task);
    if (to !== undefined) arrows.push({ from: node, to, fromTime: step.ready ?? step.start, toTime: step.start, kind: "wake" });
  }
  return arrows;
}

export function drawArrows(frame: RowsFrame, arrows: readonly Arrow[], rowOf: Int32Array, color: string): void {
  const { ctx, scale } = frame;
  ctx.save();
  ctx.beginPath();
  ctx.rect(scale.left, frame.top, frame.right - scale.left, frame.bottom - frame.top);
  ctx.clip();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 1;
  for (const arrow of arrows) {
    const fromRow = rowOf[arrow.from]!;
    const toRow = rowOf[arrow.to]!;
    if (fromRow < 0 || toRow < 0) continue;
    const x0 = scale.x(arrow.fromTime);
    const x1 = scale.x(arrow.toTime);
    if (Math.max(x0, x1) < scale.left || Math.min(x0, x1) > frame.right) continue;
    const y0 = rowTop(frame, fromRow) + ROW_HEIGHT / 2;
    const y1 = rowTop(frame, toRow) + ROW_HEIGHT / 2 + (toRow > fromRow ? -5 : 5);
    if (Math.max(y0, y1) < frame.top || Math.min(y0, y1) > frame.bottom) continue;
    ctx.setLineDash(arrow.kind === "wake" ? [3, 2] : []);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    // An elbow: down from the source, then across to where the target starts.
    const bend = x1 - x0 > 8 ? x0 + 4 : x0;
    ctx.lineTo(bend, y0);
    ctx.lineTo(bend, y1);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    ctx.setLineDash([]);
    const down = toRow > fromRow;
    ctx.beginPath();
    if (x1 - bend > 4) {
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 4, y1 - 3);
      ctx.lineTo(x1 - 4, y1 + 3);
    } else {
      ctx.moveTo(bend, y1 + (down ? 1 : -1));
      ctx.lineTo(bend - 3, y1 + (down ? -4 : 4));
      ctx.lineTo(bend + 3, y1 + (down ? -4 : 4));
    }
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
}
