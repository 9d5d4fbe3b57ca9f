// `npm run dev`: with a display, Chromium with the extension loaded, the bundled demo open
// and DevTools showing the Async tab, for a person to try it. Gets what it needs first
// (prepare.mjs). Extra arguments go to `aioscope open`: npm run dev -- https://example.com
import { fail, prepare, runCli, say } from "./prepare.mjs";

if (process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail("npm run dev opens a browser window, and there is no display here (DISPLAY and WAYLAND_DISPLAY are unset).\n`npm start` records the demo headless instead.", 3);
}
await prepare();
say("Opening Chromium with the extension, DevTools on the Async tab: aioscope open");
runCli(["open", ...process.argv.slice(2)]);
