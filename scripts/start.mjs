// `npm start`: the product working on the bundled demo, in one command. Gets what it needs
// (dependencies, a browser, a build; see prepare.mjs), then records the demo's scenarios
// headless through the real extension and DevTools panel, writing trace.json,
// trace.chrome.json and panel.png here and printing the summary.
// Extra arguments go to `aioscope record`: npm start -- --scenario deadlock
import { prepare, runCli, say } from "./prepare.mjs";

await prepare();
say("Recording the bundled demo: aioscope record --scenario all --out trace.json --chrome-trace trace.chrome.json --screenshot panel.png");
runCli(["record", "--scenario", "all", "--out", "trace.json", "--chrome-trace", "trace.chrome.json", "--screenshot", "panel.png", ...process.argv.slice(2)]);
