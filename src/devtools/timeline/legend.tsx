/**
 * The key under the timeline: what each colour and mark means, in the theme's colours.
 */
import { useTheme } from "../use-theme.ts";
import { paletteFor, WAIT_GROUP_LABELS, WAIT_GROUPS } from "./palette.ts";

function Swatch({ color, label, shape = "bar" }: { color: string; label: string; shape?: "bar" | "thin" | "triangle" | "diamond" | "disc" }) {
  return (
    <span class="legend-item">
      <span class={`legend-swatch legend-${shape}`} style={{ "--swatch": color }} />
      {label}
    </span>
  );
}

export function Legend() {
  const palette = paletteFor(useTheme());
  return (
    <div class="timeline-legend" data-testid="timeline-legend">
      <Swatch color={palette.running} label="Running" />
      <Swatch color={palette.ready} label="Ready" shape="thin" />
      {WAIT_GROUPS.filter((g) => g !== "other").map((group) => <Swatch key={group} color={palette.wait[group]} label={WAIT_GROUP_LABELS[group]} />)}
      <Swatch color={palette.native} label="Native" />
      <Swatch color={palette.cancel} label="Cancel" shape="triangle" />
      <Swatch color={palette.timeout} label="Timeout" shape="diamond" />
      <Swatch color={palette.error} label="Error" shape="disc" />
    </div>
  );
}
