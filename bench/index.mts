/**
 * `npm run bench`: every benchmark, one table, one run. Budgets are ratios to a baseline row
 * measured in the same process. Exit status stays 0: the table is the report.
 */
import { printTable, type BenchRow } from "./harness.ts";
import { runtimeCoreCases } from "./cases/runtime-core.ts";

const suites: [string, () => Promise<BenchRow[]>][] = [
  ["runtime core", runtimeCoreCases],
];

const only = process.argv[2];
const rows: BenchRow[] = [];
for (const [name, suite] of suites) {
  if (only !== undefined && !name.includes(only)) continue;
  process.stderr.write(`measuring ${name}…\n`);
  rows.push(...(await suite()));
}
console.log(`aioscope benchmarks — node ${process.version}, ${new Date().toISOString()}`);
const ok = printTable(rows);
console.log(ok ? "\nall budgets met" : "\nsome budgets are not met (rows marked OVER)");
