/**
 * The timeline's mouse and wheel, as the Performance panel's "modern" navigation: the wheel
 * scrolls the rows, Shift+wheel (or a horizontal wheel) pans, Ctrl/Cmd+wheel zooms at the
 * pointer; dragging pans both ways; a click selects (or, on a disclosure triangle, collapses);
 * a double click zooms to the task. On the overview, the wheel zooms and a drag moves the
 * window (a press outside it centres the window there first).
 */
import { onDisclosure } from "./draw-labels.ts";
import { nodeExtent } from "./draw-rows.ts";
import type { Hit } from "./hit-test.ts";
import type { TimelineModel } from "./model.ts";
import { panWindow, zoomWindow, type TimeScale, type TimeWindow } from "./viewport.ts";

const DRAG_THRESHOLD_PX = 3;

/** What the input needs of the controller. */
export interface PointerHost {
  readonly overviewWidth: number;
  model(): TimelineModel | null;
  sessionEnd(): number;
  scale(): TimeScale;
  getWindow(): TimeWindow;
  setWindow(window: TimeWindow): void;
  hitAt(event: MouseEvent): Hit | null;
  setHover(hit: Hit | null, x: number, y: number): void;
}

export interface PointerElements {
  readonly overview: HTMLElement;
  readonly scroller: HTMLElement;
}

export interface PointerCallbacks {
  onSelect(node: number | null): void;
  onToggle(node: number): void;
  onHover(hit: Hit | null, x: number, y: number): void;
}

export function localPoint(event: MouseEvent, element: Element): [number, number] {
  const box = element.getBoundingClientRect();
  return [event.clientX - box.left, event.clientY - box.top];
}

export class PointerInput {
  private drag: { x: number; y: number; window: TimeWindow; scrollTop: number; moved: boolean } | null = null;
  private overviewDrag: { offset: number } | null = null;

  constructor(private readonly host: PointerHost, private readonly el: PointerElements, private readonly callbacks: PointerCallbacks) {}

  wheel(event: WheelEvent, onOverview: boolean): void {
    if (this.host.model() === null) return;
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    const scale = this.host.scale();
    const [x] = localPoint(event, onOverview ? this.el.overview : this.el.scroller);
    const anchor = onOverview ? (x / Math.max(1, this.host.overviewWidth)) * this.host.sessionEnd() : scale.time(Math.max(x, scale.left));
    if (event.ctrlKey || event.metaKey || onOverview) {
      event.preventDefault();
      this.host.setWindow(zoomWindow(this.host.getWindow(), Math.exp(event.deltaY * unit * 0.002), anchor, this.host.sessionEnd()));
    } else if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      event.preventDefault();
      const delta = (event.deltaX !== 0 ? event.deltaX : event.deltaY) * unit;
      this.host.setWindow(panWindow(this.host.getWindow(), delta / scale.pxPerMs, this.host.sessionEnd()));
    }
  }

  down(event: PointerEvent): void {
    if (event.button !== 0) return;
    this.el.scroller.setPointerCapture(event.pointerId);
    this.drag = { x: event.clientX, y: event.clientY, window: this.host.getWindow(), scrollTop: this.el.scroller.scrollTop, moved: false };
  }

  move(event: PointerEvent): void {
    const drag = this.drag;
    if (drag !== null && this.host.model() !== null) {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
      drag.moved = true;
      this.el.scroller.scrollTop = drag.scrollTop - dy;
      const pxPerMs = this.host.scale().pxPerMs;
      this.host.setWindow(panWindow(drag.window, -dx / pxPerMs, this.host.sessionEnd()));
      this.callbacks.onHover(null, 0, 0);
      return;
    }
    const [x, y] = localPoint(event, this.el.scroller);
    this.host.setHover(this.host.hitAt(event), x, y);
  }

  up(event: PointerEvent): void {
    const drag = this.drag;
    this.drag = null;
    if (this.el.scroller.hasPointerCapture(event.pointerId)) this.el.scroller.releasePointerCapture(event.pointerId);
    if (drag === null || drag.moved || this.host.model() === null) return;
    const hit = this.host.hitAt(event);
    if (hit === null) {
      this.callbacks.onSelect(null);
      return;
    }
    const [x] = localPoint(event, this.el.scroller);
    if (hit.inLabels && onDisclosure(this.host.model()!, hit.node, x)) this.callbacks.onToggle(hit.node);
    else this.callbacks.onSelect(hit.node);
  }

  doubleClick(event: MouseEvent): void {
    const hit = this.host.hitAt(event);
    const model = this.host.model();
    if (hit === null || model === null) return;
    const [start, end] = nodeExtent(model, hit.node);
    const pad = Math.max((end - start) * 0.05, 0.05);
    this.host.setWindow({ start: start - pad, end: end + pad });
  }

  private overviewTime(event: MouseEvent): number {
    const [x] = localPoint(event, this.el.overview);
    return (x / Math.max(1, this.host.overviewWidth)) * this.host.sessionEnd();
  }

  overviewDown(event: PointerEvent): void {
    if (event.button !== 0 || this.host.model() === null) return;
    this.el.overview.setPointerCapture(event.pointerId);
    const time = this.overviewTime(event);
    const window = this.host.getWindow();
    const span = window.end - window.start;
    // Inside the window: drag it. Outside: centre the window there, then drag.
    if (time < window.start || time > window.end) this.host.setWindow({ start: time - span / 2, end: time + span / 2 });
    this.overviewDrag = { offset: time - this.host.getWindow().start };
  }

  overviewMove(event: PointerEvent): void {
    if (this.overviewDrag === null) return;
    const span = this.host.getWindow().end - this.host.getWindow().start;
    const start = this.overviewTime(event) - this.overviewDrag.offset;
    this.host.setWindow({ start, end: start + span });
  }

  overviewUp(): void {
    this.overviewDrag = null;
  }
}
