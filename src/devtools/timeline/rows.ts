/**
 * The rows the timeline shows, in order: a depth-first walk of the task tree that skips the
 * children of collapsed nodes and, while a filter is set, every node that neither matches nor
 * has a matching descendant (ancestors of matches stay, so the tree still reads).
 *
 * A repeating series (model.ts) is folded by default: one row, its first member's, standing for
 * all of them ("requestAnimationFrame ×80"), until it is unfolded. A series head's toggle is
 * that fold: in the `collapsed` set, a head means "unfolded" (and its own children then show).
 * While a filter is set nothing is folded, so every match has its own row.
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
  /** For each row: the members its folded series stands for, 0 for a row of one node. */
  readonly seriesCount: Int32Array;
}

/**
 * Whether `node` shows folded: a series head not unfolded, or a node with children collapsed.
 * `collapsed` holds the nodes toggled from their default (see the top of this file).
 */
export function isFolded(model: TimelineModel, collapsed: ReadonlySet<number>, node: number, filtered = false): boolean {
  if (model.seriesSize[node]! > 1) return !filtered && !collapsed.has(node);
  return collapsed.has(node);
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
  const filtered = matches !== null;
  const nodes = new Int32Array(nodeCount);
  const rowOf = new Int32Array(nodeCount).fill(-1);
  const seriesCount = new Int32Array(nodeCount);
  let rows = 0;
  const stack: number[] = [];
  for (let r = model.roots.length - 1; r >= 0; r--) stack.push(model.roots[r]!);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (keep !== null && keep[node] !== 1) continue;
    if (rowOf[node] !== -1) continue;
    const row = rows++;
    rowOf[node] = row;
    nodes[row] = node;
    if (isFolded(model, collapsed, node, filtered)) {
      if (model.seriesSize[node]! > 1) {
        // The head's row stands for every member (they come later among the same siblings).
        seriesCount[row] = model.seriesSize[node]!;
        for (let m = model.seriesNext[node]!; m >= 0; m = model.seriesNext[m]!) rowOf[m] = row;
      }
      continue;
    }
    for (let c = childOffsets[node + 1]! - 1; c >= childOffsets[node]!; c--) stack.push(childList[c]!);
  }
  return {
    nodes: nodes.subarray(0, rows),
    rowOf,
    matches: matches ?? new Uint8Array(nodeCount).fill(1),
    filtered,
    matchCount,
    seriesCount: seriesCount.subarray(0, rows),
  };
}

/**
 * The nodes to unfold (toggle) so that `node` has a row of its own: its folded ancestors, and
 * the folded series it or an ancestor belongs to. The walk is bounded by the node count: the
 * importer refuses parent and cause cycles, and this stays finite even without it.
 */
export function collapsedAncestors(model: TimelineModel, collapsed: ReadonlySet<number>, node: number): number[] {
  const out: number[] = [];
  let steps = 0;
  for (let at = node; at >= 0 && steps <= model.nodeCount; at = model.parent[at]!, steps++) {
    if (at !== node && isFolded(model, collapsed, at)) out.push(at);
    const head = model.seriesHead[at]!;
    if (head >= 0 && head !== at && isFolded(model, collapsed, head) && !out.includes(head)) out.push(head);
  }
  return out;
}
