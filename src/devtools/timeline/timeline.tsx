/**
 * The Gantt timeline: the overview strip, then the ruler and the rows on one canvas, with a
 * transparent scroller over the rows for a native scrollbar and the pointer, a tooltip, and a
 * legend. The drawing and the navigation are TimelineController's; this component hands it
 * data and relays its callbacks.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { TimelineController } from "./controller.ts";
import { describeHit, type HitDescription } from "./describe-hit.ts";
import type { Arrow } from "./arrows.ts";
import type { Hit } from "./hit-test.ts";
import type { TimelineModel } from "./model.ts";
import { nodeExtent } from "./draw-rows.ts";
import type { RowList } from "./rows.ts";
import { RULER_HEIGHT } from "./draw-ruler.ts";
import { Legend } from "./legend.tsx";
import type { TimeWindow } from "./viewport.ts";

export interface TimelineProps {
  readonly model: TimelineModel;
  readonly rows: RowList;
  readonly collapsed: ReadonlySet<number>;
  readonly selected: number;
  readonly arrows: readonly Arrow[];
  /** 1 for each node of a kind the filter by kind shows (null: all), for the overview. */
  readonly shownKinds: Uint8Array | null;
  /** Bumped when the selection should be scrolled into view (it came from outside the chart). */
  readonly revealRequest: number;
  readonly active: boolean;
  onSelect(node: number | null): void;
  onToggle(node: number): void;
  onWindow(window: TimeWindow): void;
  onController(controller: TimelineController | null): void;
}

interface Tooltip {
  readonly description: HitDescription;
  readonly x: number;
  readonly y: number;
}

const TOOLTIP_OFFSET = 14;

export function Timeline(props: TimelineProps) {
  const overview = useRef<HTMLCanvasElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const spacer = useRef<HTMLDivElement>(null);
  const controller = useRef<TimelineController | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [tooltip, setTooltip] = useState<Tooltip | null>(null);

  useLayoutEffect(() => {
    const instance = new TimelineController(
      { overview: overview.current!, canvas: canvas.current!, scroller: scroller.current!, spacer: spacer.current! },
      {
        onSelect: (node) => latest.current.onSelect(node),
        onToggle: (node) => latest.current.onToggle(node),
        onWindow: (window) => latest.current.onWindow(window),
        onHover: (hit: Hit | null, x: number, y: number) => {
          setTooltip(hit === null || hit.inLabels ? null : { description: describeHit(latest.current.model, hit), x, y });
        },
      },
    );
    controller.current = instance;
    latest.current.onController(instance);
    return () => {
      latest.current.onController(null);
      instance.destroy();
      controller.current = null;
    };
  }, []);

  useLayoutEffect(() => {
    controller.current?.setData({
      model: props.model, rows: props.rows, collapsed: props.collapsed, selected: props.selected, arrows: props.arrows, shownKinds: props.shownKinds,
    });
  }, [props.model, props.rows, props.collapsed, props.selected, props.arrows, props.shownKinds]);

  useEffect(() => {
    controller.current?.setKeysEnabled(props.active);
  }, [props.active]);

  useEffect(() => {
    if (props.revealRequest === 0 || props.selected < 0) return;
    const row = props.rows.rowOf[props.selected]!;
    if (row >= 0) controller.current?.reveal(row, nodeExtent(props.model, props.selected));
  }, [props.revealRequest]);

  return (
    <div class="timeline" data-testid="timeline">
      <canvas ref={overview} class="timeline-overview" data-testid="timeline-overview" aria-label="Concurrency over the whole session; drag to move the window" />
      <div class="timeline-main">
        <canvas ref={canvas} class="timeline-canvas" data-testid="timeline-canvas" />
        <div
          ref={scroller}
          class="timeline-scroller"
          style={{ top: `${RULER_HEIGHT}px` }}
          tabIndex={0}
          role="group"
          aria-roledescription="timeline"
          aria-label="Tasks over time. Drag or Shift+wheel to pan, Ctrl+wheel or W/S to zoom, A/D to pan."
          data-testid="timeline-scroller"
        >
          <div ref={spacer} class="timeline-spacer" />
        </div>
        {tooltip !== null && (
          <div
            class="timeline-tooltip"
            data-testid="timeline-tooltip"
            style={{ left: `${tooltip.x + TOOLTIP_OFFSET}px`, top: `${tooltip.y + RULER_HEIGHT + TOOLTIP_OFFSET}px` }}
          >
            <div class="timeline-tooltip-title">{tooltip.description.title}</div>
            {tooltip.description.lines.map((line, k) => <div key={k}>{line}</div>)}
          </div>
        )}
      </div>
      <Legend tasks={props.model.taskCount > 0} native={props.model.nativeGroups} queued={props.model.trace.nativeOps.some((op) => op.kind === "requestQueue")} />
    </div>
  );
}
