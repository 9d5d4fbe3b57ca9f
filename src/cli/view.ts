/**
 * `aioscope view trace.json`: the Async panel's UI as a plain local web page showing a trace —
 * a bug report's trace, on a machine without the extension. The trace is checked first (a
 * file that is not a trace is refused here, precisely), then dist/viewer (the panel's inline
 * shell, built) and the file are served on 127.0.0.1 until Ctrl-C, and the user's browser is
 * opened on `/?trace=…` (or, with `--no-open`, only the URL is printed).
 *
 * Only this machine can reach the server, and only with the Host it was given: a web page
 * elsewhere cannot read the trace through a DNS name pointed at 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, extname, join, normalize, sep } from "node:path";
import type { ViewCommand } from "./args.ts";
import { CliError, EXIT, firstLine, type ExitStatus } from "./errors.ts";
import { newestMtime, packageFiles } from "./package-files.ts";
import { formatBytes, terminalSafe, type Io } from "./terminal.ts";
import { readTraceFile } from "./trace-file.ts";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json",
};

/** What the viewer is built from, in a checkout. */
const VIEWER_SOURCES = ["src/devtools", "src/trace", "src/runtime", "src/protocol"];

/**
 * dist/viewer, built. A checkout builds it with Vite when it is missing (`npm run build:viewer`);
 * a stale one is only reported, as for the extension.
 */
export async function ensureViewerBuilt(log: (line: string) => void): Promise<string> {
  const files = packageFiles();
  const dir = join(files.root, "dist/viewer");
  const index = join(dir, "index.html");
  if (existsSync(index)) {
    if (files.isCheckout && VIEWER_SOURCES.some((source) => newestMtime(join(files.root, source)) > statSync(index).mtimeMs)) {
      log("note: dist/viewer is older than its sources; `npm run build:viewer` rebuilds it");
    }
    return dir;
  }
  if (!files.isCheckout) throw new CliError(`the viewer is missing from ${dir}: reinstall aioscope`, EXIT.environment);
  log("building the viewer into dist/viewer (first run)…");
  try {
    const { build } = await import("vite");
    await build({ configFile: join(files.root, "src/cli/viewer.vite.config.ts"), logLevel: "warn" });
  } catch (error) {
    throw new CliError(`building the viewer failed (npm run build:viewer shows why): ${firstLine(error)}`, EXIT.environment);
  }
  if (!existsSync(index)) throw new CliError(`building the viewer wrote no ${index}`, EXIT.environment);
  return dir;
}

/** The command that opens a URL in the user's browser, on this platform. */
function opener(url: string): { command: string; args: string[] } {
  if (process.platform === "darwin") return { command: "open", args: [url] };
  if (process.platform === "win32") return { command: "cmd", args: ["/c", "start", "", url] };
  return { command: "xdg-open", args: [url] };
}

function openBrowser(url: string): Promise<string | null> {
  const { command, args } = opener(url);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: "ignore", detached: true });
      child.once("error", (error) => resolve(`${command}: ${error.message}`));
      child.once("spawn", () => {
        child.unref();
        resolve(null);
      });
    } catch (error) {
      resolve(`${command}: ${firstLine(error)}`);
    }
  });
}

export async function viewCommand(command: ViewCommand, io: Io): Promise<ExitStatus> {
  // Checked here, so a file that is no trace is said in the terminal, not in a blank page.
  const trace = await readTraceFile(command.file);
  const bytes = readFileSync(command.file);
  const viewer = await ensureViewerBuilt((line) => io.stderr.write(`${line}\n`));
  const name = basename(command.file);
  const tracePath = `/trace/${encodeURIComponent(name)}`;

  let host = "";
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.headers.host !== host) {
      response.writeHead(421, { "content-type": "text/plain; charset=utf-8" }).end("aioscope view answers only at its own address\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (path === tracePath) {
      response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", "content-length": bytes.byteLength });
      response.end(request.method === "HEAD" ? undefined : bytes);
      return;
    }
    const file = normalize(join(viewer, path === "/" ? "index.html" : path));
    if (!file.startsWith(viewer + sep) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    response.end(request.method === "HEAD" ? undefined : readFileSync(file));
  };

  const server = createServer(serve);
  await new Promise<void>((listening, failed) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      failed(new CliError(error.code === "EADDRINUSE" ? `port ${command.port} on 127.0.0.1 is in use: pick another with --port, or leave it out` : `cannot serve on 127.0.0.1:${command.port}: ${error.message}`, EXIT.usage));
    });
    server.listen(command.port, "127.0.0.1", listening);
  });
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  const url = `http://${host}/?trace=${encodeURIComponent(tracePath)}`;

  io.stderr.write(`aioscope: showing ${terminalSafe(command.file)} (${trace.tasks.length} tasks, ${formatBytes(bytes.byteLength)}) at:\n`);
  io.stdout.write(`${url}\n`);
  if (command.open) {
    const failed = await openBrowser(url);
    if (failed !== null) io.stderr.write(`aioscope: could not open a browser (${terminalSafe(failed)}): open the URL above yourself\n`);
  }
  io.stderr.write("Press Ctrl-C to stop.\n");

  await new Promise<void>((stopped) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.closeAllConnections();
      server.close(() => stopped());
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return EXIT.ok;
}
