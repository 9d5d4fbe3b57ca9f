/**
 * The timeline's engine, outside Preact: it owns the canvases, the time window and the
 * vertical scroll, draws at most once per animation frame, and turns pointer, wheel and
 * keyboard input into zoom, pan, hover and selection. The component (timeline.tsx) feeds it
 * data and callbacks; nothing here re-renders the DOM while zooming.
 *
 * Pointer input is PointerInput's (pointer-input.ts), W/A/S/D KeyNavigation's.
 */
import { drawArrows, type Arrow } from "./arrows.ts";
import { drawLabels } from "./draw-labels.ts";
import { OVERVIEW_HEIGHT, drawOverview, overviewCurve, type OverviewCurve } from "./draw-overview.ts";
import { ROW_HEIGHT, drawRows, type RowsFrame } from "./draw-rows.ts";
import { RULER_HEIGHT, drawMarkers, drawRuler } from "./draw-ruler.ts";
import { hitTest, type Hit } from "./hit-test.ts";
import type { TimelineModel } from "./model.ts";
import { currentTheme, paletteFor } from "./palette.ts";
import type { RowList } from "./rows.ts";
import { TimeScale, clampWindow, panWindow, wholeSession, zoomWindow, type TimeWindow } from "./viewport.ts";
import { FrameTimes } from "./frame-times.ts";
import { KeyNavigation } from "./key-navigation.ts";
import { PointerInput, localPoint } from "./pointer-input.ts";
import { rowGeometry, type RowGeometry } from "./geometry.ts";

export interface TimelineElements {
  readonly overview: HTMLCanvasElement;
  readonly canvas: HTMLCanvasElement;
  readonly scroller: HTMLElement;
  readonly spacer: HTMLElement;
}

export interface TimelineCallbacks {
  onSelect(node: number | null): void;
  onToggle(node: number): void;
  onHover(hit: Hit | null, x: number, y: number): void;
  onWindow(window: TimeWindow): void;
}

/** One drawn frame of the timeline, as automation sees it. */
export interface DrawnFrame {
  /** Rows painted in the visible part of the canvas. */
  readonly rows: number;
  /** Rows in the whole list (most may be scrolled out of view). */
  readonly totalRows: number;
  /** The end (ms) and task count of the session drawn: which session the frame shows. */
  readonly traceEnd: number;
  readonly tasks: number;
  /** The canvas's size in CSS pixels. */
  readonly width: number;
  readonly height: number;
}

export interface TimelineData {
  readonly model: TimelineModel;
  readonly rows: RowList;
  readonly collapsed: ReadonlySet<number>;
  readonly selected: number;
  readonly arrows: readonly Arrow[];
  /** 1 for each node of a kind the filter by kind shows; null or absent: every kind. */
  readonly shownKinds?: Uint8Array | null;
}

const RIGHT_PADDING_PX = 10;

