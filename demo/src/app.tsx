/** The demo page: one card per scenario, each with a button and a live status line. */
import { useEffect, useState } from "preact/hooks";
import type { DemoController, ScenarioState } from "./controller.ts";
import { ALL, SCENARIOS } from "./scenarios/index.ts";
import type { Scenario } from "./scenario.ts";

const STATE_LABEL: Record<ScenarioState, string> = {
  idle: "idle",
  running: "running",
  done: "done",
  error: "error",
  deadlocked: "deadlocked",
  cancelled: "cancelled",
};

/** Re-renders the caller whenever the controller changes. */
function useController(controller: DemoController): void {
  const [, setVersion] = useState(0);
  useEffect(() => controller.subscribe(() => setVersion((v) => v + 1)), [controller]);
}

function StateBadge({ state }: { state: ScenarioState }) {
  return <span class={`badge badge-${state}`} data-testid="state">{STATE_LABEL[state]}</span>;
}

function ScenarioCard({ scenario, controller }: { scenario: Scenario; controller: DemoController }) {
  const { state, line } = controller.view(scenario.name);
  const running = controller.isRunning(scenario.name);
  const stoppable = running && scenario.neverFinishes === true;
  return (
    <li class={`card state-${state}`} data-testid={`scenario-${scenario.name}`} data-state={state}>
      <div class="card-head">
        <h2>{scenario.title}</h2>
        <code class="name">?scenario={scenario.name}</code>
        <StateBadge state={state} />
        {stoppable ? (
          <button type="button" class="stop" data-testid={`stop-${scenario.name}`} onClick={() => controller.stop(scenario.name)}>
            Stop
          </button>
        ) : (
          <button type="button" data-testid={`run-${scenario.name}`} disabled={running} onClick={() => void controller.start(scenario.name)}>
            Run
          </button>
        )}
      </div>
      <p class="teaches">{scenario.teaches}</p>
      <p class="look-for"><span class="label">In the Async tab</span> {scenario.lookFor}</p>
      {scenario.neverFinishes === true && (
        <p class="warning" role="note">
          This scenario deadlocks on purpose and never finishes. Press Stop to cancel it.
        </p>
      )}
      <p class="status" data-testid={`status-${scenario.name}`} aria-live="polite">{line}</p>
    </li>
  );
}

function ExtensionNote() {
  const installed = (globalThis as { __AIOSCOPE_HOOK__?: unknown }).__AIOSCOPE_HOOK__ !== undefined;
  return installed ? (
    <p class="extension found" data-testid="extension-note">
      aioscope is installed: this page's own copy of the runtime reports to it. Open DevTools → <b>Async</b> and record.
    </p>
  ) : (
    <p class="extension missing" data-testid="extension-note">
      aioscope is not installed in this browser: the scenarios run just the same, there is just no timeline to see.
    </p>
  );
}

export function App({ controller }: { controller: DemoController }) {
  useController(controller);
  const all = controller.view(ALL);
  return (
    <main class="demo">
      <header>
        <h1>aioscope demo</h1>
        <p class="lede">
          The classic asyncio lessons, run by a bundled copy of the aioscope runtime against this server's own
          slow fake endpoints (nothing leaves your machine). Open DevTools, choose the <b>Async</b> tab, press
          record, then run a scenario and watch its tasks on the timeline.
        </p>
        <ExtensionNote />
        <div class="run-all" data-testid="scenario-all" data-state={all.state}>
          <button type="button" data-testid="run-all" disabled={controller.isRunning(ALL)} onClick={() => void controller.start(ALL)}>
            Run all
          </button>
          <StateBadge state={all.state} />
          <span class="status" data-testid="status-all" aria-live="polite">
            {all.state === "idle" ? "Runs every scenario in turn, except the deadlock." : all.line}
          </span>
        </div>
        <p class="hint">
          Automation: open <code>?scenario=NAME</code> (or <code>?scenario=all</code>) and wait for
          {" "}<code>&lt;html data-scenario-state&gt;</code> to become <code>done</code>; summaries are in
          {" "}<code>window.__aioscopeDemo.results</code>.
        </p>
      </header>
      <ol class="scenarios">
        {SCENARIOS.map((scenario) => <ScenarioCard key={scenario.name} scenario={scenario} controller={controller} />)}
      </ol>
    </main>
  );
}
