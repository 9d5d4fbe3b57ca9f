/**
 * The import worker: reads, parses and checks a dropped or chosen file with the trace
 * model's importer, off the panel's thread, posting progress as it goes. The checked trace
 * is plain data and crosses back by structured clone.
 */
import { importTraceAsync } from "../../trace/import.ts";
import type { ImportReply, ImportRequest } from "./import-protocol.ts";
import { asWholeText } from "./whole-text.ts";

/** The worker's global scope (the project compiles against the DOM library, not WebWorker's). */
interface WorkerScope {
  postMessage(message: ImportReply): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ImportRequest>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (reply: ImportReply): void => scope.postMessage(reply);

scope.addEventListener("message", (event) => {
  const { id, file } = event.data;
  void importTraceAsync(asWholeText(file), {
    // In a worker nothing else needs the thread: long slices, few pauses.
    sliceMs: 200,
    onProgress: (progress) => post({ id, kind: "progress", progress }),
  }).then((result) => post({ id, kind: "result", result }));
});
