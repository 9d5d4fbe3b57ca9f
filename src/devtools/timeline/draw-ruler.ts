/**
 * The time ruler above the rows, the grid lines it casts down through them, and the
 * session's markers (navigations, recording start and stop, user marks) as vertical lines.
 */
import type { MarkerRecord } from "../../trace/model.ts";
import { formatTick } from "../format.ts";
import type { Palette } from "./palette.ts";
import { tickStep, type TimeScale } from "./viewport.ts";

export const RULER_HEIGHT = 20;

export interface RulerFrame {
  readonly ctx: CanvasRenderingContext2D;
  readonly scale: TimeScale;
  readonly palette: Palette;
  readonly right: number;
  /** The bottom of the rows area, where grid lines stop. */
  readonly bottom: number;
  readonly labelWidth: number;
}

export function drawRuler(frame: RulerFrame): void {
  const { ctx, scale, palette } = frame;
  const span = scale.window.end - scale.window.start;
  const step = tickStep(span, scale.width);
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, frame.right, RULER_HEIGHT);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  const first = Math.ceil(scale.window.start / step) * step;
  for (let t = first; t <= scale.window.end; t += step) {
    const x = Math.round(scale.x(t)) + 0.5;
    if (x < scale.left) continue;
    ctx.fillStyle = palette.grid;
    ctx.fillRect(x - 0.5, 0, 1, frame.bottom);
    ctx.fillStyle = palette.textSubtle;
    ctx.fillText(formatTick(t, step), x + 3, RULER_HEIGHT / 2);
  }
  ctx.fillStyle = palette.grid;
  ctx.fillRect(0, RULER_HEIGHT - 1, frame.right, 1);
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, frame.labelWidth, RULER_HEIGHT - 1);
  ctx.fillStyle = palette.textDim;
  ctx.fillText(`window ${formatTick(span, step / 10)}`, 6, RULER_HEIGHT / 2);
}

/** Vertical lines for markers, with a small flag in the ruler; returns nothing drawn off screen. */
export function drawMarkers(frame: RulerFrame, markers: readonly MarkerRecord[]): void {
  const { ctx, scale, palette } = frame;
  ctx.fillStyle = palette.marker;
  for (const marker of markers) {
    const x = Math.round(scale.x(marker.time)) + 0.5;
    if (x < scale.left || x > frame.right) continue;
    ctx.globalAlpha = 0.5;
    ctx.fillRect(x - 0.5, RULER_HEIGHT, 1, frame.bottom - RULER_HEIGHT);
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.moveTo(x - 4, RULER_HEIGHT - 7);
    ctx.lineTo(x + 4, RULER_HEIGHT - 7);
    ctx.lineTo(x, RULER_HEIGHT - 1);
    ctx.closePath();
    ctx.fill();
  }
}
