/**
 * Messages between the panel and its import worker: a file goes in; progress, the trace's
 * four large collections as columns (each as soon as it is checked, so the panel rebuilds
 * one while the worker checks the next) and one result (the rest of the checked trace, or
 * the importer's precise error) come out.
 */
import type { ImportProgress, TraceFileFormat } from "../../trace/import.ts";
import type { TraceError } from "../../trace/model.ts";
import type { ColumnsPart, TraceColumns } from "../../trace/columns.ts";

export interface ImportRequest {
  readonly id: number;
  readonly file: Blob;
}

/** The importer's result: on success, the trace but its four parts (sent before it, src/trace/columns.ts). */
export type ColumnsResult =
  | { readonly ok: true; readonly rest: TraceColumns["rest"]; readonly format: TraceFileFormat }
  | { readonly ok: false; readonly error: TraceError };

export type ImportReply =
  | { readonly id: number; readonly kind: "progress"; readonly progress: ImportProgress }
  | { readonly id: number; readonly kind: "part"; readonly part: ColumnsPart }
  | { readonly id: number; readonly kind: "result"; readonly result: ColumnsResult };
