/**
 * The recording instrument the runtime benchmarks measure against: what the profiler pays
 * to see every spawn, step, exit, cancellation, timeout and resource operation. It is the
 * trace model's real recorder (src/trace/recorder.ts), without creation sites.
 */
import type { Instrument } from "../src/runtime/index.ts";
import { Recorder } from "../src/trace/index.ts";

export function makeRecordingInstrument(): { instrument: Instrument; events(): number } {
  // Large enough that no benchmark drops events: dropping would make recording look cheaper.
  const recorder = new Recorder({ capacity: 1 << 23 });
  return { instrument: recorder, events: () => recorder.stats().recorded };
}
