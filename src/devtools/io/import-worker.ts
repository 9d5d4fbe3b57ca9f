/**
 * The import worker: reads, parses and checks a dropped or chosen file with the trace
 * model's importer, off the panel's thread, posting progress as it goes. The checked trace
 * is read into columns (src/trace/columns.ts); each large collection is posted as soon as it
 * is checked, its buffers moved with the message, so the panel rebuilds its records while
 * the worker checks the next one.
 */
import { importColumnsAsync } from "../../trace/import.ts";
import { transferOfPart } from "../../trace/columns.ts";
import type { ImportReply, ImportRequest } from "./import-protocol.ts";
import { asWholeFile } from "./whole-file.ts";

/** The worker's global scope (the project compiles against the DOM library, not WebWorker's). */
interface WorkerScope {
  postMessage(message: ImportReply, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ImportRequest>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (reply: ImportReply, transfer: Transferable[] = []): void => scope.postMessage(reply, transfer);

scope.addEventListener("message", (event) => {
  const { id, file } = event.data;
  void importColumnsAsync(asWholeFile(file), {
    // In a worker nothing else needs the thread: long slices, few pauses.
    sliceMs: 200,
    onProgress: (progress) => post({ id, kind: "progress", progress }),
    onPart: (part) => post({ id, kind: "part", part }, transferOfPart(part)),
  }).then((result) => {
    if (!result.ok) return post({ id, kind: "result", result });
    post({ id, kind: "result", result: { ok: true, rest: result.columns.rest, format: result.format } });
  });
});