export class TimelineController {
  private data: TimelineData | null = null;
  private window: TimeWindow = { start: 0, end: 1 };
  /** Keep the newest time in view as the session grows, until the person looks elsewhere. */
  private following = true;
  private hovered = -1;
  private width = 0;
  private height = 0;
  overviewWidth = 0;
  private curve: OverviewCurve | null = null;
  private curveKey: unknown = null;
  /** When the curve was last computed and how long that took (ms), and the redraw a stale curve awaits. */
  private curveAt = 0;
  private curveCost = 0;
  private curveTimer: ReturnType<typeof setTimeout> | null = null;
  private frame = 0;
  readonly frameTimes = new FrameTimes();
  /** What the last frame put on the canvas: automation waits on it before a screenshot. */
  lastFrame: DrawnFrame | null = null;
  private readonly keys: KeyNavigation;
  private readonly resize: ResizeObserver;
  private readonly themeObserver: MutationObserver;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly el: TimelineElements, private readonly callbacks: TimelineCallbacks) {
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(el.canvas.parentElement!);
    this.resize.observe(el.overview);
    this.themeObserver = new MutationObserver(() => this.schedule());
    this.themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    this.keys = new KeyNavigation((zoom, pan) => this.applyKeys(zoom, pan));
    this.listen(el.scroller, "scroll", () => this.schedule());
    const pointer = new PointerInput(this, el, callbacks);
    this.listen(el.scroller, "wheel", (e) => pointer.wheel(e as WheelEvent, false), { passive: false });
    this.listen(el.overview, "wheel", (e) => pointer.wheel(e as WheelEvent, true), { passive: false });
    this.listen(el.scroller, "pointerdown", (e) => pointer.down(e as PointerEvent));
    this.listen(el.scroller, "pointermove", (e) => pointer.move(e as PointerEvent));
    this.listen(el.scroller, "pointerup", (e) => pointer.up(e as PointerEvent));
    this.listen(el.scroller, "pointerleave", () => this.setHover(null, 0, 0));
    this.listen(el.scroller, "dblclick", (e) => pointer.doubleClick(e as MouseEvent));
    this.listen(el.overview, "pointerdown", (e) => pointer.overviewDown(e as PointerEvent));
    this.listen(el.overview, "pointermove", (e) => pointer.overviewMove(e as PointerEvent));
    this.listen(el.overview, "pointerup", () => pointer.overviewUp());
    this.listen(document, "keydown", (e) => this.keys.keyDown(e as KeyboardEvent));
    this.listen(document, "keyup", (e) => this.keys.keyUp(e as KeyboardEvent));
    this.listen(window, "blur", () => this.keys.stop());
    // Not measured here: reading the layout now would lay out the whole panel inside the task
    // that mounts the timeline. The observer's first report, after the frame's layout, does.
  }

  private listen(target: EventTarget, type: string, handler: (event: Event) => void, options?: AddEventListenerOptions): void {
    target.addEventListener(type, handler, options);
    this.cleanups.push(() => target.removeEventListener(type, handler, options));
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    if (this.curveTimer !== null) clearTimeout(this.curveTimer);
    this.resize.disconnect();
    this.themeObserver.disconnect();
    this.keys.stop();
    for (const cleanup of this.cleanups) cleanup();
  }

  setData(data: TimelineData): void {
    const previous = this.data;
    this.data = data;
    const end = data.model.trace.end;
    if (previous === null || previous.model.trace !== data.model.trace) {
      const previousEnd = previous?.model.trace.end ?? 0;
      const sameSession = previous !== null && previous.model.trace.metadata.timeOrigin === data.model.trace.metadata.timeOrigin && previousEnd <= end;
      if (!sameSession || (this.following && this.showsWhole(previousEnd))) {
        this.window = wholeSession(end);
        this.following = true;
      } else if (this.following) {
        const span = this.window.end - this.window.start;
        this.window = { start: end - span, end };
      }
      this.window = clampWindow(this.window, end);
    }
    this.el.spacer.style.height = `${data.rows.nodes.length * ROW_HEIGHT}px`;
    this.schedule();
  }

  private showsWhole(end: number): boolean {
    return this.window.start <= 0 && this.window.end >= end - 1e-9;
  }

  /** W/A/S/D only act while the timeline is the view shown. */
  setKeysEnabled(enabled: boolean): void {
    this.keys.enabled = enabled;
    if (!enabled) this.keys.stop();
  }

  /** Shows the whole session, and follows it as it grows. */
  resetZoom(): void {
    if (this.data === null) return;
    this.setWindow(wholeSession(this.data.model.trace.end));
  }

  getWindow(): TimeWindow {
    return this.window;
  }

  model(): TimelineModel | null {
    return this.data?.model ?? null;
  }

  sessionEnd(): number {
    return this.data?.model.trace.end ?? 0;
  }

  setWindow(next: TimeWindow): void {
    if (this.data === null) return;
    const end = this.data.model.trace.end;
    this.window = clampWindow(next, end);
    this.following = this.window.end >= end - (this.window.end - this.window.start) * 0.01;
    this.callbacks.onWindow(this.window);
    this.schedule();
  }

  /** Scrolls so `row` is on screen and, if `time` is off screen, pans to it. */
  reveal(row: number, range: [number, number] | null): void {
    const top = row * ROW_HEIGHT;
    const view = this.el.scroller.clientHeight;
    const scroller = this.el.scroller;
    if (top < scroller.scrollTop || top + ROW_HEIGHT > scroller.scrollTop + view) scroller.scrollTop = Math.max(0, top - view / 3);
    if (range !== null && (range[1] < this.window.start || range[0] > this.window.end)) {
      const span = this.window.end - this.window.start;
      const fits = range[1] - range[0] <= span;
      this.setWindow(fits ? { start: range[0] - span * 0.1, end: range[0] + span * 0.9 } : { start: range[0], end: range[0] + span });
    }
    this.schedule();
  }

  /** The rows on screen and their marks, in the panel's CSS pixels, for automation and tests. */
  visibleRows(): RowGeometry[] {
    if (this.data === null) return [];
    return rowGeometry(this.data.model, this.data.rows, this.scale(), this.el.canvas.getBoundingClientRect(), RULER_HEIGHT, this.el.scroller.scrollTop, this.height);
  }

  private labelWidth(): number {
    return Math.round(Math.min(260, Math.max(140, this.width * 0.28)));
  }

  scale(): TimeScale {
    const left = this.labelWidth();
    // A little room on the right, so marks at the session's very end are not cut in half.
    return new TimeScale(this.window, left, Math.max(1, this.width - left - RIGHT_PADDING_PX));
  }

  private measure(): void {
    const dpr = window.devicePixelRatio || 1;
    const box = this.el.canvas.parentElement!.getBoundingClientRect();
    this.width = Math.floor(box.width);
    this.height = Math.floor(box.height);
    this.overviewWidth = Math.floor(this.el.overview.getBoundingClientRect().width);
    for (const [canvas, w, h] of [[this.el.canvas, this.width, this.height], [this.el.overview, this.overviewWidth, OVERVIEW_HEIGHT]] as const) {
      canvas.width = Math.max(1, Math.round(w * dpr));
      canvas.height = Math.max(1, Math.round(h * dpr));
      canvas.style.height = `${h}px`;
    }
    // The overview's CSS width (100%) decides its size, which is measured above: pinning it to
    // that measure would keep it at 0 px after the timeline was hidden (another view) and shown.
    this.el.canvas.style.width = `${this.width}px`;
    this.curveKey = null;
    this.schedule();
  }

  schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draws everything now; returns how long it took (ms). */
  draw(): number {
    const started = performance.now();
    const data = this.data;
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.el.canvas.getContext("2d");
    const octx = this.el.overview.getContext("2d");
    if (data === null || ctx === null || octx === null || this.width === 0) return 0;
    const palette = paletteFor(currentTheme());
    const scale = this.scale();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = palette.background;
    ctx.fillRect(0, 0, this.width, this.height);
    const frame: RowsFrame = {
      ctx, model: data.model, rows: data.rows, scale, palette, top: RULER_HEIGHT, bottom: this.height,
      scrollTop: this.el.scroller.scrollTop, right: this.width,
    };
    const ruler = { ctx, scale, palette, right: this.width, bottom: this.height, labelWidth: scale.left };
    drawRuler(ruler);
    drawRows(frame, data.selected, this.hovered);
    drawMarkers(ruler, data.model.trace.markers);
    drawArrows(frame, data.arrows, data.rows.rowOf, palette.arrow);
    drawLabels(frame, scale.left, data.collapsed, data.selected, this.hovered);

    const curveKey = data.shownKinds ?? data.model;
    const columns = Math.max(1, this.overviewWidth);
    if (this.curveKey !== curveKey || this.curve?.alive.length !== columns) {
      // The curve is a pass over the whole session: while a live session grows it is computed
      // again at most once per ten times what it cost, and drawn stretched meanwhile.
      const wait = this.curveAt + 10 * this.curveCost - performance.now();
      const previous = this.curveKey as TimelineModel | Uint8Array | null;
      // Only the same session, unfiltered by kind before and now (a person's change shows at once).
      const growing = this.curve !== null && this.curve.alive.length === columns && this.following && data.shownKinds === null
        && previous !== null && !(previous instanceof Uint8Array)
        && previous.trace.metadata.timeOrigin === data.model.trace.metadata.timeOrigin && this.curve.end <= data.model.trace.end;
      if (growing && wait > 0) {
        this.curveTimer ??= setTimeout(() => {
          this.curveTimer = null;
          this.schedule();
        }, wait);
      } else {
        const computing = performance.now();
        this.curve = overviewCurve(data.model, columns, data.shownKinds ?? null);
        this.curveKey = curveKey;
        this.curveAt = performance.now();
        this.curveCost = this.curveAt - computing;
      }
    }
    octx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawOverview(octx, this.curve, this.overviewWidth, data.model.trace.end, this.window, palette);
    const took = performance.now() - started;
    this.frameTimes.add(took);
    const firstRow = Math.floor(frame.scrollTop / ROW_HEIGHT);
    const fitting = Math.ceil(Math.max(0, this.height - RULER_HEIGHT) / ROW_HEIGHT);
    this.lastFrame = {
      rows: Math.max(0, Math.min(data.rows.nodes.length - firstRow, fitting)),
      totalRows: data.rows.nodes.length,
      traceEnd: data.model.trace.end,
      tasks: data.model.trace.tasks.length,
      width: this.width,
      height: this.height,
    };
    return took;
  }

  /** What is under the pointer at `event`, on the rows. */
  hitAt(event: MouseEvent): Hit | null {
    if (this.data === null) return null;
    const [x, y] = localPoint(event, this.el.scroller);
    return hitTest(this.data.model, this.data.rows, this.scale(), x, y, this.el.scroller.scrollTop);
  }

  setHover(hit: Hit | null, x: number, y: number): void {
    const node = hit?.node ?? -1;
    if (node !== this.hovered) {
      this.hovered = node;
      this.schedule();
    }
    this.callbacks.onHover(hit, x, y);
  }

  private applyKeys(zoom: number, pan: number): void {
    if (this.data === null || (zoom === 0 && pan === 0)) return;
    const span = this.window.end - this.window.start;
    let next = this.window;
    if (zoom !== 0) next = zoomWindow(next, Math.exp(zoom), (next.start + next.end) / 2, this.data.model.trace.end);
    if (pan !== 0) next = panWindow(next, pan * span, this.data.model.trace.end);
    this.setWindow(next);
  }
}
