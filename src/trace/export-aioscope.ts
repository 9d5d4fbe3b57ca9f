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
  const ordered = inFileOrder(trace);
  return options.pretty === true ? JSON.stringify(ordered, null, 2) : JSON.stringify(ordered);
}

/** Records written per piece by `aioscopeChunks`: pieces of a few hundred kB. */
const RECORDS_PER_CHUNK = 2048;

/**
 * The compact file of `exportAioscope`, the very same bytes, in pieces of a few hundred kB, so
 * a writer can put a trace of hundreds of MB on disk without ever holding its whole text.
 */
export function* aioscopeChunks(trace: Trace): Generator<string, void, undefined> {
  const ordered = inFileOrder(trace);
  let head = "{";
  let first = true;
  for (const [key, value] of Object.entries(ordered)) {
    head += `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(value)) {
      head += JSON.stringify(value);
      continue;
    }
    // JSON.stringify of an array is its elements' texts joined by commas: the same bytes.
    yield `${head}[`;
    head = "";
    for (let k = 0; k < value.length; k += RECORDS_PER_CHUNK) {
      const piece = value.slice(k, k + RECORDS_PER_CHUNK).map((record) => JSON.stringify(record) ?? "null").join(",");
      yield k === 0 ? piece : `,${piece}`;
    }
    head = "]";
  }
  yield `${head}}`;
}

/** Members in a fixed order, so two equal traces give the same bytes. */
function inFileOrder(trace: Trace): Trace {
  return {
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
}
