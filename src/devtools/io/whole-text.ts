/**
 * A file as the importer reads it fastest: all its text at once. Given the Blob itself, the
 * importer streams it in chunks to report reading progress, and the joined chunks make a
 * string that is slower to read and to parse: about 4 s instead of 2 s for a 100 MB trace.
 * A local file reads in a fraction of a second, so its progress is not worth that.
 */
import type { BlobLike } from "../../trace/import.ts";

export function asWholeText(file: Blob): BlobLike {
  return { size: file.size, text: () => file.text() };
}
