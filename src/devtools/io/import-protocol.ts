/**
 * Messages between the panel and its import worker: a file goes in, progress and one result
 * (a whole checked trace as columns, or the importer's precise error) come out.
 */
import type { ImportProgress, TraceFileFormat } from "../../trace/import.ts";
import type { TraceError } from "../../trace/model.ts";
import type { TraceColumns } from "../../trace/columns.ts";

export interface ImportRequest {
  readonly id: number;
  readonly file: Blob;
}

/** The importer's result, with a trace as columns (src/trace/columns.ts) rather than objects. */
export type ColumnsResult =
  | { readonly ok: true; readonly columns: TraceColumns; readonly format: TraceFileFormat }
  | { readonly ok: false; readonly error: TraceError };

export type ImportReply =
  | { readonly id: number; readonly kind: "progress"; readonly progress: ImportProgress }
  | { readonly id: number; readonly kind: "result"; readonly result: ColumnsResult };
