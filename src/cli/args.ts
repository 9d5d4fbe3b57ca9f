/**
 * The command line: `aioscope record|analyze|diff|open …`, parsed into a `Command` or refused with
 * a one-line `CliError` (exit status 2). Pure: no I/O, so the e2e tests and the help text
 * agree on one grammar.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { InsightKind } from "../trace/analysis.ts";
import type { DiffCommand } from "./diff.ts";
import { CliError, EXIT } from "./errors.ts";

/** What `--fail-on` holds a trace to. Every check left null or false is off. */
export interface Budget {
  /** Fail when the analysis has any warning. */
  readonly warnings: boolean;
  /** Fail when the analysis finds a deadlock. */
  readonly deadlock: boolean;
  /** Fail when a task step ran longer than this (ms). */
  readonly slowStepMs: number | null;
  /** Fail when more tasks than this were alive at once. */
  readonly maxConcurrency: number | null;
  /** Fail when the analysis finds an insight of one of these kinds. */
  readonly insights: readonly InsightKind[];
}

export const NO_BUDGET: Budget = { warnings: false, deadlock: false, slowStepMs: null, maxConcurrency: null, insights: [] };

/** The insight kinds `--fail-on` accepts, as src/trace's analysis names them. */
export const INSIGHT_KINDS: readonly InsightKind[] = [
  "sequential-awaits", "duplicate-request", "lost-error", "pending-at-end", "lock-across-wait", "blocked-loop", "timer-storm", "unbounded-queue",
];

export interface RecordCommand {
  readonly command: "record";
  /** The page to record; null for the bundled demo. */
  readonly url: string | null;
  readonly scenario: string | null;
  /** Record for this long (ms); null records until idle. */
  readonly durationMs: number | null;
  /** With `--until-idle`: give up after this long (ms). */
  readonly timeoutMs: number;
  readonly out: string;
  readonly chromeTrace: string | null;
  readonly screenshot: string | null;
  /** Where the recording begins (see RecordStart). */
  readonly start: RecordStart;
  readonly show: boolean;
  readonly budget: Budget;
}

/**
 * Where a recording of a named page begins. `firstScript` (the default): the recording starts
 * on a blank page and the CLI then opens the URL, so the page's start-up is in the trace and
 * the page runs once. `reload`: the page opens, DevTools attaches, the page is reloaded.
 * `attach`: the page opens and loads, then the recording starts ("from now").
 */
export type RecordStart = "firstScript" | "reload" | "attach";

export interface AnalyzeCommand {
  readonly command: "analyze";
  readonly file: string;
  readonly budget: Budget;
  /** Print the whole analysis as JSON instead of the summary. */
  readonly json: boolean;
}

export interface OpenCommand {
  readonly command: "open";
  readonly url: string | null;
  readonly scenario: string | null;
}

export interface RunCommand {
  readonly command: "run";
  /** The Node program to run (a path; node resolves it). */
  readonly script: string;
  /** Its arguments: what follows the script, less aioscope's own options (all after `--`). */
  readonly args: readonly string[];
  readonly out: string;
  readonly chromeTrace: string | null;
  readonly budget: Budget;
}

export interface ViewCommand {
  readonly command: "view";
  readonly file: string;
  /** The port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Open the user's browser on the page (else only print its URL). */
  readonly open: boolean;
}

export interface PsCommand {
  readonly command: "ps";
  /** The page; null for the bundled demo. */
  readonly url: string | null;
  readonly scenario: string | null;
  /** How long to let the page run after it loaded before asking (ms). */
  readonly afterMs: number;
  readonly json: boolean;
}

export type Command =
  | RecordCommand
  | PsCommand
  | AnalyzeCommand
  | DiffCommand
  | OpenCommand
  | RunCommand
  | ViewCommand
  | { readonly command: "help"; readonly topic: HelpTopic | null }
  | { readonly command: "version" };

type HelpTopic = "record" | "analyze" | "diff" | "open" | "run" | "view" | "ps";
const HELP_TOPICS: readonly string[] = ["record", "analyze", "diff", "open", "run", "view", "ps"] satisfies HelpTopic[];

/** `aioscope ps` waits this long after the page loaded, unless --after says otherwise. */
export const DEFAULT_PS_AFTER_MS = 1000;

