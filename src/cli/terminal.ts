/**
 * What the CLI prints, and where: the summary on stdout; progress, notes and errors on
 * stderr. The live progress line redraws itself in place on a terminal and stays silent
 * when stderr is a file or a pipe (a CI log gets the final line only).
 */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Characters a terminal acts on rather than shows: C0 controls (ESC starts colour, title and
 * clear-screen sequences; a newline forges a line), DEL, C1 controls (0x9b is a one-byte CSI),
 * Unicode line and paragraph separators, and bidirectional overrides that reorder what follows.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e" };

/**
 * Page-supplied text made safe to print: every character a terminal would act on is shown as
 * an escape (`\n`, `\e`, `\x07`, `\u2028`), so the result is one line of plain text that
 * cannot colour, retitle or clear the terminal, nor pass for a line of aioscope's own.
 *
 * @example
 * terminalSafe("ok\n\x1b[32mforged"); // "ok\\n\\e[32mforged"
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

const STYLES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof STYLES;
export type Paint = (style: Style, text: string) => string;

/** Colours only on a terminal, and never with NO_COLOR set (no-color.org). */
export function painter(stream: Io["stdout"], env: NodeJS.ProcessEnv): Paint {
  const enabled = stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "") && env.TERM !== "dumb";
  if (!enabled) return (_style, text) => text;
  return (style, text) => `\x1b[${STYLES[style][0]}m${text}\x1b[${STYLES[style][1]}m`;
}

export class ProgressLine {
  private readonly live: boolean;
  private shown = false;

  constructor(private readonly io: Io) {
    this.live = io.stderr.isTTY === true && io.env.TERM !== "dumb";
  }

  /** Replaces the line on a terminal; elsewhere does nothing. */
  update(text: string): void {
    if (!this.live) return;
    const width = (this.io.stderr as { columns?: number }).columns ?? 100;
    this.io.stderr.write(`\r\x1b[2K${text.length >= width ? `${text.slice(0, width - 2)}…` : text}`);
    this.shown = true;
  }

  /** A step worth a line in a log too: drawn live on a terminal, printed as a line elsewhere. */
  step(text: string): void {
    if (this.live) this.update(text);
    else this.io.stderr.write(`${text}\n`);
  }

  /** Ends the live line (if any) and prints `text` as a line of its own. */
  finish(text: string): void {
    this.clear();
    this.io.stderr.write(`${text}\n`);
  }

  /** Clears the live line so that another message can be printed. */
  clear(): void {
    if (this.shown) this.io.stderr.write("\r\x1b[2K");
    this.shown = false;
  }
}

/** "850 ms", "4.21 s", "2 min 5 s". */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3).replace(/\.?0+$/, "")} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
