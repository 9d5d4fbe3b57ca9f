/**
 * `aioscope ps URL [--after 2s] [--json]`: what every task of a page is waiting for, as Python's
 * `asyncio pstree` prints it. Opens the page with the extension (the same launch as `record`),
 * waits, asks the Async panel for the live await tree of every frame (recording nothing), and
 * prints it: one task a line, indented under the task that awaits it, ending with any deadlock.
 *
 * Everything in the tree is the page's text: each piece is made terminal-safe before printing.
 */
import type { Frame } from "puppeteer-core";
import type { PsCommand } from "./args.ts";
import { launchBrowser, openDevTools, POLL, showAsyncPanel } from "./browser.ts";
import { requireBrowser } from "./chromium.ts";
import { CliError, EXIT, firstLine, type ExitStatus } from "./errors.ts";
import { ensureExtensionBuilt } from "./package-files.ts";
import { openPage, resolveTarget } from "./target.ts";
import { formatMs, painter, terminalSafe, type Io, type Paint } from "./terminal.ts";
import type { LiveFrame, LiveState } from "../devtools/recording-store.ts";
import {
  describeCycle, describeLiveAwait, snapshotCycles, snapshotRows, taskLabel, type FrameSnapshot,
} from "../trace/analysis/snapshot.ts";

/** How long the frames have to answer once asked. */
const ANSWER_TIMEOUT_MS = 30_000;

export async function psCommand(command: PsCommand, io: Io): Promise<ExitStatus> {
  const note = (line: string): void => void io.stderr.write(`${line}\n`);
  const found = requireBrowser(io.env);
  const extensionDir = await ensureExtensionBuilt(note);
  const target = await resolveTarget(command.url, command.scenario);
  try {
    const browser = await launchBrowser({ browser: found, extensionDir, show: false });
    try {
      const page = (await browser.pages())[0] ?? (await browser.newPage());
      await openPage(page, target.url, note);
      const devtools = await openDevTools(page, { headless: true });
      const panel = await showAsyncPanel(devtools, { headless: true });
      if (command.afterMs > 0) await new Promise((resolve) => setTimeout(resolve, command.afterMs));
      const live = await askPanel(panel);
      if (command.json) io.stdout.write(`${JSON.stringify(toJson(live), null, 2)}\n`);
      else io.stdout.write(formatTree(live, painter(io.stdout, io.env)));
      return EXIT.ok;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`could not read the page's tasks: ${firstLine(error)}`, EXIT.browser);
    } finally {
      await browser.close().catch(() => {});
    }
  } finally {
    await target.close().catch(() => {});
  }
}

/** Asks the panel for the live trees and waits until every frame that said hello has answered. */
async function askPanel(panel: Frame): Promise<LiveState> {
  const id = await panel.evaluate(() => window.__aioscopePanel!.requestLive());
  await panel.waitForFunction((want: number) => {
    const automation = window.__aioscopePanel!;
    const live = automation.live();
    const frames = automation.snapshot().frames.filter((f) => f.hello !== null).length;
    return live.id === want && live.frames.length > 0 && live.frames.length >= frames;
  }, { ...POLL, timeout: ANSWER_TIMEOUT_MS }, id).catch(() => {
    throw new CliError(`the page did not answer within ${ANSWER_TIMEOUT_MS / 1000} s (is it frozen in a long task?)`, EXIT.browser);
  });
  return await panel.evaluate(() => window.__aioscopePanel!.live());
}

/** The tree as `asyncio pstree` prints it: one task a line, then each deadlock. */
export function formatTree(live: LiveState, paint: Paint): string {
  const lines: string[] = [];
  for (const frame of live.frames) {
    if (live.frames.length > 1) lines.push(paint("bold", `${frame.isTopFrame ? "top frame" : "frame"} ${terminalSafe(frame.url ?? `#${frame.frame.frameId}`)}`));
    lines.push(...frameLines(frame.snapshot, paint));
  }
  return `${lines.join("\n")}\n`;
}

function frameLines(snapshot: FrameSnapshot, paint: Paint): string[] {
  const lines: string[] = [];
  const cycles = snapshotCycles(snapshot);
  const rows = snapshotRows(snapshot, cycles);
  const byId = new Map(snapshot.tasks.map((t) => [t.id, t]));
  if (rows.length === 0) lines.push(paint("dim", "no live runtime tasks"));
  // Which rows still have a sibling below them: their branch continues (│) past their children.
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    let prefix = "";
    for (let depth = 1; depth <= row.depth; depth++) {
      const last = !hasLaterSibling(rows, k, depth);
      prefix += depth === row.depth ? (last ? "└── " : "├── ") : (hasLaterSibling(rows, k, depth) ? "│   " : "    ");
    }
    const task = row.task;
    const waited = row.waited === null ? "" : paint("dim", ` (${formatMs(row.waited)})`);
    const doing = describeLiveAwait(task, byId);
    const site = task.site === null ? "" : paint("dim", ` ${terminalSafe(task.site.file)}:${task.site.line}`);
    const mark = row.inCycle ? paint("red", " [deadlock]") : row.stuck ? paint("yellow", " [stuck]") : "";
    lines.push(`${prefix}${paint("bold", terminalSafe(taskLabel(task)))} ${terminalSafe(doing)}${waited}${mark}${site}`);
  }
  if (snapshot.omitted > 0) lines.push(paint("dim", `… and ${snapshot.omitted} more live tasks, left out`));
  const silent = snapshot.runtimes.filter((r) => !r.answered).length;
  if (silent > 0) lines.push(paint("dim", `${silent} runtime cop${silent === 1 ? "y" : "ies"} too old to answer: their tasks are missing`));
  for (const cycle of cycles) lines.push(paint("red", terminalSafe(describeCycle(cycle, byId))));
  return lines;
}

/** Whether a row after `k` sits at `depth` before the tree climbs above it: the branch at that depth goes on. */
function hasLaterSibling(rows: readonly { depth: number }[], k: number, depth: number): boolean {
  for (let j = k + 1; j < rows.length; j++) {
    const d = rows[j]!.depth;
    if (d < depth) return false;
    if (d === depth) return true;
  }
  return false;
}

/** What `--json` prints: each frame's snapshot, its rows' order and depth, and its deadlocks. */
function toJson(live: LiveState): unknown {
  return {
    frames: live.frames.map((frame: LiveFrame) => {
      const cycles = snapshotCycles(frame.snapshot);
      return {
        frameId: frame.frame.frameId,
        url: frame.url,
        isTopFrame: frame.isTopFrame,
        takenAt: frame.snapshot.takenAt,
        runtimes: frame.snapshot.runtimes,
        omitted: frame.snapshot.omitted,
        tasks: snapshotRows(frame.snapshot, cycles).map((row) => ({ ...row.task, depth: row.depth, inCycle: row.inCycle, stuck: row.stuck, waitedMs: row.waited })),
        deadlocks: cycles,
      };
    }),
  };
}
