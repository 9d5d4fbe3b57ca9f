/**
 * aioscope's trace model: the recorder (page side), the session builder (panel side), the
 * v1 format with its exporters and importer, and the analysis. One module and one set of
 * types for the page, the panel, workers and the CLI: no DOM, no extension APIs.
 *
 * @example
 * const recorder = new Recorder({ creationSites: true });
 * recorder.start();
 * // … later, in the panel:
 * const builder = new SessionBuilder({ url: location.href });
 * builder.append(recorder.takeBatch());
 * const trace = builder.trace();
 * const text = exportAioscope(trace);
 * const again = importTrace(text); // { ok: true, trace }
 * const stats = analyze(trace);
 */
export * from "./model.ts";
export { Recorder, describeError } from "./recorder.ts";
export type { RecorderClock, RecorderOptions, RecorderStats, TaskRef } from "./recorder.ts";
export { BATCH_FORMAT, BATCH_VERSION, BYTES_PER_EVENT } from "./encoding.ts";
export type { TraceBatch } from "./encoding.ts";
export { SessionBuilder, traceOf } from "./session.ts";
export type { AppendResult, SessionMetadataInput, SourceDescription, SourceOptions } from "./session.ts";
export { DEFAULT_INTERNAL_FRAMES, RuntimeFrames, firstExternalFrame, parseStackFrame, type FrameFilter } from "./stack.ts";
export { exportAioscope, AIOSCOPE_FILE_EXTENSION, AIOSCOPE_MEDIA_TYPE } from "./export-aioscope.ts";
export { exportChrome, exportChromeBytes } from "./export-chrome.ts";
export type { ChromeExportOptions } from "./export-chrome.ts";
export { importTrace, importTraceAsync, MAX_IMPORT_BYTES } from "./import.ts";
export type { AsyncImportOptions, BlobLike, ImportOptions, ImportProgress, ImportResult, TraceFileFormat, TraceInput } from "./import.ts";
export * from "./analysis.ts";
