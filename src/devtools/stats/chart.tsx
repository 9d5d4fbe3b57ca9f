/**
 * A chart.js chart as a Preact component: created once per canvas, updated in place when its
 * data changes, destroyed with the component. Only the chart types the panel uses are
 * registered (tree-shaking keeps the rest out), animations are off, and colours follow the
 * DevTools theme.
 */
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Filler, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip, type ChartConfiguration, type ChartType,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";
import type { Palette } from "../timeline/palette.ts";

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export interface ChartProps<T extends ChartType> {
  readonly config: ChartConfiguration<T>;
  readonly testid: string;
  readonly label: string;
}

/** Fonts, grid and text colours for a chart in the panel's theme. */
export function applyChartTheme(palette: Palette): void {
  Chart.defaults.font.family = "system-ui, sans-serif";
  Chart.defaults.font.size = 11;
  Chart.defaults.color = palette.textSubtle;
  Chart.defaults.borderColor = palette.grid;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 10;
  Chart.defaults.plugins.legend.labels.boxHeight = 10;
}

export function ChartCanvas<T extends ChartType>({ config, testid, label }: ChartProps<T>) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<T> | null>(null);
  useEffect(() => {
    chart.current = new Chart<T>(canvas.current!, config);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    const instance = chart.current;
    if (instance === null) return;
    instance.data = config.data;
    if (config.options !== undefined) instance.options = config.options;
    instance.update("none");
  }, [config]);
  return (
    <div class="chart-box" data-testid={testid}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
