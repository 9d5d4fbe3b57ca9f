/**
 * A file as the importer reads it fastest: all its bytes at once, parsed without ever making
 * them one string (src/trace/json-bytes.ts). Given the Blob itself, the importer streams it
 * in chunks to report reading progress, and the joined chunks make a string that is slower to
 * read and to parse; a local file reads in a fraction of a second, so its progress is not
 * worth that.
 */
import type { BlobLike } from "../../trace/import.ts";

export function asWholeFile(file: Blob): BlobLike {
  return { size: file.size, text: () => file.text(), arrayBuffer: () => file.arrayBuffer() };
}
