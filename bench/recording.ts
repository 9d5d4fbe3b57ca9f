/**
 * The recording instrument the runtime benchmarks measure against: what the profiler pays
 * to see every spawn, step, exit, cancellation, timeout and resource operation. It is the
 * trace model's real recorder (src/trace/recorder.ts), without creation sites.
 *
 * As in a page, one recorder records the whole session and its events are taken in batches
 * between runs (the page agent takes them on a timer, outside the program's own work); the
 * recorder writes the next run into the chunks a batch emptied. Taking the batch (a copy of
 * the columns the page agent makes on its timer, about 1 ns a byte) is not timed.
 */
import { addInstrument, removeInstrument } from "../src/runtime/index.ts";
import { Recorder } from "../src/trace/index.ts";

// Large enough that no benchmark drops events: dropping would make recording look cheaper.
const recorder = new Recorder({ capacity: 1 << 23 });

/** Runs `body` with the session's recorder attached. */
export async function withRecording(body: () => Promise<void>): Promise<void> {
  addInstrument(recorder);
  try {
    await body();
  } finally {
    removeInstrument(recorder);
  }
}

/** Takes what the last run recorded, as the page agent would; refuses a run that dropped events. */
export function takeRecordedBatch(): void {
  const batch = recorder.takeBatch();
  if (recorder.droppedEvents !== 0) throw new Error(`bench: the recorder dropped ${recorder.droppedEvents} events (raise its capacity)`);
  if (batch.count === 0) throw new Error("bench: the recorder saw nothing");
}

