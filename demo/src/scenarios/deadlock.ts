/**
 * A deadlock, on purpose: two tasks take the same two Locks in opposite order. Each ends up
 * holding one lock and waiting for the other's, forever. The scenario notices the cycle,
 * says so, and stays stuck (press Stop to cancel it).
 */
import { Event, Lock, createTask, gather, sleep } from "../../../src/runtime/index.ts";
import { fetchItem, msSince } from "../api.ts";
import type { Scenario } from "../scenario.ts";

export interface DeadlockSummary {
  readonly deadlocked: true;
  /** Which lock each task holds. */
  readonly holding: Record<string, string>;
  /** Which lock each task waits for. */
  readonly waitingFor: Record<string, string>;
  readonly detectedAfterMs: number;
}

interface Party {
  readonly task: string;
  readonly first: string;
  readonly second: string;
}

const PARTIES: readonly Party[] = [
  { task: "transfer alice→bob", first: "alice's account", second: "bob's account" },
  { task: "transfer bob→alice", first: "bob's account", second: "alice's account" },
];

export const deadlock: Scenario<DeadlockSummary> = {
  name: "deadlock",
  title: "A deadlock (on purpose)",
  teaches:
    "Two transfers lock the same two accounts in opposite order. Each takes its first lock, then waits for the second, which the other holds: neither can ever go on. This scenario never finishes; that is the point. Stop cancels it.",
  lookFor: "Two tasks waiting on a lock forever, each holding the lock the other waits for; the main task waits on both.",
  neverFinishes: true,
  *run({ progress, reportStuck }) {
    const start = performance.now();
    const locks = new Map(PARTIES.map((party) => [party.first, new Lock()]));
    const holding: Record<string, string> = {};
    const waitingFor: Record<string, string> = {};
    const aboutToWait = PARTIES.map(() => new Event());

    function* transfer(party: Party, announce: Event): Generator<unknown, void, unknown> {
      const first = locks.get(party.first)!;
      const second = locks.get(party.second)!;
      yield* first.acquire();
      try {
        holding[party.task] = party.first;
        // Some work while holding the first lock: long enough for the other to take its own.
        yield* fetchItem(31, { delay: 80 });
        waitingFor[party.task] = party.second;
        announce.set();
        yield* second.acquire();
        try {
          yield* fetchItem(32, { delay: 20 });
        } finally {
          second.release();
        }
      } finally {
        first.release();
      }
    }

    progress("two transfers, taking the same two locks in opposite order…");
    const tasks = PARTIES.map((party, i) => createTask(transfer(party, aboutToWait[i]!), { name: party.task }));
    yield* gather(aboutToWait.map((event) => event.wait()));
    // Each transfer set its event right before it parked on its second lock; one loop turn
    // later both are parked for certain.
    yield* sleep(0);
    const cycle = PARTIES.every((party) =>
      locks.get(party.first)!.locked()
      && holding[party.task] === party.first
      && waitingFor[party.task] === party.second);
    if (cycle && tasks.every((task) => !task.done())) {
      reportStuck(
        { deadlocked: true, holding, waitingFor, detectedAfterMs: msSince(start) } satisfies DeadlockSummary,
        PARTIES.map((party) => `"${party.task}" holds ${party.first} and waits for ${party.second}`).join("; ")
          + ". Deadlocked on purpose: it will never finish.",
      );
    }
    // asyncio.run() would hang here forever too.
    yield* gather(tasks);
    throw new Error("the deadlock resolved itself, which two Locks taken in opposite order cannot do");
  },
};
