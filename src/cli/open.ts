/**
 * `aioscope open` (and `npm run dev`): Chromium with a window, the extension loaded, the page
 * open and DevTools showing the Async tab — ready for a person. Runs until the browser is
 * closed or Ctrl-C.
 */
import type { OpenCommand } from "./args.ts";
import { launchBrowser, openDevTools, showAsyncPanel } from "./browser.ts";
import { requireBrowser } from "./chromium.ts";
import { CliError, EXIT, firstLine, type ExitStatus } from "./errors.ts";
import { ensureExtensionBuilt } from "./package-files.ts";
import { openPage, resolveTarget } from "./target.ts";
import type { Io } from "./terminal.ts";

export async function openCommand(command: OpenCommand, io: Io): Promise<ExitStatus> {
  if (process.platform === "linux" && !io.env.DISPLAY && !io.env.WAYLAND_DISPLAY) {
    throw new CliError("aioscope open needs a display (DISPLAY or WAYLAND_DISPLAY is unset); without one, `aioscope record` records headless", EXIT.environment);
  }
  const found = requireBrowser(io.env);
  const extensionDir = await ensureExtensionBuilt((line) => io.stderr.write(`${line}\n`));
  const target = await resolveTarget(command.url, command.scenario);
  // The demo opens on its list of scenarios, unless one was named (reload and record catches it).
  const url = target.demo !== null && command.scenario !== null ? target.demo.scenarioUrl : target.url;
  try {
    const browser = await launchBrowser({ browser: found, extensionDir, show: true });
    const closed = new Promise<void>((resolve) => browser.once("disconnected", () => resolve()));
    const stop = (): void => void browser.close();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      const page = (await browser.pages())[0] ?? (await browser.newPage());
      await openPage(page, url, (line) => io.stderr.write(`${line}\n`));
      const devtools = await openDevTools(page, { headless: false });
      await showAsyncPanel(devtools, { headless: false });
      io.stderr.write(`aioscope: ${url} is open, with DevTools on the Async tab: press record (Ctrl+E), or reload and record (Ctrl+Shift+E).\n`);
      if (target.demo !== null && command.scenario === null) io.stderr.write("Then run a scenario with its button on the demo page.\n");
      io.stderr.write("Close the browser, or press Ctrl-C here, to quit.\n");
    } catch (error) {
      await browser.close().catch(() => {});
      if (error instanceof CliError) throw error;
      throw new CliError(`could not open DevTools on the Async tab: ${firstLine(error)}`, EXIT.browser);
    }
    await closed;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    return EXIT.ok;
  } finally {
    await target.close().catch(() => {});
  }
}
