/**
 * How the CLI fails: every failure a person can cause or meet (a bad option, no Chromium, an
 * unreachable page…) is a `CliError` carrying a one-line reason and the exit status it maps
 * to. Anything else that escapes is a bug, and is shown with its stack.
 */

/** Exit statuses, documented in `aioscope --help` and the README. */
export const EXIT = {
  ok: 0,
  /** `--fail-on` budget exceeded (the trace was written). */
  budget: 1,
  /** Bad command line, or an input file that is not a trace. */
  usage: 2,
  /** No usable Chromium, or no built extension. */
  environment: 3,
  /** The page could not be opened. */
  unreachable: 4,
  /** `--until-idle` gave up: the page kept working until the cap (the trace so far was written). */
  notIdle: 5,
  /** An output file could not be written. */
  output: 6,
  /** Something else went wrong while driving the browser. */
  browser: 7,
  /** `aioscope run`: the program exited with a status other than 0, or by a signal (its trace was written). */
  program: 8,
  /** Ctrl-C (the trace so far was written): 128 + SIGINT, as shells report it. */
  interrupted: 130,
  /** SIGTERM (the trace so far was written): 128 + SIGTERM. */
  terminated: 143,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(message: string, readonly exitStatus: ExitStatus) {
    super(message);
    this.name = "CliError";
  }
}

/** The first line of an error's message, without puppeteer's or Node's prefixes. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n").find((line) => line.trim() !== "") ?? text).trim();
}