export const DEFAULT_OUT = "trace.json";
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export const USAGE = `aioscope: record and analyze what a page's asynchronous code does

Usage:
  aioscope record [url] [options]   record a page through the real DevTools "Async" panel
  aioscope analyze <trace.json>     print the summary of a saved trace (--json: all of it)
  aioscope diff <before> <after>    compare two traces: wall time, task names, insights
  aioscope open [url]               open Chromium (needs a display) with the extension,
                                    DevTools on the Async tab; waits until you close it
  aioscope run <script.mjs> [args]  run a Node program, recording every runtime in it
  aioscope view <trace.json>        show a trace in the Async panel's UI, as a local web
                                    page (no extension needed); waits until Ctrl-C
  aioscope ps [url]                 what every task of a page is waiting for now, as a tree
                                    (asyncio pstree), ending with any deadlock

Without a url, record and open use the bundled demo (served on 127.0.0.1).
record records a page from its first script: the recording starts before the page opens.

record options:
  --scenario NAME        a demo scenario (?scenario=NAME), e.g. all, gather, deadlock
  --until-idle           stop when the page goes idle (the default): for a second, the page
                         answers that no runtime task is pending and no fetch, XHR or one-shot
                         timer is in flight, and answers promptly (setInterval and animation
                         loops do not count); for the demo, its scenario has also settled
  --timeout 30s          with --until-idle, give up after this long (exit status 5)
  --duration 5s          record for a fixed time instead (500ms, 5s, 1m)
  --attach               open the page, let it load, and only then start recording ("from now")
  --reload               open the page, then reload it once DevTools is open and record the
                         reloaded document from its first script
  --out trace.json       the aioscope trace (default trace.json)
  --chrome-trace FILE    also a Chrome Trace Event file (Perfetto, the Performance panel)
  --screenshot FILE      also a PNG of the Async panel after the recording
  --show                 show the browser window instead of running headless
  --fail-on CHECKS       exit with status 1 when the trace breaks a budget (see below)

analyze options:
  --json                 print the whole analysis (summary, warnings, insights…) as JSON
  --fail-on CHECKS       comma-separated, or repeated: warnings, deadlock,
                         slow-step>100ms, max-concurrency>N, or an insight kind:
                         sequential-awaits, duplicate-request, lost-error, pending-at-end,
                         lock-across-wait, blocked-loop, timer-storm, unbounded-queue

run options (the script's own arguments follow it; put any that look like aioscope's
after --, e.g. aioscope run main.mjs --out t.json -- --verbose):
  --out trace.json       the aioscope trace (default trace.json)
  --chrome-trace FILE    also a Chrome Trace Event file
  --fail-on CHECKS       as for analyze
  The program's output passes through; the summary follows it on stdout. A program that
  exits with a status other than 0, or by a signal, still gives its trace (exit status 8).

ps options (it records nothing):
  --after 2s             let the page run this long after it loaded, then ask (default 1s)
  --scenario NAME        a demo scenario, as for record
  --json                 print each frame's tasks, tree order and deadlocks as JSON

view options:
  --port N               serve on 127.0.0.1:N (default: a free port)
  --no-open              only print the page's URL; do not open a browser

diff options:
  --json                 print the comparison as JSON
  --fail-on regression>20%
                         exit with status 1 when the wall time, or a task name's p50 or p95
                         duration, grew by more than this

Chromium: CHROME_PATH, else /usr/bin/chromium, else an installed Chrome or Chromium (148+).
AIOSCOPE_CHROMIUM_FLAGS adds flags to its command line (space-separated).

Exit status: 0 ok · 1 a --fail-on budget was broken · 2 bad usage or not a trace ·
3 no Chromium or no built extension · 4 page unreachable · 5 page never went idle ·
6 an output file could not be written · 7 the browser failed · 8 the program run failed
(its trace was written) · 130 interrupted (Ctrl-C;
143 for SIGTERM). Statuses 1, 5, 130 and 143 still write the trace recorded so far; a file
that cannot be written after the recording goes to a fallback file (status 6, which names it).`;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/**
 * Milliseconds from "500ms", "5s", "1.5s" or "1m".
 *
 * @example
 * parseDuration("5s", "--duration"); // 5000
 */
export function parseDuration(text: string, option: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new CliError(`${option} ${JSON.stringify(text)} is not a duration: write it as 500ms, 5s or 1m`, EXIT.usage);
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!(ms > 0)) throw new CliError(`${option} must be longer than 0 (got ${text})`, EXIT.usage);
  return ms;
}

/**
 * The checks of one or more `--fail-on` values.
 *
 * @example
 * parseBudget(["deadlock,slow-step>100ms"]); // { deadlock: true, slowStepMs: 100, … }
 */
