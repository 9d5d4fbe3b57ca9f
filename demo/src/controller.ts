/**
 * Runs scenarios and keeps what the page shows and what automation reads: each scenario's
 * state and status line, `window.__aioscopeDemo`, and the `data-scenario` /
 * `data-scenario-state` attributes on <html> for the scenario started last.
 */
import { CancelledError, currentTask, run, type Task } from "../../src/runtime/index.ts";
import { describeError, errorText, msSince, type ErrorSummary } from "./api.ts";
import { ALL, SCENARIOS } from "./scenarios/index.ts";
import type { Scenario, ScenarioContext } from "./scenario.ts";

export type ScenarioState = "idle" | "running" | "done" | "error" | "deadlocked" | "cancelled";

/** What the page shows for one scenario. */
export interface ScenarioView {
  readonly state: ScenarioState;
  readonly line: string;
}

/** What automation reads for one scenario in `window.__aioscopeDemo.results`. */
export interface ScenarioResult {
  readonly state: Exclude<ScenarioState, "idle">;
  readonly elapsedMs?: number;
  readonly summary?: object;
  readonly error?: ErrorSummary;
}

export interface DemoAutomation {
  /** The scenarios `?scenario=` accepts (and `all`, which runs them all but the deadlock). */
  readonly scenarios: string[];
  readonly results: Record<string, ScenarioResult>;
}

declare global {
  interface Window {
    __aioscopeDemo?: DemoAutomation;
  }
}

const IDLE: ScenarioView = { state: "idle", line: "Not run yet." };

export class DemoController {
  private readonly views = new Map<string, ScenarioView>();
  private readonly mainTasks = new Map<string, Task<unknown>>();
  private readonly listeners = new Set<() => void>();
  /** The scenario started last: the one `data-scenario` names. */
  private current: string | null = null;
  readonly automation: DemoAutomation = { scenarios: SCENARIOS.map((s) => s.name), results: {} };

  constructor() {
    window.__aioscopeDemo = this.automation;
  }

  view(name: string): ScenarioView {
    return this.views.get(name) ?? IDLE;
  }

  isRunning(name: string): boolean {
    return this.view(name).state === "running" || this.mainTasks.has(name);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts `name` (a scenario, or `all`); resolves when it has finished, never rejects. */
  async start(name: string): Promise<void> {
    this.current = name;
    if (name === ALL) return this.runAll();
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (scenario === undefined) {
      const known = [...SCENARIOS.map((s) => s.name), ALL].join(", ");
      this.finish(name, { state: "error", error: { name: "Error", message: `unknown scenario "${name}"; try one of: ${known}` } });
      return;
    }
    await this.runScenario(scenario);
  }

  /** Cancels a running scenario's main task (the way out of the deadlock). */
  stop(name: string): void {
    this.mainTasks.get(name)?.cancel("stopped from the page");
  }

  private async runAll(): Promise<void> {
    const start = performance.now();
    this.update(ALL, { state: "running", line: "Running every scenario in turn…" });
    const states: Record<string, ScenarioState> = {};
    for (const scenario of SCENARIOS) {
      if (scenario.neverFinishes) continue;
      this.update(ALL, { state: "running", line: `Running ${scenario.name}…` });
      await this.runScenario(scenario);
      states[scenario.name] = this.view(scenario.name).state;
    }
    const failed = Object.keys(states).filter((name) => states[name] !== "done");
    const elapsedMs = msSince(start);
    this.finish(ALL, {
      state: failed.length === 0 ? "done" : "error",
      elapsedMs,
      summary: { ran: Object.keys(states), states },
      ...(failed.length === 0 ? {} : { error: { name: "Error", message: `not done: ${failed.join(", ")}` } }),
    }, failed.length === 0
      ? `All ${Object.keys(states).length} scenarios done in ${elapsedMs} ms (the deadlock is left out).`
      : `Not done: ${failed.join(", ")}.`);
  }

  private async runScenario(scenario: Scenario): Promise<void> {
    const { name } = scenario;
    const start = performance.now();
    this.update(name, { state: "running", line: "Running…" });
    const context: ScenarioContext = {
      progress: (line) => {
        if (this.view(name).state === "running") this.update(name, { state: "running", line });
      },
      reportStuck: (summary, line) => {
        this.finish(name, { state: "deadlocked", elapsedMs: msSince(start), summary }, line);
      },
    };
    const mainTasks = this.mainTasks;
    try {
      const outcome = await run(function* () {
        mainTasks.set(name, currentTask()!);
        return yield* scenario.run(context);
      }, { name: `scenario ${name}` });
      this.finish(name, { state: "done", elapsedMs: msSince(start), summary: outcome.summary }, outcome.text);
    } catch (error) {
      const cancelled = error instanceof CancelledError;
      const summary = describeError(error);
      this.finish(name, { state: cancelled ? "cancelled" : "error", elapsedMs: msSince(start), error: summary },
        cancelled ? "Cancelled." : `Failed: ${errorText(summary)}`);
    } finally {
      mainTasks.delete(name);
      this.notify();
    }
  }

  private finish(name: string, result: ScenarioResult, line?: string): void {
    this.automation.results[name] = result;
    this.update(name, { state: result.state, line: line ?? (result.error ? errorText(result.error) : result.state) });
  }

  private update(name: string, view: ScenarioView): void {
    this.views.set(name, view);
    if (view.state === "running" && this.automation.results[name]?.state !== "running") {
      this.automation.results[name] = { state: "running" };
    }
    if (name === this.current) {
      const root = document.documentElement;
      root.dataset.scenario = name;
      root.dataset.scenarioState = view.state;
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
