/**
 * The key under the timeline: what each colour and mark means, in the theme's colours.
 */
import { useTheme } from "../use-theme.ts";
import { paletteFor, WAIT_GROUP_LABELS, WAIT_GROUPS } from "./palette.ts";
import { NATIVE_GROUP_LABELS, NATIVE_GROUPS, type NativeGroup } from "../../trace/native-names.ts";

function Swatch({ color, label, shape = "bar" }: { color: string; label: string; shape?: "bar" | "thin" | "outline" | "triangle" | "diamond" | "disc" | "faint" | "ticks" }) {
  return (
    <span class="legend-item">
      <span class={`legend-swatch legend-${shape}`} style={{ "--swatch": color }} />
      {label}
    </span>
  );
}

/**
 * `tasks`: whether the session has runtime tasks (their colours are explained only then);
 * `native`: the kinds of native work in it, each explained; `queued`: whether a request's
 * wait for a connection was recorded (drawn as the lighter start of its bar).
 */
export function Legend({ tasks, native, queued = false }: { tasks: boolean; native: ReadonlySet<NativeGroup>; queued?: boolean }) {
  const palette = paletteFor(useTheme());
  return (
    <div class="timeline-legend" data-testid="timeline-legend">
      {tasks && (
        <>
          <Swatch color={palette.running} label="Running" />
          <Swatch color={palette.ready} label="Ready" shape="thin" />
          {WAIT_GROUPS.filter((g) => g !== "other").map((group) => <Swatch key={group} color={palette.wait[group]} label={WAIT_GROUP_LABELS[group]} />)}
        </>
      )}
      {NATIVE_GROUPS.filter((g) => native.has(g)).map((group) => <Swatch key={group} color={palette.native[group]} label={NATIVE_GROUP_LABELS[group]} />)}
      {queued && <Swatch color={palette.native.request} label="Queued (waiting for a connection)" shape="faint" />}
      {native.has("worker") && <Swatch color={palette.native.worker} label="Message (↑ to worker, ↓ from it)" shape="ticks" />}
      {native.size > 0 && <Swatch color={palette.nativeError} label="Failed / aborted" shape="thin" />}
      {native.size > 0 && <Swatch color={palette.native.timer} label="Cleared / cancelled" shape="outline" />}
      {tasks && (
        <>
          <Swatch color={palette.cancel} label="Cancel" shape="triangle" />
          <Swatch color={palette.timeout} label="Timeout" shape="diamond" />
          <Swatch color={palette.error} label="Error" shape="disc" />
        </>
      )}
    </div>
  );
}
