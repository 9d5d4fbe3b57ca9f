/**
 * A small benchmark harness: every case is measured side by side in one process, warmed up
 * first, and reported as the median of several runs in nanoseconds per operation. Budgets
 * are ratios between rows of one run, never absolute timings.
 *
 * No forced GC between samples: V8 drops optimised code on a full collection, so a forced
 * `gc()` before every sample measures JIT warm-up instead of the steady state a long-running
 * page is in. Memory figures force collections themselves.
 */

export interface BenchRow {
  /** What is being done, e.g. "spawn+gather 100k tasks". Rows of one group are compared. */
  readonly group: string;
  /** Who does it, e.g. "runtime", "runtime + recorder", "plain Promise". */
  readonly variant: string;
  readonly ops: number;
  readonly nsPerOp: number;
  /** The variant the budget compares against in this group. */
  readonly baseline?: boolean;
  /** The largest ratio allowed, if the row has a budget: to the baseline, or to `against`. */
  readonly budget?: number;
  /** The variant the budget is measured against, when it is not the baseline. */
  readonly against?: string;
  /** An absolute budget (a total time, bytes an event) the row's own case judged: its verdict. */
  readonly absolute?: { readonly ok: boolean; readonly budget: string };
  readonly note?: string;
}

/** The median of `values` (of an even count, the mean of the middle two), as every figure here reports it. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A distribution-free 95% confidence interval of the median of `values` (its order statistics
 * whose ranks a Binomial(n, ½) keeps between them with at least that probability): how far the
 * median of another run of the same size could fall. A budget's figure within a few percent of
 * its limit means nothing unless this interval is on one side of it. Null under 6 values,
 * which cannot give 95%.
 */
export function medianInterval(values: readonly number[]): readonly [number, number] | null {
  const n = values.length;
  // P(X < k) for X ~ Binomial(n, ½): the largest k with P ≤ 2.5% leaves ranks k+1…n−k (1-based).
  let below = 0;
  let coefficient = 1; // C(n, k)
  const half = 0.5 ** n;
  let k = 0;
  while (k < n) {
    const next = below + coefficient * half;
    if (next > 0.025) break;
    below = next;
    coefficient = (coefficient * (n - k)) / (k + 1);
    k++;
  }
  if (k === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[k - 1]!, sorted[n - k]!];
}

export interface MeasureOptions {
  runs?: number;
  warmups?: number;
}

/**
 * One contender of `measureAlternating`: a body and what runs untimed after each call of it.
 * A body that times itself (another process, say) resolves to its own ns per operation.
 */
export type Contender =
  | { readonly body: () => Promise<unknown> | unknown; readonly between?: () => void }
  | { readonly timedBody: () => Promise<number> };

/**
 * Median ns per operation of each contender, measured in alternation: one call of each in
 * turn, round after round, so a change in the machine's load while the group runs falls on
 * every contender alike and their ratios stay meaningful on a shared machine. The order of
 * the calls changes every round: in a fixed order, the collections of the garbage one
 * contender leaves (100 000 finished tasks, a recorder's batch) fall on the one after it, and
 * a collection every few calls can fall on the same contender round after round.
 */
export async function measureAlternating(contenders: readonly Contender[], ops: number, options: MeasureOptions = {}): Promise<number[]> {
  const runs = options.runs ?? 7;
  const warmups = options.warmups ?? 5;
  const samples: number[][] = contenders.map(() => []);
  const order = contenders.map((_, c) => c);
  let seed = 0x9e3779b9;
  for (let round = 0; round < warmups + runs; round++) {
    // A Fisher–Yates shuffle with a fixed seed: every run of the bench takes the same orders.
    for (let k = order.length - 1; k > 0; k--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = (seed >>> 16) % (k + 1);
      [order[k], order[j]] = [order[j]!, order[k]!];
    }
    for (const c of order) {
      const contender = contenders[c]!;
      let ns: number;
      if ("timedBody" in contender) {
        ns = await contender.timedBody();
      } else {
        const start = process.hrtime.bigint();
        await contender.body();
        ns = Number(process.hrtime.bigint() - start) / ops;
        contender.between?.();
      }
      if (round >= warmups) samples[c]!.push(ns);
    }
  }
  return samples.map(median);
}

