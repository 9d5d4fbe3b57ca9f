/**
 * Keeps what the panel records: while a recording runs (and as its last batches land after
 * stop) the session is saved to storage at most once a second, so closing DevTools — or
 * DevTools crashing — loses at most the last second; when the session is cleared or replaced
 * before that second is up, it is saved at once. Sessions loaded from files or from storage
 * are not saved again. A failed save is reported once per session, not retried.
 */
import type { RecordingStore } from "../recording-store.ts";
import type { Trace } from "../../trace/model.ts";
import { StorageError, summarize, type RecordingStorage } from "./recordings-db.ts";

const SAVE_DELAY_MS = 1000;

interface Unsaved {
  readonly session: string;
  readonly trace: Trace;
  readonly events: number;
}

export class RecordingKeeper {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unsaved: Unsaved | null = null;
  private lastSaved: Trace | null = null;
  private failedSession: string | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: RecordingStore,
    private readonly storage: RecordingStorage,
    private readonly onError: (error: StorageError) => void,
    private readonly onSaved: () => void,
  ) {
    this.unsubscribe = store.subscribe(() => this.changed());
  }

  dispose(): void {
    this.unsubscribe();
    this.flush();
  }

  private changed(): void {
    const snapshot = this.store.snapshot();
    const recorded = snapshot.loaded === null && snapshot.session !== null;
    if (this.unsaved !== null && (!recorded || snapshot.session !== this.unsaved.session)) this.flush();
    if (!recorded || snapshot.session === this.failedSession) return;
    const trace = this.store.trace();
    if (trace === null || trace.tasks.length === 0 || trace === this.lastSaved) return;
    this.unsaved = { session: snapshot.session!, trace, events: snapshot.events };
    this.timer ??= setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  /** Saves the latest unsaved state of the recording now; saves run one after another. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const unsaved = this.unsaved;
    this.unsaved = null;
    if (unsaved === null) return this.queue;
    this.queue = this.queue.then(() => this.save(unsaved));
    return this.queue;
  }

  private async save({ session, trace, events }: Unsaved): Promise<void> {
    if (session === this.failedSession) return;
    try {
      await this.storage.save(summarize(session, trace, Date.now(), events), trace);
      this.lastSaved = trace;
      this.onSaved();
    } catch (error) {
      this.failedSession = session;
      this.onError(error instanceof StorageError ? error : new StorageError(`This recording could not be kept: ${String(error)}`, false));
    }
  }
}
