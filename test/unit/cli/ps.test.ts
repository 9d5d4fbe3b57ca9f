/**
 * `aioscope ps`: its command line, and the tree it prints (pstree's branches, blocked first,
 * the deadlock last, the page's text made terminal-safe) from a snapshot as the panel holds it.
 */
import { describe, expect, test } from "vitest";
import { parseCommandLine } from "../../../src/cli/args.ts";
import { CliError } from "../../../src/cli/errors.ts";
import { formatTree } from "../../../src/cli/ps.ts";
import type { LiveState } from "../../../src/devtools/recording-store.ts";
import type { SnapshotTask } from "../../../src/trace/analysis.ts";

function refusal(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof CliError) return `${error.exitStatus}: ${error.message}`;
    throw error;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("aioscope ps's command line", () => {
  test("a url, --after and --json; --after defaults to a second", () => {
    expect(parseCommandLine(["ps", "localhost:3000", "--after", "2s", "--json"])).toEqual({ command: "ps", url: "localhost:3000", scenario: null, afterMs: 2000, json: true });
    expect(parseCommandLine(["ps"])).toEqual({ command: "ps", url: null, scenario: null, afterMs: 1000, json: false });
  });

  test("a bad duration or a second url is a usage error", () => {
    expect(refusal(["ps", "a", "--after", "soon"])).toBe('2: --after "soon" is not a duration: write it as 500ms, 5s or 1m');
    expect(refusal(["ps", "a", "b"])).toBe("2: aioscope ps takes one url, got 2: a b");
  });
});

function task(id: number, name: string, parent: number | null, awaiting: SnapshotTask["awaiting"], since: number | null): SnapshotTask {
  return { id, name, parent, kind: "coroutine", state: awaiting === null ? "ready" : "waiting", awaiting, since, cancelling: false, site: null, runtime: 0 };
}

describe("the printed tree", () => {
  test("draws pstree's branches, marks the deadlock and ends with it, escaping the page's text", () => {
    const lock = (label: string, holder: number) => ({ kind: "lock", label, resource: 1, tasks: [], holder });
    const live: LiveState = {
      id: 1, requestedAt: 0,
      frames: [{
        frame: { tabId: 1, frameId: 0, documentId: "d" }, url: "http://app/", isTopFrame: true,
        snapshot: {
          takenAt: 3000, omitted: 0, runtimes: [{ version: "1.0.0", bundled: false, answered: true }],
          tasks: [
            task(1, "main", null, { kind: "gather", label: "gather(3)", resource: null, tasks: [2, 3, 4], holder: null }, 0),
            task(2, "a", 1, lock("Lock#9", 3), 1000),
            task(3, "b", 1, lock("Lock#8", 2), 1000),
            task(4, "evil\u001b[2J", 1, null, null),
          ],
        },
      }],
    };
    expect(formatTree(live, (_style, text) => text)).toBe([
      "main (#1) awaits gather(3) of a (#2), b (#3), evil\\e[2J (#4) (3.00 s) [stuck]",
      "├── a (#2) awaits Lock#9 held by b (#3) (2.00 s) [deadlock]",
      "├── b (#3) awaits Lock#8 held by a (#2) (2.00 s) [deadlock]",
      "└── evil\\e[2J (#4) ready",
      "deadlock: a (#2) → Lock#9 held by b (#3) → Lock#8 held by a (#2)",
      "",
    ].join("\n"));
  });
});
