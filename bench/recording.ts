/**
 * The recording instrument the runtime benchmarks measure against: what the profiler pays
 * to see every spawn, step and exit.
 */
import type { Instrument } from "../src/runtime/index.ts";

/**
 * A stand-in that records the same hooks as the trace recorder into typed arrays, until
 * the trace model's recorder (src/trace) replaces it here.
 */
export function makeRecordingInstrument(): { instrument: Instrument; events(): number } {
  let buffer = new Float64Array(1 << 16);
  let length = 0;
  const push = (kind: number, id: number): void => {
    if (length + 3 > buffer.length) {
      const grown = new Float64Array(buffer.length * 2);
      grown.set(buffer);
      buffer = grown;
    }
    buffer[length++] = kind;
    buffer[length++] = id;
    buffer[length++] = performance.now();
  };
  const instrument: Instrument = {
    taskSpawned: (task) => push(1, task.id),
    taskScheduled: (task) => push(2, task.id),
    beforeTaskStep: (task) => push(3, task.id),
    afterTaskStep: (task) => push(4, task.id),
    taskExited: (task) => push(5, task.id),
    cancelRequested: (task) => push(6, task.id),
  };
  return { instrument, events: () => length / 3 };
}
