/**
 * Native operations drawn on their parent's row rather than on rows of their own (PART_KINDS):
 * a worker's messages, a request's queueing. Found once per model.
 */
import type { NativeOpRecord } from "../../trace/model.ts";
import { PART_KINDS } from "../../trace/native-names.ts";
import type { TimelineModel } from "./model.ts";

const partsByModel = new WeakMap<TimelineModel, Map<number, NativeOpRecord[]>>();

/** The parts of the operation with id `opId`, in start order (empty when it has none). */
export function partsOf(model: TimelineModel, opId: number): readonly NativeOpRecord[] {
  let parts = partsByModel.get(model);
  if (parts === undefined) {
    parts = new Map();
    for (const op of model.trace.nativeOps) {
      if (!PART_KINDS.has(op.kind) || op.parent === null) continue;
      let list = parts.get(op.parent);
      if (list === undefined) parts.set(op.parent, (list = []));
      list.push(op);
    }
    partsByModel.set(model, parts);
  }
  return parts.get(opId) ?? NONE;
}

const NONE: readonly NativeOpRecord[] = [];

/** When a request was sent, after waiting for a connection; null when its queueing was not recorded. */
export function queuedUntil(model: TimelineModel, op: NativeOpRecord): number | null {
  for (const part of partsOf(model, op.id)) if (part.kind === "requestQueue" && part.end !== null) return part.end;
  return null;
}

/** A worker's messages each way. */
export function messageCounts(model: TimelineModel, op: NativeOpRecord): { toWorker: number; fromWorker: number } {
  let toWorker = 0;
  let fromWorker = 0;
  for (const part of partsOf(model, op.id)) {
    if (part.kind !== "workerMessage") continue;
    if (isToWorker(part)) toWorker++;
    else fromWorker++;
  }
  return { toWorker, fromWorker };
}

/** A message the page posted to its worker (its label says so: "postMessage → worker"). */
export function isToWorker(part: NativeOpRecord): boolean {
  return part.label.startsWith("postMessage");
}
