/**
 * The timeline's colours, one set per DevTools theme. Canvas cannot read CSS variables
 * cheaply per rectangle, so they live here; the legend (DOM) takes them from here too, so
 * both always agree. Waits are grouped by what was awaited: colour says "why was it stuck".
 */
import type { NativeGroup } from "../../trace/native-names.ts";

export type PanelTheme = "light" | "dark";

/** What an await waited for, as the timeline colours it. */
export type WaitGroup = "sleep" | "task" | "promise" | "lock" | "queue" | "event" | "other" | "thread" | "stream" | "process";

export const WAIT_GROUPS: readonly WaitGroup[] = ["sleep", "task", "promise", "lock", "queue", "event", "other", "thread", "stream", "process"];

export const WAIT_GROUP_LABELS: Readonly<Record<WaitGroup, string>> = {
  sleep: "Sleep",
  task: "Task / gather",
  promise: "Promise / native",
  lock: "Lock / semaphore",
  queue: "Queue",
  event: "Event / condition",
  other: "Other",
  thread: "Thread (toThread)",
  stream: "Stream / connection",
  process: "Subprocess",
};

const GROUP_OF_KIND: Readonly<Record<string, WaitGroup>> = {
  sleep: "sleep",
  task: "task", future: "task", gather: "task", wait: "task", waitFor: "task", shield: "task",
  promise: "promise",
  lock: "lock", semaphore: "lock", barrier: "lock",
  "queue.get": "queue", "queue.put": "queue", "queue.join": "queue",
  event: "event", condition: "event",
  thread: "thread",
  "stream.read": "stream", "stream.drain": "stream", "stream.connect": "stream",
  subprocess: "process",
};

export function waitGroupOf(kind: string): WaitGroup {
  return GROUP_OF_KIND[kind] ?? "other";
}

export interface Palette {
  readonly background: string;
  readonly text: string;
  readonly textSubtle: string;
  readonly textDim: string;
  readonly grid: string;
  readonly rowDivider: string;
  readonly rowHover: string;
  readonly rowSelected: string;
  readonly rowSelectedBorder: string;
  readonly labelBackground: string;
  readonly lifetime: string;
  readonly running: string;
  readonly ready: string;
  readonly wait: Readonly<Record<WaitGroup, string>>;
  /** Native work by kind (requests, timers, frames, long tasks…). */
  readonly native: Readonly<Record<NativeGroup, string>>;
  readonly nativeError: string;
  readonly cancel: string;
  readonly timeout: string;
  readonly error: string;
  readonly done: string;
  readonly marker: string;
  readonly arrow: string;
  readonly overviewAlive: string;
  readonly overviewRunning: string;
  readonly overviewWindow: string;
  readonly overviewShade: string;
}

const LIGHT: Palette = {
  background: "#ffffff",
  text: "#1f1f1f",
  textSubtle: "#474747",
  textDim: "#8f8f8f",
  grid: "rgba(31, 31, 31, 0.08)",
  rowDivider: "rgba(31, 31, 31, 0.05)",
  rowHover: "rgba(31, 31, 31, 0.05)",
  rowSelected: "rgba(11, 87, 208, 0.12)",
  rowSelectedBorder: "#0b57d0",
  labelBackground: "#f8f9fa",
  lifetime: "#b9bec4",
  running: "#1a73e8",
  ready: "#f9ab00",
  wait: {
    sleep: "#aab4be", task: "#5bb7c9", promise: "#b58de0", lock: "#ee7aa8", queue: "#6cc08b", event: "#e2a66a", other: "#c4c4c4",
    thread: "#9e9d24", stream: "#5c6bc0", process: "#a1887f",
  },
  native: {
    request: "#8e63ce", script: "#d01884", worker: "#8d6e63", timer: "#12a4af", frame: "#7cb342", blocking: "#e8710a", signal: "#c5221f", combinator: "#5e97f6", event: "#b0578d", other: "#9aa0a6",
  },
  nativeError: "#d93025",
  cancel: "#e37400",
  timeout: "#b06000",
  error: "#d93025",
  done: "#188038",
  marker: "#9334e6",
  arrow: "#0b57d0",
  overviewAlive: "rgba(26, 115, 232, 0.22)",
  overviewRunning: "#1a73e8",
  overviewWindow: "#0b57d0",
  overviewShade: "rgba(31, 31, 31, 0.10)",
};

const DARK: Palette = {
  background: "#282828",
  text: "#e3e3e3",
  textSubtle: "#c7c7c7",
  textDim: "#8e918f",
  grid: "rgba(227, 227, 227, 0.09)",
  rowDivider: "rgba(227, 227, 227, 0.05)",
  rowHover: "rgba(253, 252, 251, 0.06)",
  rowSelected: "rgba(168, 199, 250, 0.16)",
  rowSelectedBorder: "#a8c7fa",
  labelBackground: "#2f2f2f",
  lifetime: "#5f6368",
  running: "#7cacf8",
  ready: "#fdd663",
  wait: {
    sleep: "#6f7a86", task: "#3f8f9f", promise: "#8a6bb5", lock: "#b05a80", queue: "#4f9468", event: "#a8794b", other: "#666666",
    thread: "#a4ac38", stream: "#7986cb", process: "#c29b86",
  },
  native: {
    request: "#b391ea", script: "#ff8bcb", worker: "#bcaaa4", timer: "#4ecde6", frame: "#a8dab5", blocking: "#fcad70", signal: "#f28b82", combinator: "#8ab4f8", event: "#e39ccb", other: "#9aa0a6",
  },
  nativeError: "#f28b82",
  cancel: "#fcad70",
  timeout: "#fdd663",
  error: "#f28b82",
  done: "#81c995",
  marker: "#d7aefb",
  arrow: "#a8c7fa",
  overviewAlive: "rgba(124, 172, 248, 0.25)",
  overviewRunning: "#7cacf8",
  overviewWindow: "#a8c7fa",
  overviewShade: "rgba(0, 0, 0, 0.35)",
};

export function paletteFor(theme: PanelTheme): Palette {
  return theme === "dark" ? DARK : LIGHT;
}

/** The theme the panel shows now (theme.ts keeps `data-theme` on the root element). */
export function currentTheme(root: HTMLElement = document.documentElement): PanelTheme {
  return root.dataset.theme === "dark" ? "dark" : "light";
}

