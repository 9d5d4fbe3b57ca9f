/**
 * Recordings kept in the panel's IndexedDB (through `idb`), so closing DevTools loses
 * nothing: a summary per recording to list them cheaply, and the trace itself in a second
 * store, read only when the person opens it. Failures — above all a full quota — come back
 * as a StorageError with words a person can act on, never swallowed.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Trace } from "../../trace/model.ts";

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
  traces: { key: string; value: { key: string; trace: Trace } };
}

export const DATABASE_NAME = "aioscope";
const DATABASE_VERSION = 1;

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
  save(summary: SavedRecording, trace: Trace): Promise<void>;
  load(key: string): Promise<Trace | null>;
  remove(key: string): Promise<void>;
  clear(): Promise<void>;
}

export class IndexedDbRecordings implements RecordingStorage {
  private db: Promise<IDBPDatabase<RecordingsSchema>> | null = null;

  constructor(private readonly name: string = DATABASE_NAME) {}

  private open(): Promise<IDBPDatabase<RecordingsSchema>> {
    this.db ??= openDB<RecordingsSchema>(this.name, DATABASE_VERSION, {
      upgrade(db) {
        const recordings = db.createObjectStore("recordings", { keyPath: "key" });
        recordings.createIndex("savedAt", "savedAt");
        db.createObjectStore("traces", { keyPath: "key" });
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

  async save(summary: SavedRecording, trace: Trace): Promise<void> {
    const db = await this.open();
    try {
      const tx = db.transaction(["recordings", "traces"], "readwrite");
      await Promise.all([tx.objectStore("traces").put({ key: summary.key, trace }), tx.objectStore("recordings").put(summary), tx.done]);
    } catch (error) {
      throw describe(error, "This recording could not be kept");
    }
  }

  async load(key: string): Promise<Trace | null> {
    const db = await this.open();
    try {
      return (await db.get("traces", key))?.trace ?? null;
    } catch (error) {
      throw describe(error, "The kept recording cannot be read");
    }
  }

  async remove(key: string): Promise<void> {
    const db = await this.open();
    try {
      const tx = db.transaction(["recordings", "traces"], "readwrite");
      await Promise.all([tx.objectStore("traces").delete(key), tx.objectStore("recordings").delete(key), tx.done]);
    } catch (error) {
      throw describe(error, "The kept recording could not be deleted");
    }
  }

  async clear(): Promise<void> {
    const db = await this.open();
    try {
      const tx = db.transaction(["recordings", "traces"], "readwrite");
      await Promise.all([tx.objectStore("traces").clear(), tx.objectStore("recordings").clear(), tx.done]);
    } catch (error) {
      throw describe(error, "Kept recordings could not be cleared");
    }
  }
}

/** The summary a trace is listed under. */
export function summarize(key: string, trace: Trace, savedAt: number, events: number): SavedRecording {
  const url = trace.metadata.url ?? trace.sources.find((s) => s.url !== null)?.url ?? null;
  let title = trace.metadata.title ?? url ?? "Recording";
  if (trace.metadata.title === null && url !== null) {
    try {
      const parsed = new URL(url);
      title = `${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}${parsed.search}`;
    } catch {
      title = url;
    }
  }
  return { key, title, url, savedAt, tasks: trace.tasks.length, events, duration: trace.end };
}
