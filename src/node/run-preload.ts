/**
 * Loaded by `aioscope run` with `node --import` before the program's first module: records
 * every runtime of the process from the start, and writes the trace to the file the CLI named
 * in AIOSCOPE_RUN_TRACE when the process ends — normally, through `process.exit()`, an
 * uncaught error, or a signal the program does not handle itself. The CLI reads that file.
 */
import { startRecording } from "./recording.ts";

const out = process.env.AIOSCOPE_RUN_TRACE;
// Programs this one starts inherit the environment, not the --import: they are not recorded,
// and must not write over this trace.
delete process.env.AIOSCOPE_RUN_TRACE;
if (out !== undefined && out !== "") startRecording({ out, writeOnExit: true, writeOnSignal: true });
