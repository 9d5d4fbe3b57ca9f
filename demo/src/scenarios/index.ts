/** Every demo scenario, in the order the page lists them (and `all` runs them). */
import type { Scenario } from "../scenario.ts";
import { cancelCleanup } from "./cancel-cleanup.ts";
import { deadlock } from "./deadlock.ts";
import { gatherScenario } from "./gather.ts";
import { producerConsumer } from "./producer-consumer.ts";
import { semaphoreCrawler } from "./semaphore-crawler.ts";
import { sequentialVsConcurrent } from "./sequential-vs-concurrent.ts";
import { taskGroupFailure } from "./task-group-failure.ts";
import { toThreadScenario } from "./to-thread.ts";
import { waitForTimeout } from "./wait-for-timeout.ts";
import { webSocketEcho } from "./websocket-echo.ts";

export const SCENARIOS: readonly Scenario[] = [
  sequentialVsConcurrent,
  gatherScenario,
  waitForTimeout,
  cancelCleanup,
  producerConsumer,
  semaphoreCrawler,
  taskGroupFailure,
  deadlock,
  toThreadScenario,
  webSocketEcho,
];

/** The pseudo-scenario that runs every scenario in turn, except those that never finish. */
export const ALL = "all";