export function parseBudget(values: readonly string[]): Budget {
  let budget: Budget = NO_BUDGET;
  for (const item of values.flatMap((value) => value.split(",")).map((s) => s.trim()).filter((s) => s !== "")) {
    const slow = /^slow-step>(.+)$/.exec(item);
    const peak = /^max-concurrency>(.+)$/.exec(item);
    if (item === "warnings") budget = { ...budget, warnings: true };
    else if (item === "deadlock") budget = { ...budget, deadlock: true };
    else if ((INSIGHT_KINDS as readonly string[]).includes(item)) budget = { ...budget, insights: [...budget.insights, item as InsightKind] };
    else if (slow !== null) budget = { ...budget, slowStepMs: parseDuration(slow[1]!, "--fail-on slow-step>") };
    else if (peak !== null) {
      const n = Number(peak[1]);
      if (!/^\d+$/.test(peak[1]!) || !Number.isSafeInteger(n)) {
        throw new CliError(`--fail-on max-concurrency>${peak[1]}: the limit must be a whole number of tasks, e.g. max-concurrency>50`, EXIT.usage);
      }
      budget = { ...budget, maxConcurrency: n };
    } else {
      throw new CliError(`--fail-on ${JSON.stringify(item)} is not a check: use warnings, deadlock, slow-step>100ms, max-concurrency>N or an insight kind (aioscope analyze --help)`, EXIT.usage);
    }
  }
  return budget;
}

