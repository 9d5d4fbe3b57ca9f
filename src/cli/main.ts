/**
 * The `aioscope` command: parses the command line, runs the command, and turns every
 * `CliError` into one line on stderr and its exit status. bin/aioscope.mjs calls `main`.
 */
import { parseCommandLine, USAGE } from "./args.ts";
import { analyzeCommand } from "./analyze.ts";
import { diffCommand } from "./diff.ts";
import { CliError, EXIT, type ExitStatus } from "./errors.ts";
import { openCommand } from "./open.ts";
import { psCommand } from "./ps.ts";
import { packageFiles } from "./package-files.ts";
import { recordCommand } from "./record.ts";
import { runCommand } from "./run.ts";
import { processIo, terminalSafe, type Io } from "./terminal.ts";
import { viewCommand } from "./view.ts";

export async function runCli(argv: readonly string[], io: Io = processIo): Promise<ExitStatus> {
  try {
    const command = parseCommandLine(argv);
    switch (command.command) {
      case "help":
        io.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
      case "version":
        io.stdout.write(`aioscope ${packageFiles().version}\n`);
        return EXIT.ok;
      case "record":
        return await recordCommand(command, io);
      case "analyze":
        return await analyzeCommand(command, io);
      case "diff":
        return await diffCommand(command, io);
      case "open":
        return await openCommand(command, io);
      case "run":
        return await runCommand(command, io);
      case "view":
        return await viewCommand(command, io);
      case "ps":
        return await psCommand(command, io);
    }
  } catch (error) {
    if (error instanceof CliError) {
      // Messages may quote the page (a crash reason) or a file (an importer error): one safe line.
      io.stderr.write(`aioscope: ${terminalSafe(error.message)}\n`);
      return error.exitStatus;
    }
    io.stderr.write(`aioscope: unexpected error (a bug: please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.browser;
  }
}

/** Runs the CLI on this process' arguments and exits with its status. */
export async function main(): Promise<void> {
  const status = await runCli(process.argv.slice(2));
  // Let stdout drain before exiting (it may be a pipe).
  process.exitCode = status;
  setTimeout(() => process.exit(status), 0).unref();
}
