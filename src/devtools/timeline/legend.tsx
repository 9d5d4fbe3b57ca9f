/**
 * The key under the timeline: what each colour and mark means, in the theme's colours.
 */
import { useTheme } from "../use-theme.ts";
import { paletteFor, WAIT_GROUP_LABELS, WAIT_GROUPS } from "./palette.ts";
import { NATIVE_GROUP_LABELS, NATIVE_GROUPS, type NativeGroup } from "./native-names.ts";

function Swatch({ color, label, shape = "bar" }: { color: string; label: string; shape?: "bar" | "thin" | "triangle" | "diamond" | "disc" }) {
  return (
    <span class="legend-item">
      <span class={`legend-swatch legend-${shape}`} style={{ "--swatch": color }} />
      {label}
    </span>
  );
}

/** `native`: the kinds of native work in the session; only those are explained. */
export function Legend({ native }: { native: ReadonlySet<NativeGroup> }) {
  const palette = paletteFor(useTheme());
  return (
    <div class="timeline-legend" data-testid="timeline-legend">
      <Swatch color={palette.running} label="Running" />
      <Swatch color={palette.ready} label="Ready" shape="thin" />
      {WAIT_GROUPS.filter((g) => g !== "other").map((group) => <Swatch key={group} color={palette.wait[group]} label={WAIT_GROUP_LABELS[group]} />)}
      {NATIVE_GROUPS.filter((g) => native.has(g)).map((group) => <Swatch key={group} color={palette.native[group]} label={NATIVE_GROUP_LABELS[group]} />)}
      {native.size > 0 && <Swatch color={palette.nativeError} label="Failed / aborted" shape="thin" />}
      <Swatch color={palette.cancel} label="Cancel" shape="triangle" />
      <Swatch color={palette.timeout} label="Timeout" shape="diamond" />
      <Swatch color={palette.error} label="Error" shape="disc" />
    </div>
  );
}
