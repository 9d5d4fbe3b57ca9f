/**
 * The rows the timeline shows, in order: a depth-first walk of the task tree that skips the
 * children of collapsed nodes and, while a filter is set, every node that neither matches nor
 * has a matching descendant (ancestors of matches stay, so the tree still reads).
 */
import { nodeName, type TimelineModel } from "./model.ts";
import { formatId } from "../format.ts";

export interface RowList {
  /** Node shown on each row. */
  readonly nodes: Int32Array;
  /** Row of each node, or -1 when it is hidden. */
  readonly rowOf: Int32Array;
  /** 1 where the node matches the filter (all 1 without a filter). */
  readonly matches: Uint8Array;
  readonly filtered: boolean;
  readonly matchCount: number;
}

/**
 * Which nodes a filter matches: its words must all occur in the node's name, its id ("#12"),
 * its kind or its outcome, case-insensitively.
 */
/** Each node's searchable text, lower-cased, built once per model. */
const searchTexts = new WeakMap<TimelineModel, string[]>();

function searchTextOf(model: TimelineModel): string[] {
  let texts = searchTexts.get(model);
  if (texts !== undefined) return texts;
  texts = new Array<string>(model.nodeCount);
  for (let node = 0; node < model.nodeCount; node++) {
    let text = nodeName(model, node);
    if (node < model.taskCount) {
      const task = model.trace.tasks[node]!;
      text += ` ${formatId(task.id)} ${task.kind} ${task.outcome}`;
    } else {
      const op = model.trace.nativeOps[node - model.taskCount]!;
      text += ` native ${op.outcome ?? "pending"}`;
    }
    texts[node] = text.toLowerCase();
  }
  searchTexts.set(model, texts);
  return texts;
}

/**
 * Which nodes a filter matches: its words must all occur in the node's name, its id ("#12"),
 * its kind or its outcome, case-insensitively. Null when the filter is empty.
 */
export function matchFilter(model: TimelineModel, filter: string): Uint8Array | null {
  const words = filter.trim().toLowerCase().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return null;
  const texts = searchTextOf(model);
  const out = new Uint8Array(model.nodeCount);
  for (let node = 0; node < model.nodeCount; node++) {
    const text = texts[node]!;
    let all = true;
    for (const word of words) {
      if (!text.includes(word)) {
        all = false;
        break;
      }
    }
    if (all) out[node] = 1;
  }
  return out;
}

export function buildRows(model: TimelineModel, collapsed: ReadonlySet<number>, matches: Uint8Array | null): RowList {
  const { nodeCount, childOffsets, childList, parent } = model;
  let keep: Uint8Array | null = null;
  let matchCount = nodeCount;
  if (matches !== null) {
    keep = new Uint8Array(nodeCount);
    matchCount = 0;
    for (let node = 0; node < nodeCount; node++) {
      if (matches[node] !== 1) continue;
      matchCount++;
      for (let up = node; up >= 0 && keep[up] !== 1; up = parent[up]!) keep[up] = 1;
    }
  }
  const nodes = new Int32Array(nodeCount);
  const rowOf = new Int32Array(nodeCount).fill(-1);
  let rows = 0;
  const stack: number[] = [];
  for (let r = model.roots.length - 1; r >= 0; r--) stack.push(model.roots[r]!);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (keep !== null && keep[node] !== 1) continue;
    if (rowOf[node] !== -1) continue;
    rowOf[node] = rows;
    nodes[rows++] = node;
    if (collapsed.has(node)) continue;
    for (let c = childOffsets[node + 1]! - 1; c >= childOffsets[node]!; c--) stack.push(childList[c]!);
  }
  return {
    nodes: nodes.subarray(0, rows),
    rowOf,
    matches: matches ?? new Uint8Array(nodeCount).fill(1),
    filtered: matches !== null,
    matchCount,
  };
}

/**
 * The nodes to expand so that `node` is shown: its collapsed ancestors. The walk is bounded by
 * the node count: the importer refuses parent cycles, and this stays finite even without it.
 */
export function collapsedAncestors(model: TimelineModel, collapsed: ReadonlySet<number>, node: number): number[] {
  const out: number[] = [];
  let steps = 0;
  for (let up = model.parent[node]!; up >= 0 && steps < model.nodeCount; up = model.parent[up]!, steps++) if (collapsed.has(up)) out.push(up);
  return out;
}
