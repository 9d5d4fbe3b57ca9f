/**
 * A live recording as the batches it was built from: each source's options and every batch
 * the session builder accepted, in the order it accepted them. Replaying the log through a
 * new SessionBuilder gives the same trace, so this is what the panel keeps in storage while
 * it records: a batch is a few typed arrays, which the browser clones as plain bytes, where a
 * Trace of a million records is a million objects to clone on the panel's thread — seconds
 * of a frozen panel, once a second.
 */
import { SessionBuilder, type SessionMetadataInput, type SourceDescription, type SourceOptions } from "../../trace/session.ts";
import type { TraceBatch } from "../../trace/encoding.ts";
import type { Trace } from "../../trace/model.ts";

export const SESSION_LOG_FORMAT = "aioscope-session-log";

export interface LoggedBatch {
  readonly source: number;
  readonly batch: TraceBatch;
}

export interface SessionLog {
  readonly format: typeof SESSION_LOG_FORMAT;
  readonly metadata: SessionMetadataInput;
  /** Each source's options as they are now (what its page says of it can change while it records). */
  readonly sources: readonly SourceOptions[];
  readonly batches: readonly LoggedBatch[];
}

/** Builds the log alongside a SessionBuilder: told the same things, in the same order. */
export class SessionLogger {
  private metadata: SessionMetadataInput = {};
  private readonly sources: SourceOptions[] = [];
  private readonly batches: LoggedBatch[] = [];

  describe(metadata: SessionMetadataInput): void {
    this.metadata = {
      url: this.metadata.url ?? metadata.url ?? null,
      title: this.metadata.title || metadata.title || null,
      userAgent: this.metadata.userAgent ?? metadata.userAgent ?? null,
    };
  }

  addSource(options: SourceOptions): void {
    this.sources.push(options);
  }

  describeSource(source: number, description: SourceDescription): void {
    const options = this.sources[source];
    if (options !== undefined) this.sources[source] = { ...options, ...description };
  }

  /**
   * A batch the builder accepted, kept with arrays of its own: one that came over a port can
   * be a view on a larger buffer, and cloning a view into storage copies its whole buffer.
   * An array that is its whole buffer already is kept as it is (nothing changes a batch once
   * the builder took it).
   */
  appended(batch: TraceBatch, source: number): void {
    this.batches.push({ source, batch: { ...batch, time: ownBuffer(batch.time), kind: ownBuffer(batch.kind), ops: ownBuffer(batch.ops), strings: batch.strings.slice() } });
  }

  /** The log so far: later appends never change it. */
  log(): SessionLog {
    return { format: SESSION_LOG_FORMAT, metadata: { ...this.metadata }, sources: this.sources.slice(), batches: this.batches.slice() };
  }
}

/** `array`, or a copy of it when it is a view on part of a larger buffer. */
function ownBuffer<A extends Float64Array | Uint8Array | Int32Array>(array: A): A {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : (array.slice() as A);
}

export function isSessionLog(value: unknown): value is SessionLog {
  return typeof value === "object" && value !== null && (value as { format?: unknown }).format === SESSION_LOG_FORMAT;
}

/** The trace a log stands for; throws with the batch and the builder's reason if one is refused. */
export function replaySessionLog(log: SessionLog): Trace {
  const builder = new SessionBuilder(log.metadata);
  for (const options of log.sources) builder.addSource(options);
  log.batches.forEach(({ source, batch }, k) => {
    const result = builder.append(batch, source);
    if (!result.ok) throw new Error(`batch ${k} of the kept recording was refused: ${result.error.path}: ${result.error.message}`);
  });
  return builder.trace();
}
