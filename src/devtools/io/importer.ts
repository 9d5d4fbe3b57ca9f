/**
 * Imports a file with the trace model's importer, on the panel's own thread: the importer
 * works in slices and pauses between them (a large file is parsed a batch of records at a time),
 * so the panel keeps drawing while a large file is read and checked. The worker is the
 * default: its columns cross without a copy, so it is about as fast and keeps the thread free.
 */
export function createInlineImporter(sliceMs = 40): Importer {
  return {
    importFile: (file, onProgress) => importTraceAsync(asWholeFile(file), { onProgress, sliceMs }),
  };
}

/**
 * Imports a file through the import worker, one at a time: progress goes to a callback, and
 * the promise settles with the importer's result — a trace, or its precise error. The trace
 * arrives as columns, a large collection at a time, and its records are rebuilt here in slices
 * while the worker checks the next, so a million-task file does not stop the panel's frames
 * for seconds. A worker that cannot start or dies is reported as an error result too, never
 * thrown.
 */
import type { ImportProgress, ImportResult } from "../../trace/import.ts";
import { importTraceAsync, slices } from "../../trace/import.ts";
import type { ColumnsResult, ImportReply, ImportRequest } from "./import-protocol.ts";
import { TraceRebuilder, type ColumnsPart } from "../../trace/columns.ts";
import { asWholeFile } from "./whole-file.ts";

export interface Importer {
  importFile(file: Blob, onProgress: (progress: ImportProgress) => void): Promise<ImportResult>;
}

export function createWorkerImporter(): Importer {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve(result: ImportResult): void; onProgress(progress: ImportProgress): void; rebuild: PartsRebuild }>();
  const failAll = (message: string): void => {
    for (const request of pending.values()) {
      request.rebuild.abandon();
      request.resolve({ ok: false, error: { path: "$", message } });
    }
    pending.clear();
    worker?.terminate();
    worker = null;
  };
  const start = (): Worker => {
    const started = new Worker(new URL("./import-worker.ts", import.meta.url), { type: "module" });
    started.addEventListener("message", (event: MessageEvent<ImportReply>) => {
      const reply = event.data;
      const request = pending.get(reply.id);
      if (request === undefined) return;
      if (reply.kind === "progress") request.onProgress(reply.progress);
      else if (reply.kind === "part") request.rebuild.add(reply.part);
      else {
        pending.delete(reply.id);
        void request.rebuild.finish(reply.result).then(request.resolve);
      }
    });
    started.addEventListener("error", (event) => failAll(`the import worker failed: ${event.message || "it could not start"}`));
    started.addEventListener("messageerror", () => failAll("the import worker sent a message that could not be read"));
    return started;
  };
  return {
    importFile(file, onProgress) {
      return new Promise<ImportResult>((resolve) => {
        const id = nextId++;
        pending.set(id, { resolve, onProgress, rebuild: new PartsRebuild() });
        try {
          worker ??= start();
          worker.postMessage({ id, file } satisfies ImportRequest);
        } catch (error) {
          pending.delete(id);
          resolve({ ok: false, error: { path: "$", message: `the import could not start: ${error instanceof Error ? error.message : String(error)}` } });
        }
      });
    },
  };
}

/** Slices of the records' rebuilding on the panel's thread, with a pause between them for its frames. */
const REBUILD_SLICE_MS = 30;

/**
 * The records of an import's parts, rebuilt in slices as each arrives, while the worker checks
 * the next: the trace is whole once the result comes. A failed import drops what was rebuilt.
 */
class PartsRebuild {
  private readonly rebuilder = new TraceRebuilder();
  private work: Promise<void> = Promise.resolve();
  private abandoned = false;

  add(part: ColumnsPart): void {
    this.work = this.work.then(async () => {
      if (!this.abandoned) await slices(this.rebuilder.add(part), () => {}, { sliceMs: REBUILD_SLICE_MS });
    });
  }

  abandon(): void {
    this.abandoned = true;
  }

  async finish(result: ColumnsResult): Promise<ImportResult> {
    if (!result.ok) {
      this.abandon();
      return result;
    }
    performance.mark("aioscope:import-columns");
    try {
      await this.work;
      return { ok: true, trace: this.rebuilder.trace(result.rest), format: result.format };
    } catch (error) {
      return { ok: false, error: { path: "$", message: `the checked trace could not be rebuilt: ${error instanceof Error ? error.message : String(error)}` } };
    }
  }
}
