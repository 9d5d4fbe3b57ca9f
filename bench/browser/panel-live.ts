/**
 * The Async panel while a live recording grows (issue 13): the real extension, DevTools open
 * on a page whose program spawns LIVE_TASKS tasks in waves (each task sleeps twice, so it has
 * three steps and two awaits), with the panel recording and showing the timeline throughout.
 *
 * The panel's main thread is watched from inside the panel page: every long task (the
 * browser's `longtask` entries, > 50 ms) and every gap between two animation frames. Budget:
 * no frame longer than 50 ms while the session grows to 100 000 tasks. Also: how long the
 * panel takes to show the last task once the page is done, and the panel's JS heap after GC.
 *
 * Frames and long tasks are wall-clock times: on a busy machine the panel's thread is also
 * descheduled for tens of milliseconds in the middle of a task, and that counts. So the bench
 * also records a browser trace and reads the panel thread's tasks from it with their CPU time
 * (`tdur`): the longest task in CPU time is what the panel's code costs, whatever the load.
 *
 * `npm run bench -- live`, or LIVE_TASKS to change the size; LIVE_PROFILE=FILE also writes a
 * CPU profile of the panel's page during the growth (open it in DevTools' Performance panel),
 * FILE.tasks.json, the panel thread's 20 longest tasks in CPU time, on the profile's clock, and
 * FILE.frames.json, the 10 longest frames on that clock with the tasks that ran in each.
 * LIVE_BENCH_AGAINST: see panelLiveFigures.
 */
import { writeFileSync } from "node:fs";
import type { Frame } from "puppeteer-core";
import { median, type BenchFigure } from "../harness.ts";
import { openInspectedPage, startRecording } from "../../test/e2e/helpers.ts";
import { launchWithExtensionCopy, startNativeServer } from "../../test/e2e/native-fixtures.ts";
import { PANEL_PAGE } from "../../src/cli/browser.ts";

const TASKS = Number(process.env.LIVE_TASKS ?? 100_000);
const WAVE = 500;
const WAVE_MS = 40;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>growing</title></head><body><script>
window.grow = async (tasks, wave, waveMs) => {
  const { run, createTask, gather, sleep } = globalThis.aioscope;
  const t0 = performance.now();
  await run(function* () {
    const waves = [];
    for (let k = 0; k < tasks; k += wave) {
      const group = [];
      for (let j = 0; j < wave - 1 && k + j < tasks; j++) {
        group.push(createTask(function* () { yield* sleep(5 + (j % 7)); yield* sleep(3); }, { name: "item " + (j % 50) }));
      }
      waves.push(createTask(function* () { yield* gather(group); }, { name: "wave " + k / wave }));
      yield* sleep(waveMs);
    }
    yield* gather(waves);
  }, { name: "main" });
  return performance.now() - t0;
};
</script></body></html>`;

/** Installed in the panel page before the page starts: collects long tasks and frame gaps. */
const WATCH = `(() => {
  const watch = { long: [], gaps: [], ends: [], running: true, last: performance.now() };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) watch.long.push(e.duration); }).observe({ type: "longtask" });
  const tick = (now) => {
    watch.gaps.push(now - watch.last);
    watch.ends.push(now);
    watch.last = now;
    if (watch.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__liveWatch = watch;
})()`;

/** The panel thread's tasks in a browser trace: the longest in wall-clock and in CPU time (ms), and how many took > 50 ms of CPU. */
interface ThreadTasks {
  readonly count: number;
  readonly longestWall: number;
  readonly longestCpu: number;
  readonly overBudgetCpu: number;
  /** CPU time of all its tasks together (ms): what the panel's code costs over the whole growth. */
  readonly totalCpu: number;
  /** The 20 longest tasks in CPU time: start, wall-clock and CPU time (µs, the trace's clock, which the CPU profile shares). */
  readonly longest: readonly { readonly ts: number; readonly dur: number; readonly tdur: number }[];
}

const TRACE_MARK = "aioscope-bench-panel-thread";
/** What a task of a thread is called in the trace ("RunTask" in older Chromium). */
const TASK_EVENTS = new Set(["ThreadControllerImpl::RunTask", "RunTask"]);

/** The tasks of the thread that made the TRACE_MARK user-timing mark, from the events of a trace. */
function panelThreadTasks(events: readonly { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number }[]): ThreadTasks {
  const mark = events.find((e) => e.name === TRACE_MARK);
  if (mark === undefined) throw new Error(`the trace has no ${TRACE_MARK} mark: the panel's thread cannot be told apart`);
  let count = 0;
  let longestWall = 0;
  let longestCpu = 0;
  let overBudgetCpu = 0;
  let totalCpu = 0;
  const all: { ts: number; dur: number; tdur: number }[] = [];
  for (const e of events) {
    if (!TASK_EVENTS.has(e.name) || e.ph !== "X" || e.pid !== mark.pid || e.tid !== mark.tid) continue;
    count++;
    const wall = (e.dur ?? 0) / 1000;
    const cpu = (e.tdur ?? 0) / 1000;
    longestWall = Math.max(longestWall, wall);
    longestCpu = Math.max(longestCpu, cpu);
    if (cpu > 50) overBudgetCpu++;
    totalCpu += cpu;
    all.push({ ts: e.ts, dur: e.dur ?? 0, tdur: e.tdur ?? 0 });
  }
  const longest = all.sort((a, b) => b.tdur - a.tdur).slice(0, 20);
  return { count, longestWall, longestCpu, overBudgetCpu, totalCpu, longest };
}

