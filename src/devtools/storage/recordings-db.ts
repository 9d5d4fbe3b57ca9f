/**
 * Recordings kept in the panel's IndexedDB (through `idb`), so closing DevTools loses
 * nothing: a summary per recording to list them cheaply, and the trace itself in a second
 * store, read only when the person opens it. Failures — above all a full quota — come back
 * as a StorageError with words a person can act on, never swallowed.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Trace } from "../../trace/model.ts";
import { isSessionLog, replaySessionLog, SESSION_LOG_FORMAT, type LoggedBatch, type SessionLog } from "../session/session-log.ts";

export interface SavedRecording {
  readonly key: string;
  readonly title: string;
  readonly url: string | null;
  /** Epoch ms of the last save. */
  readonly savedAt: number;
  readonly tasks: number;
  readonly events: number;
  /** The session's length, ms. */
  readonly duration: number;
}

interface RecordingsSchema extends DBSchema {
  recordings: { key: string; value: SavedRecording; indexes: { savedAt: number } };
  /**
   * A recording made in the panel is kept as its batches (session-log.ts): here the log
   * without them, and each batch in `batches`, written once; one loaded from a file, as its trace.
   */
  traces: { key: string; value: { key: string; trace: Trace | KeptLog } };
  batches: { key: [string, number]; value: KeptBatch };
}

/** A session log as kept: its batches are records of their own, `batchCount` of them. */
interface KeptLog extends Omit<SessionLog, "batches"> {
  readonly batchCount: number;
}

interface KeptBatch extends LoggedBatch {
  readonly session: string;
  readonly n: number;
}

export const DATABASE_NAME = "aioscope";
/** Longest a save clones batches into one transaction before it lets the panel draw. */
const PUT_SLICE_MS = 8;
/** 2: recordings made in the panel are kept batch by batch. */
const DATABASE_VERSION = 2;

export class StorageError extends Error {
  constructor(message: string, readonly quota: boolean) {
    super(message);
    this.name = "StorageError";
  }
}

function describe(error: unknown, doing: string): StorageError {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  const detail = error instanceof Error ? error.message : String(error);
  if (name === "QuotaExceededError") {
    return new StorageError(`${doing}: the browser's storage quota for the panel is full. Delete kept recordings, or export this one to a file.`, true);
  }
  return new StorageError(`${doing}: ${detail || name || "IndexedDB failed"}`, false);
}

/** What the panel needs of storage; the shell and tests may pass another. */
export interface RecordingStorage {
  list(): Promise<SavedRecording[]>;
  save(summary: SavedRecording, trace: Trace | SessionLog): Promise<void>;
  load(key: string): Promise<Trace | null>;
  remove(key: string): Promise<void>;
  clear(): Promise<void>;
}

export class IndexedDbRecordings implements RecordingStorage {
  private db: Promise<IDBPDatabase<RecordingsSchema>> | null = null;
  /** Batches of each session log written so far: a save writes only the ones after them. */
  private readonly written = new Map<string, number>();

  constructor(private readonly name: string = DATABASE_NAME) {}

