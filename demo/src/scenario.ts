/** What a demo scenario is: a lesson from the asyncio tutorials, as a coroutine to run. */

/** What a running scenario may tell the page. */
export interface ScenarioContext {
  /** Replaces the scenario's live status line ("fetching item 2…"). */
  progress(text: string): void;
  /**
   * Says the scenario has reached the stuck state it exists to show (the deadlock): the page
   * marks it "deadlocked" and publishes `summary`, although its task never finishes.
   */
  reportStuck(summary: object, text: string): void;
}

/** What a scenario ends with: a JSON-friendly summary for automation, and a line for people. */
export interface ScenarioOutcome<S extends object> {
  readonly summary: S;
  readonly text: string;
}

export interface Scenario<S extends object = object> {
  /** The `?scenario=` name. */
  readonly name: string;
  readonly title: string;
  /** What the scenario teaches, in a sentence or two. */
  readonly teaches: string;
  /** What to look for in the Async tab's timeline. */
  readonly lookFor: string;
  /** True for the deadlock: it never finishes, on purpose. */
  readonly neverFinishes?: boolean;
  run(context: ScenarioContext): Generator<unknown, ScenarioOutcome<S>, unknown>;
}
