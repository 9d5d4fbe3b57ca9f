/**
 * The filter by kind: which kinds of rows the timeline and its overview show. A kind is the
 * runtime's tasks or one colour group of native work (requests, script loads, workers,
 * timers…), the groups the legend explains. Hidden kinds leave the rows like a text filter
 * does: a node of a hidden kind disappears unless something shown lies under it (then it stays,
 * dimmed, so the tree still reads).
 */
import { NATIVE_GROUP_LABELS, NATIVE_GROUPS, nativeGroupOf, type NativeGroup } from "../../trace/native-names.ts";
import type { TimelineModel } from "./model.ts";

export type RowKind = "tasks" | NativeGroup;

export const ROW_KINDS: readonly RowKind[] = ["tasks", ...NATIVE_GROUPS];

export const ROW_KIND_LABELS: Readonly<Record<RowKind, string>> = { tasks: "Runtime tasks", ...NATIVE_GROUP_LABELS };

export function rowKindOf(model: TimelineModel, node: number): RowKind {
  return node < model.taskCount ? "tasks" : nativeGroupOf(model.trace.nativeOps[node - model.taskCount]!.kind);
}

/** The kinds the session has, in the menu's order. */
export function kindsPresent(model: TimelineModel): RowKind[] {
  return ROW_KINDS.filter((kind) => (kind === "tasks" ? model.taskCount > 0 : model.nativeGroups.has(kind)));
}

/** 1 for each node of a shown kind; null when no kind the session has is hidden. */
export function kindMask(model: TimelineModel, hidden: ReadonlySet<RowKind>): Uint8Array | null {
  if (!kindsPresent(model).some((kind) => hidden.has(kind))) return null;
  const mask = new Uint8Array(model.nodeCount);
  for (let node = 0; node < model.nodeCount; node++) if (!hidden.has(rowKindOf(model, node))) mask[node] = 1;
  return mask;
}

/** Nodes both masks keep (a null mask keeps everything). */
export function bothMasks(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (a === null) return b;
  if (b === null) return a;
  const out = new Uint8Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = a[k]! & b[k]!;
  return out;
}

const KEY = "aioscope.hiddenKinds";

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage disabled
  }
}

/** The kinds a person hid, remembered across DevTools sessions (unknown names are dropped). */
export function rememberedHiddenKinds(): Set<RowKind> {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(KEY) ?? "[]");
    return new Set(Array.isArray(parsed) ? ROW_KINDS.filter((kind) => parsed.includes(kind)) : []);
  } catch {
    return new Set();
  }
}

export function rememberHiddenKinds(hidden: ReadonlySet<RowKind>): void {
  try {
    storage()?.setItem(KEY, JSON.stringify(ROW_KINDS.filter((kind) => hidden.has(kind))));
  } catch {
    // A full or disabled storage: the filter still applies to this session.
  }
}
