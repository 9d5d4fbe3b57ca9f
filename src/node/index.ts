/**
 * aioscope for Node programs (`aioscope/node`): record every runtime of the process in one
 * call, and write the trace that `aioscope analyze`, `aioscope view` and the Async panel read.
 * The trace model itself (exporters, importer, analysis) is `aioscope/trace`.
 *
 * @example
 * import { run } from "aioscope";
 * import { startRecording } from "aioscope/node";
 * startRecording({ out: "trace.json" }); // written when the process exits
 * await run(main());
 */
export { recordRuntime, startRecording } from "./recording.ts";
export type { NodeRecording, RecordingOptions } from "./recording.ts";
