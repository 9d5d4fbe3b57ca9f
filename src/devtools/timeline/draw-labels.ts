/**
 * The label column at the left of the Gantt chart: each row's name, indented under its
 * parent, with a disclosure triangle for rows that have children. Drawn on the same canvas
 * as the rows, so scrolling 100 000 rows never touches the DOM.
 */
import { hasChildren, nodeName, type TimelineModel } from "./model.ts";
import { isFolded } from "./rows.ts";
import { ROW_HEIGHT, rowTop, visibleRowRange, type RowsFrame } from "./draw-rows.ts";

const INDENT_PX = 12;
/** Deep trees stop indenting here, so names stay readable. */
const MAX_INDENT_LEVELS = 16;
const TRIANGLE_BOX = 12;

export function indentOf(model: TimelineModel, node: number): number {
  return 4 + Math.min(model.depth[node]!, MAX_INDENT_LEVELS) * INDENT_PX;
}

/** Whether x (in the label column) is on the row's disclosure triangle. */
export function onDisclosure(model: TimelineModel, node: number, x: number): boolean {
  const left = indentOf(model, node);
  return hasChildren(model, node) && x >= left - 2 && x <= left + TRIANGLE_BOX + 2;
}

/** Text cut to fit `width` with an ellipsis; measurements are cached per string. */
class TextFitter {
  private readonly widths = new Map<string, number>();

  constructor(private readonly ctx: CanvasRenderingContext2D) {}

  private measure(text: string): number {
    let width = this.widths.get(text);
    if (width === undefined) {
      if (this.widths.size > 20_000) this.widths.clear();
      width = this.ctx.measureText(text).width;
      this.widths.set(text, width);
    }
    return width;
  }

  fit(text: string, width: number): string {
    if (this.measure(text) <= width) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
      else hi = mid - 1;
    }
    return lo === 0 ? "" : `${text.slice(0, lo)}…`;
  }
}

const fitters = new WeakMap<CanvasRenderingContext2D, TextFitter>();

export function drawLabels(frame: RowsFrame, labelWidth: number, collapsed: ReadonlySet<number>, selected: number, hovered: number): void {
  const { ctx, model, rows, palette } = frame;
  let fitter = fitters.get(ctx);
  if (fitter === undefined) fitters.set(ctx, (fitter = new TextFitter(ctx)));
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, frame.top, labelWidth, frame.bottom - frame.top);
  ctx.clip();
  ctx.fillStyle = palette.labelBackground;
  ctx.fillRect(0, frame.top, labelWidth, frame.bottom - frame.top);
  ctx.font = "12px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  const [first, last] = visibleRowRange(frame);
  for (let row = first; row <= last; row++) {
    const node = rows.nodes[row]!;
    const y = rowTop(frame, row);
    const mid = y + ROW_HEIGHT / 2;
    if (node === selected || node === hovered) {
      ctx.fillStyle = node === selected ? palette.rowSelected : palette.rowHover;
      ctx.fillRect(0, y, labelWidth, ROW_HEIGHT);
      if (node === selected) {
        ctx.fillStyle = palette.rowSelectedBorder;
        ctx.fillRect(0, y, 2, ROW_HEIGHT);
      }
    }
    const left = indentOf(model, node);
    if (hasChildren(model, node)) {
      ctx.fillStyle = palette.textSubtle;
      ctx.beginPath();
      if (isFolded(model, collapsed, node, rows.filtered)) {
        ctx.moveTo(left + 3, mid - 4);
        ctx.lineTo(left + 8, mid);
        ctx.lineTo(left + 3, mid + 4);
      } else {
        ctx.moveTo(left + 1, mid - 2.5);
        ctx.lineTo(left + 9, mid - 2.5);
        ctx.lineTo(left + 5, mid + 2.5);
      }
      ctx.closePath();
      ctx.fill();
    }
    const textLeft = left + TRIANGLE_BOX + 2;
    const isTask = node < model.taskCount;
    const outcome = isTask ? model.trace.tasks[node]!.outcome : null;
    let color = isTask ? palette.text : palette.textSubtle;
    if (outcome === "error") color = palette.error;
    else if (outcome === "cancelled") color = palette.cancel;
    if (rows.filtered && rows.matches[node] !== 1) color = palette.textDim;
    ctx.fillStyle = color;
    // A folded series keeps its count in view: the name gives way first.
    const count = rows.seriesCount[row]!;
    const suffix = count > 1 ? ` ×${count}` : "";
    const room = labelWidth - textLeft - 6 - (suffix === "" ? 0 : ctx.measureText(suffix).width);
    ctx.fillText(`${fitter.fit(nodeName(model, node), room)}${suffix}`, textLeft, mid + 0.5);
  }
  ctx.restore();
  ctx.fillStyle = palette.grid;
  ctx.fillRect(labelWidth - 1, frame.top, 1, frame.bottom - frame.top);
}
