#!/usr/bin/env node
// The `aioscope` command. In a checkout it runs the CLI from its TypeScript sources through
// tsx, so it never runs stale code; the published package has no sources and runs the
// bundled dist/aioscope-cli.js (built by `npm run build:cli`, run by `npm pack`).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const sources = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const bundle = fileURLToPath(new URL("../dist/aioscope-cli.js", import.meta.url));

let cli;
if (existsSync(sources)) {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("aioscope: this is a checkout without its dependencies: run `npm install` first (or `npm start`, which does)\n");
    process.exit(3);
  }
  register();
  cli = await import(pathToFileURL(sources).href);
} else if (existsSync(bundle)) {
  cli = await import(pathToFileURL(bundle).href);
} else {
  process.stderr.write(`aioscope: neither ${sources} nor ${bundle} exists: reinstall aioscope\n`);
  process.exit(3);
}
await cli.main();