  private open(): Promise<IDBPDatabase<RecordingsSchema>> {
    this.db ??= openDB<RecordingsSchema>(this.name, DATABASE_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          const recordings = db.createObjectStore("recordings", { keyPath: "key" });
          recordings.createIndex("savedAt", "savedAt");
          db.createObjectStore("traces", { keyPath: "key" });
        }
        if (oldVersion < 2) db.createObjectStore("batches", { keyPath: ["session", "n"] });
      },
    }).catch((error: unknown) => {
      this.db = null;
      throw describe(error, "Kept recordings cannot be opened");
    });
    return this.db;
  }

  async list(): Promise<SavedRecording[]> {
    const db = await this.open();
    try {
      return (await db.getAllFromIndex("recordings", "savedAt")).reverse();
    } catch (error) {
      throw describe(error, "Kept recordings cannot be listed");
    }
  }

  async save(summary: SavedRecording, trace: Trace | SessionLog): Promise<void> {
    const db = await this.open();
    try {
      if (!isSessionLog(trace)) {
        const tx = db.transaction(["recordings", "traces"], "readwrite");
        await Promise.all([tx.objectStore("recordings").put(summary), tx.objectStore("traces").put({ key: summary.key, trace }), tx.done]);
        return;
      }
      // The batches not written yet, in transactions of at most PUT_SLICE_MS of cloning each:
      // a second of a busy recording is a hundred batches, and cloning them all in one go held
      // the panel's thread for a tenth of a second. Each transaction keeps the log whole: its
      // header counts exactly the batches written so far.
      const { batches, ...header } = trace;
      let from = this.written.get(summary.key) ?? 0;
      do {
        const started = performance.now();
        const tx = db.transaction(["recordings", "traces", "batches"], "readwrite");
        const writes: Promise<unknown>[] = [tx.objectStore("recordings").put(summary), tx.done];
        const store = tx.objectStore("batches");
        let n = from;
        while (n < batches.length) {
          writes.push(store.put({ session: summary.key, n, ...batches[n]! }));
          n++;
          if (performance.now() - started >= PUT_SLICE_MS) break;
        }
        writes.push(tx.objectStore("traces").put({ key: summary.key, trace: { ...header, batchCount: n } }));
        await Promise.all(writes);
        this.written.set(summary.key, n);
        from = n;
      } while (from < batches.length);
    } catch (error) {
      throw describe(error, "This recording could not be kept");
    }
  }

  async load(key: string): Promise<Trace | null> {
    const db = await this.open();
    try {
      const kept = (await db.get("traces", key))?.trace ?? null;
      if (kept === null || kept.format !== SESSION_LOG_FORMAT) return kept as Trace | null;
      const batches = await db.getAll("batches", batchesOf(key));
      if (batches.length !== kept.batchCount) throw new Error(`${kept.batchCount - batches.length} of its ${kept.batchCount} batches are missing`);
      return replaySessionLog({ ...kept, batches: batches.map(({ source, batch }) => ({ source, batch })) });
    } catch (error) {
      throw describe(error, "The kept recording cannot be read");
    }
  }

  async remove(key: string): Promise<void> {
    const db = await this.open();
    try {
      const tx = db.transaction(["recordings", "traces", "batches"], "readwrite");
      await Promise.all([tx.objectStore("traces").delete(key), tx.objectStore("recordings").delete(key), tx.objectStore("batches").delete(batchesOf(key)), tx.done]);
      this.written.delete(key);
    } catch (error) {
      throw describe(error, "The kept recording could not be deleted");
    }
  }

  async clear(): Promise<void> {
    const db = await this.open();
    try {
      const tx = db.transaction(["recordings", "traces", "batches"], "readwrite");
      await Promise.all([tx.objectStore("traces").clear(), tx.objectStore("recordings").clear(), tx.objectStore("batches").clear(), tx.done]);
      this.written.clear();
    } catch (error) {
      throw describe(error, "Kept recordings could not be cleared");
    }
  }
}

/** The keys of every batch of the session kept under `key`. */
function batchesOf(key: string): IDBKeyRange {
  return IDBKeyRange.bound([key, 0], [key, Infinity]);
}

/** The summary a trace is listed under. */
export function summarize(key: string, trace: Trace, savedAt: number, events: number): SavedRecording {
  const url = trace.metadata.url ?? trace.sources.find((s) => s.url !== null)?.url ?? null;
  return summarizeFacts(key, { url, title: trace.metadata.title, tasks: trace.tasks.length, end: trace.end }, savedAt, events);
}

/** The summary of a recording kept as its batches: the facts the store tells without a snapshot. */
export function summarizeLog(key: string, log: SessionLog, facts: { tasks: number; end: number }, savedAt: number, events: number): SavedRecording {
  const url = log.metadata.url ?? log.sources.find((s) => s.url !== null && s.url !== undefined)?.url ?? null;
  return summarizeFacts(key, { url, title: log.metadata.title ?? null, ...facts }, savedAt, events);
}

function summarizeFacts(
  key: string, facts: { url: string | null; title: string | null; tasks: number; end: number }, savedAt: number, events: number,
): SavedRecording {
  const url = facts.url;
  let title = facts.title ?? url ?? "Recording";
  if (facts.title === null && url !== null) {
    try {
      const parsed = new URL(url);
      title = `${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}${parsed.search}`;
    } catch {
      title = url;
    }
  }
  return { key, title, url, savedAt, tasks: facts.tasks, events, duration: facts.end };
}
