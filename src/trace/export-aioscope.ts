/**
 * The aioscope JSON format: the trace model as it is, one JSON document
 * (docs/trace-format.md). Compact by default; `pretty` indents it for reading.
 */
import type { Trace } from "./model.ts";

export const AIOSCOPE_MEDIA_TYPE = "application/vnd.aioscope.trace+json";
export const AIOSCOPE_FILE_EXTENSION = ".aioscope.json";

/**
 * @example
 * const text = exportAioscope(builder.trace());
 * const again = importTrace(text); // { ok: true, trace } — the same trace
 */
export function exportAioscope(trace: Trace, options: { pretty?: boolean } = {}): string {
  // Members in a fixed order, so two equal traces give the same bytes.
  const ordered: Trace = {
    format: trace.format,
    version: trace.version,
    metadata: trace.metadata,
    sources: trace.sources,
    end: trace.end,
    droppedEvents: trace.droppedEvents,
    tasks: trace.tasks,
    steps: trace.steps,
    awaits: trace.awaits,
    cancellations: trace.cancellations,
    timeouts: trace.timeouts,
    resources: trace.resources,
    resourceOps: trace.resourceOps,
    nativeOps: trace.nativeOps,
    markers: trace.markers,
  };
  return options.pretty === true ? JSON.stringify(ordered, null, 2) : JSON.stringify(ordered);
}
