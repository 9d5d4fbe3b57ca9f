/**
 * Messages between the panel and its import worker: a file goes in, progress and one result
 * (a whole checked trace, or the importer's precise error) come out.
 */
import type { ImportProgress, ImportResult } from "../../trace/import.ts";

export interface ImportRequest {
  readonly id: number;
  readonly file: Blob;
}

export type ImportReply =
  | { readonly id: number; readonly kind: "progress"; readonly progress: ImportProgress }
  | { readonly id: number; readonly kind: "result"; readonly result: ImportResult };
