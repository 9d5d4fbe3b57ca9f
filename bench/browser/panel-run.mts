/**
 * `npm run bench:panel`: the Async panel's budgets on its own (bench/browser/panel.ts).
 */
import { printFigures } from "../harness.ts";
import { panelFigures } from "./panel.ts";

process.stderr.write("measuring the panel (headless Chromium)…\n");
// `npm run bench:panel -- inline` imports on the panel's thread instead of in the worker.
const figures = await panelFigures(process.argv[2] === "inline" ? "inline" : "worker");
console.log(`aioscope panel benchmark — node ${process.version}, ${new Date().toISOString()}`);
const ok = printFigures(figures);
console.log(ok ? "\nall budgets met" : "\nsome budgets are not met (marked OVER)");