function formatNs(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

/** Prints rows grouped, each with its ratio to the group's baseline and its budget verdict. */
export function printTable(rows: readonly BenchRow[]): boolean {
  const groups = new Map<string, BenchRow[]>();
  for (const row of rows) {
    const list = groups.get(row.group) ?? [];
    list.push(row);
    groups.set(row.group, list);
  }
  const lines: string[][] = [["benchmark", "variant", "ops", "per op", "vs baseline", "budget"]];
  let withinBudgets = true;
  for (const [group, list] of groups) {
    const baseline = list.find((r) => r.baseline === true);
    for (const row of list) {
      const ratio = baseline !== undefined ? row.nsPerOp / baseline.nsPerOp : NaN;
      let verdict = "";
      const reference = row.against !== undefined ? list.find((r) => r.variant === row.against) : baseline;
      if (row.budget !== undefined && reference !== undefined) {
        const budgetRatio = row.nsPerOp / reference.nsPerOp;
        const ok = budgetRatio <= row.budget;
        if (!ok) withinBudgets = false;
        verdict = `${ok ? "ok" : "OVER"}: ${budgetRatio.toFixed(2)}× ${row.against ?? "baseline"} (≤ ${row.budget}×)`;
      }
      if (row.absolute !== undefined) {
        if (!row.absolute.ok) withinBudgets = false;
        verdict = `${row.absolute.ok ? "ok" : "OVER"} (${row.absolute.budget})`;
      }
      lines.push([
        group,
        row.variant + (row.note !== undefined ? ` (${row.note})` : ""),
        row.ops.toLocaleString("en-US"),
        formatNs(row.nsPerOp),
        row.baseline === true ? "baseline" : Number.isNaN(ratio) ? "" : `${ratio.toFixed(2)}×`,
        verdict,
      ]);
    }
  }
  const widths = lines[0]!.map((_, col) => Math.max(...lines.map((l) => l[col]!.length)));
  const render = (l: string[]): string => l.map((cell, col) => (col >= 2 && col <= 4 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join("  ").trimEnd();
  console.log(render(lines[0]!));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  let previous = "";
  for (const line of lines.slice(1)) {
    if (line[0] === previous) line[0] = "";
    else previous = line[0]!;
    console.log(render(line));
  }
  return withinBudgets;
}

/** A figure that is not a per-operation time: a rate, a size, a ratio measured elsewhere. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly budget?: { readonly max?: number; readonly min?: number };
  readonly note?: string;
}

function formatFigure(value: number, unit: string): string {
  if (unit === "×") return `${value.toFixed(3)}×`;
  if (Math.abs(value) >= 1000) return `${Math.round(value).toLocaleString("en-US")} ${unit}`;
  return `${value.toFixed(2)} ${unit}`;
}

/** Prints figures with their budget verdicts; returns whether every budget holds. */
export function printFigures(figures: readonly BenchFigure[]): boolean {
  let ok = true;
  for (const figure of figures) {
    const { max, min } = figure.budget ?? {};
    const within = (max === undefined || figure.value <= max) && (min === undefined || figure.value >= min);
    if (!within) ok = false;
    const budget = figure.budget === undefined ? "" : `  ${within ? "ok" : "OVER"} (${[min !== undefined ? `≥ ${formatFigure(min, figure.unit)}` : "", max !== undefined ? `≤ ${formatFigure(max, figure.unit)}` : ""].filter(Boolean).join(", ")})`;
    console.log(`${figure.name}: ${formatFigure(figure.value, figure.unit)}${figure.note !== undefined ? ` — ${figure.note}` : ""}${budget}`);
  }
  return ok;
}
