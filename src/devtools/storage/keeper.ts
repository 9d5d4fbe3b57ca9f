/**
 * Keeps what the panel records: while a recording runs (and as its last batches land after
 * stop) the session is saved to storage at most once a second, so closing DevTools — or
 * DevTools crashing — loses at most the last second; when the session is cleared or replaced
 * before that second is up, it is saved at once. Sessions loaded from files or from storage
 * are not saved again. A failed save is reported once per session, not retried.
 *
 * What is saved is the session's batches (session-log.ts), not its trace: cloning them into
 * IndexedDB copies bytes, where a trace of a million records froze the panel for seconds.
 */
import type { RecordingStore } from "../recording-store.ts";
import type { SessionLog } from "../session/session-log.ts";
import { StorageError, summarizeLog, type RecordingStorage } from "./recordings-db.ts";

const SAVE_DELAY_MS = 1000;

interface Unsaved {
  readonly session: string;
  readonly log: SessionLog;
  readonly tasks: number;
  readonly end: number;
  readonly events: number;
}

export class RecordingKeeper {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unsaved: Unsaved | null = null;
  /** The session and batch count last saved: nothing new since, nothing to save. */
  private lastSaved: { session: string; batches: number; title: string | null } | null = null;
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
    const log = this.store.sessionLog();
    const facts = this.store.sessionFacts();
    if (log === null || facts === null || facts.tasks === 0) return;
    const saved = this.lastSaved;
    if (saved !== null && saved.session === snapshot.session && saved.batches === log.batches.length && saved.title === (log.metadata.title ?? null)) return;
    this.unsaved = { session: snapshot.session!, log, tasks: facts.tasks, end: facts.end, events: snapshot.events };
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

  private async save({ session, log, tasks, end, events }: Unsaved): Promise<void> {
    if (session === this.failedSession) return;
    try {
      await this.storage.save(summarizeLog(session, log, { tasks, end }, Date.now(), events), log);
      this.lastSaved = { session, batches: log.batches.length, title: log.metadata.title ?? null };
      this.onSaved();
    } catch (error) {
      this.failedSession = session;
      this.onError(error instanceof StorageError ? error : new StorageError(`This recording could not be kept: ${String(error)}`, false));
    }
  }
}