interface Watched {
  long: number[];
  gaps: number[];
  /** performance.now() at the end of each gap. */
  ends: number[];
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function shownTasks(panel: Frame): Promise<number> {
  return panel.evaluate(() => window.__aioscopePanel?.drawnFrame()?.tasks ?? 0);
}

/** What one run measured. */
interface LiveRun {
  readonly watched: Watched;
  readonly threadTasks: ThreadTasks;
  readonly shown: number;
  readonly catchUpMs: number;
  readonly heapMb: number;
  readonly events: number;
  readonly dropped: number;
  readonly pageMs: number;
}

/** One growth of the session with the extension built in `extensionDir`; `profile`: see the top. */
async function liveRun(extensionDir: string | undefined, profile: string | undefined): Promise<LiveRun> {
  const server = await startNativeServer({ "/": PAGE });
  const launched = await launchWithExtensionCopy(extensionDir);
  try {
    const { page, panel } = await openInspectedPage(launched.browser, `${server.origin}/`);
    await startRecording(panel);
    await panel.evaluate(WATCH);
    const tracing = await launched.browser.target().createCDPSession();
    const traced: unknown[] = [];
    tracing.on("Tracing.dataCollected", (data) => traced.push(...(data.value as unknown[])));
    const traceDone = new Promise<void>((resolve) => tracing.once("Tracing.tracingComplete", () => resolve()));
    await tracing.send("Tracing.start", { traceConfig: { includedCategories: ["toplevel", "blink.user_timing"], recordMode: "recordContinuously" }, transferMode: "ReportEvents" });
    const markedAt = await panel.evaluate((mark: string) => {
      performance.mark(mark);
      return performance.now();
    }, TRACE_MARK);
    const target = await launched.browser.waitForTarget((t) => t.url().endsWith(PANEL_PAGE));
    const cdp = await target.createCDPSession();
    if (profile !== undefined) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
      await cdp.send("Profiler.start");
    }
    const pageMs = (await page.evaluate((t: number, w: number, ms: number) => (window as unknown as { grow(t: number, w: number, ms: number): Promise<number> }).grow(t, w, ms), TASKS, WAVE, WAVE_MS)) as number;
    const doneAt = Date.now();
    // Everything the page shipped has reached the panel (what it holds and what was dropped
    // stop changing), and the timeline has drawn the session as it holds it.
    let last = "";
    let settledAt = Date.now();
    for (;;) {
      const now = await panel.evaluate(() => {
        const s = window.__aioscopePanel?.snapshot();
        return `${s?.events ?? 0}/${s?.droppedEvents ?? 0}/${window.__aioscopePanel?.trace()?.tasks.length ?? 0}/${window.__aioscopePanel?.drawnFrame()?.tasks ?? 0}`;
      });
      if (now !== last) settledAt = Date.now();
      const [, , held, drawn] = now.split("/");
      if ((now === last && held === drawn) || Date.now() - doneAt > 120_000) break;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await tracing.send("Tracing.end");
    await traceDone;
    const events = traced as Parameters<typeof panelThreadTasks>[0];
    const threadTasks = panelThreadTasks(events);
    const shown = await shownTasks(panel);
    const watched = (await panel.evaluate(() => {
      const watch = (window as unknown as { __liveWatch: Watched & { running: boolean } }).__liveWatch;
      watch.running = false;
      return { long: watch.long, gaps: watch.gaps, ends: watch.ends };
    })) as Watched;
    if (profile !== undefined) {
      writeFileSync(profile, JSON.stringify((await cdp.send("Profiler.stop")).profile));
      writeFileSync(`${profile}.tasks.json`, JSON.stringify(threadTasks.longest));
      // The longest frames, on the trace's clock (the mark's time in both), with the tasks in them.
      const mark = events.find((e) => e.name === TRACE_MARK)!;
      const offset = mark.ts - markedAt * 1000;
      const frames = watched.gaps.map((gap, k) => ({ gap, end: watched.ends[k]! * 1000 + offset }))
        .sort((a, b) => b.gap - a.gap).slice(0, 10)
        .map(({ gap, end }) => ({
          ts: end - gap * 1000, dur: gap * 1000,
          tasks: events.filter((e) => TASK_EVENTS.has(e.name) && e.ph === "X" && e.pid === mark.pid && e.tid === mark.tid && e.ts + (e.dur ?? 0) > end - gap * 1000 && e.ts < end)
            .map((e) => ({ ts: e.ts, dur: e.dur ?? 0, tdur: e.tdur ?? 0 })),
        }));
      writeFileSync(`${profile}.frames.json`, JSON.stringify(frames));
    }
    await cdp.send("HeapProfiler.collectGarbage");
    const { usedSize } = await cdp.send("Runtime.getHeapUsage");
    const snapshot = await panel.evaluate(() => window.__aioscopePanel!.snapshot());
    return { watched, threadTasks, shown, catchUpMs: settledAt - doneAt, heapMb: usedSize / (1024 * 1024), events: snapshot.events, dropped: snapshot.droppedEvents, pageMs };
  } finally {
    await Promise.all([launched.close(), server.close()]);
  }
}

/**
 * With LIVE_BENCH_AGAINST=<dir of another extension build> (say, the previous commit's
 * dist/extension copied aside), the two builds grow the session in turn, LIVE_ROUNDS times
 * each (default 3), so the machine's load falls on both alike; each figure is the median of
 * a build's rounds, and the other build's rows follow this build's.
 */
export async function panelLiveFigures(): Promise<BenchFigure[]> {
  const against = process.env.LIVE_BENCH_AGAINST;
  const rounds = Number(process.env.LIVE_ROUNDS ?? (against === undefined ? 1 : 3));
  const builds: { label: string; dir: string | undefined; runs: LiveRun[] }[] = [{ label: "", dir: undefined, runs: [] }];
  if (against !== undefined) builds.push({ label: `the other build (${against}): `, dir: against, runs: [] });
  for (let round = 0; round < rounds; round++) {
    for (const build of builds) {
      const profile = process.env.LIVE_PROFILE;
      build.runs.push(await liveRun(build.dir, profile === undefined || build.dir !== undefined || round > 0 ? undefined : profile));
    }
  }
  return builds.flatMap(({ label, runs }) => liveFigures(label, runs));
}

function liveFigures(label: string, runs: readonly LiveRun[]): BenchFigure[] {
  const each = (figure: (run: LiveRun) => number, digits = 0): string => runs.length === 1 ? "" : ` (runs: ${runs.map((r) => figure(r).toFixed(digits)).join(", ")})`;
  const longestFrame = (r: LiveRun): number => Math.max(0, ...r.watched.gaps);
  const first = runs[0]!;
  const note = `${TASKS.toLocaleString("en-US")} tasks in waves of ${WAVE} every ${WAVE_MS} ms; ${first.events.toLocaleString("en-US")} events held, ${first.dropped.toLocaleString("en-US")} dropped by the page; its program took ${(first.pageMs / 1000).toFixed(1)} s`;
  const longCount = (r: LiveRun): number => r.watched.long.length;
  return [
    { name: `${label}live recording: longest frame while it grows`, value: median(runs.map(longestFrame)), unit: "ms", budget: { max: 50 }, note: note + each(longestFrame) },
    { name: `${label}  frames, 99th percentile`, value: median(runs.map((r) => percentile(r.watched.gaps, 99))), unit: "ms", note: `${first.watched.gaps.length} frames` + each((r) => percentile(r.watched.gaps, 99)) },
    { name: `${label}  long tasks (> 50 ms) on the panel's thread`, value: median(runs.map(longCount)), unit: "tasks", note: (first.watched.long.length === 0 ? "" : `longest ${Math.max(...first.watched.long).toFixed(0)} ms`) + each(longCount) },
    {
      name: `${label}  longest task on the panel's thread, CPU time (trace)`, value: median(runs.map((r) => r.threadTasks.longestCpu)), unit: "ms", budget: { max: 50 },
      note: `${first.threadTasks.count.toLocaleString("en-US")} tasks; longest in wall-clock time ${first.threadTasks.longestWall.toFixed(0)} ms; ${first.threadTasks.overBudgetCpu} over 50 ms of CPU` + each((r) => r.threadTasks.longestCpu, 1),
    },
    {
      name: `${label}  CPU time of all the panel thread's tasks (trace)`, value: median(runs.map((r) => r.threadTasks.totalCpu / 1000)), unit: "s",
      note: `while the session grew and until it settled` + each((r) => r.threadTasks.totalCpu / 1000, 2),
    },
    { name: `${label}  the panel settled (last batch applied and drawn), after the page's program ended`, value: median(runs.map((r) => r.catchUpMs)), unit: "ms", note: `${first.shown.toLocaleString("en-US")} tasks drawn` + each((r) => r.catchUpMs) },
    { name: `${label}  panel JS heap after GC`, value: median(runs.map((r) => r.heapMb)), unit: "MB", budget: { max: 1024 } },
  ];
}