const RECORD_OPTIONS = {
  scenario: { type: "string" },
  duration: { type: "string" },
  "until-idle": { type: "boolean" },
  timeout: { type: "string" },
  out: { type: "string", short: "o" },
  "chrome-trace": { type: "string" },
  screenshot: { type: "string" },
  reload: { type: "boolean" },
  attach: { type: "boolean" },
  show: { type: "boolean" },
  "fail-on": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const ANALYZE_OPTIONS = {
  "fail-on": { type: "string", multiple: true },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const DIFF_OPTIONS = {
  "fail-on": { type: "string", multiple: true },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/**
 * The threshold of `--fail-on regression>20%`, as a ratio (0.2).
 *
 * @example
 * parseRegression(["regression>20%"]); // 0.2
 */
export function parseRegression(values: readonly string[]): number | null {
  let threshold: number | null = null;
  for (const item of values.flatMap((value) => value.split(",")).map((s) => s.trim()).filter((s) => s !== "")) {
    const match = /^regression>(\d+(?:\.\d+)?)%$/.exec(item);
    if (match === null) throw new CliError(`--fail-on ${JSON.stringify(item)} is not a diff check: use regression>N% (e.g. regression>20%)`, EXIT.usage);
    threshold = Number(match[1]) / 100;
  }
  return threshold;
}

const OPEN_OPTIONS = {
  scenario: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const RUN_OPTIONS = {
  out: { type: "string", short: "o" },
  "chrome-trace": { type: "string" },
  "fail-on": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const PS_OPTIONS = {
  after: { type: "string" },
  scenario: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const VIEW_OPTIONS = {
  port: { type: "string" },
  "no-open": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/** node:util's parseArgs, with its errors turned into one line naming the command. */
function parse<O extends NonNullable<ParseArgsConfig["options"]>>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    // parseArgs quotes the option as it was typed ('--frobnicate') or as declared ('-o, --out <value>').
    const quoted = /'(-[^']*)'/.exec((error as Error).message)?.[1];
    const option = quoted === undefined ? undefined : (/--[\w-]+/.exec(quoted)?.[0] ?? quoted);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const hint = command === "run" ? `; the program's own options go after --: aioscope run script.mjs -- ${option ?? "--option"}` : "";
      throw new CliError(`unknown option ${option ?? ""} for aioscope ${command} (aioscope ${command} --help lists them)${hint}`, EXIT.usage);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && /does not take an argument/.test((error as Error).message)) {
      throw new CliError(`${option ?? "an option"} takes no value (aioscope ${command} --help)`, EXIT.usage);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new CliError(`${option ?? "an option"} needs a value (aioscope ${command} --help)`, EXIT.usage);
    }
    throw new CliError(`${(error as Error).message} (aioscope ${command} --help)`, EXIT.usage);
  }
}

function atMostOne(command: string, positionals: readonly string[], what: string): string | null {
  if (positionals.length > 1) {
    throw new CliError(`aioscope ${command} takes one ${what}, got ${positionals.length}: ${positionals.join(" ")}`, EXIT.usage);
  }
  return positionals[0] ?? null;
}

function nonEmpty(value: string | undefined, option: string): string | null {
  if (value === undefined) return null;
  if (value.trim() === "") throw new CliError(`${option} needs a value`, EXIT.usage);
  return value;
}

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const topic = rest[0];
    return { command: "help", topic: topic !== undefined && HELP_TOPICS.includes(topic) ? (topic as HelpTopic) : null };
  }
  if (first === "--version" || first === "-v" || first === "version") return { command: "version" };

  if (first === "record") {
    const { values, positionals } = parse("record", rest, RECORD_OPTIONS);
    if (values.help === true) return { command: "help", topic: "record" };
    const url = atMostOne("record", positionals, "url");
    const scenario = nonEmpty(values.scenario, "--scenario");
    if (values.duration !== undefined && values["until-idle"] === true) {
      throw new CliError("--duration and --until-idle exclude each other: record for a fixed time, or until the page is idle", EXIT.usage);
    }
    if (values.attach === true && values.reload === true) {
      throw new CliError("--attach and --reload exclude each other: record from now, or from a reload", EXIT.usage);
    }
    if (values.duration !== undefined && values.timeout !== undefined) {
      throw new CliError("--timeout caps --until-idle; with --duration the recording already has a fixed length", EXIT.usage);
    }
    return {
      command: "record",
      url,
      scenario,
      durationMs: values.duration === undefined ? null : parseDuration(values.duration, "--duration"),
      timeoutMs: values.timeout === undefined ? DEFAULT_IDLE_TIMEOUT_MS : parseDuration(values.timeout, "--timeout"),
      out: nonEmpty(values.out, "--out") ?? DEFAULT_OUT,
      chromeTrace: nonEmpty(values["chrome-trace"], "--chrome-trace"),
      screenshot: nonEmpty(values.screenshot, "--screenshot"),
      start: values.attach === true ? "attach" : values.reload === true ? "reload" : "firstScript",
      show: values.show === true,
      budget: parseBudget(values["fail-on"] ?? []),
    };
  }

  if (first === "analyze" || first === "analyse") {
    const { values, positionals } = parse("analyze", rest, ANALYZE_OPTIONS);
    if (values.help === true) return { command: "help", topic: "analyze" };
    const file = atMostOne("analyze", positionals, "trace file");
    if (file === null) throw new CliError("aioscope analyze needs a trace file: aioscope analyze trace.json", EXIT.usage);
    return { command: "analyze", file, budget: parseBudget(values["fail-on"] ?? []), json: values.json === true };
  }

  if (first === "diff") {
    const { values, positionals } = parse("diff", rest, DIFF_OPTIONS);
    if (values.help === true) return { command: "help", topic: "diff" };
    if (positionals.length !== 2) {
      throw new CliError(`aioscope diff takes two trace files, before and after (got ${positionals.length}): aioscope diff before.json after.json`, EXIT.usage);
    }
    return { command: "diff", before: positionals[0]!, after: positionals[1]!, json: values.json === true, regression: parseRegression(values["fail-on"] ?? []) };
  }

  if (first === "open") {
    const { values, positionals } = parse("open", rest, OPEN_OPTIONS);
    if (values.help === true) return { command: "help", topic: "open" };
    return { command: "open", url: atMostOne("open", positionals, "url"), scenario: nonEmpty(values.scenario, "--scenario") };
  }

  if (first === "run") {
    const { values, positionals } = parse("run", rest, RUN_OPTIONS);
    if (values.help === true) return { command: "help", topic: "run" };
    const [script, ...args] = positionals;
    if (script === undefined || script.trim() === "") throw new CliError("aioscope run needs a Node program: aioscope run script.mjs [its arguments]", EXIT.usage);
    return {
      command: "run",
      script,
      args,
      out: nonEmpty(values.out, "--out") ?? DEFAULT_OUT,
      chromeTrace: nonEmpty(values["chrome-trace"], "--chrome-trace"),
      budget: parseBudget(values["fail-on"] ?? []),
    };
  }

  if (first === "ps") {
    const { values, positionals } = parse("ps", rest, PS_OPTIONS);
    if (values.help === true) return { command: "help", topic: "ps" };
    return {
      command: "ps",
      url: atMostOne("ps", positionals, "url"),
      scenario: nonEmpty(values.scenario, "--scenario"),
      afterMs: values.after === undefined ? DEFAULT_PS_AFTER_MS : parseDuration(values.after, "--after"),
      json: values.json === true,
    };
  }

  if (first === "view") {
    const { values, positionals } = parse("view", rest, VIEW_OPTIONS);
    if (values.help === true) return { command: "help", topic: "view" };
    const file = atMostOne("view", positionals, "trace file");
    if (file === null) throw new CliError("aioscope view needs a trace file: aioscope view trace.json", EXIT.usage);
    let port = 0;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!/^\d+$/.test(values.port) || port > 65_535) throw new CliError(`--port ${JSON.stringify(values.port)} is not a port: a whole number from 0 to 65535`, EXIT.usage);
    }
    return { command: "view", file, port, open: values["no-open"] !== true };
  }

  throw new CliError(`unknown command ${JSON.stringify(first)}: use aioscope record, analyze, diff, open, run, view or ps (aioscope --help)`, EXIT.usage);
}
