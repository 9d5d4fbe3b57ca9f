/**
 * The flight recorder's cost while on and never saved (issue 16): the page agent as the
 * extension runs it — creation sites, its 50 ms flush on a real timer, batches kept in the
 * ring and evicted — against the runtime alone, on the same program, measured in alternation
 * in one run. Budget: ≤ 1.3× the runtime alone.
 *
 * The program runs on the virtual clock, so it is all CPU; the loop still gives the host a
 * turn every 8 ms, and the agent's flush timer runs there as it does in a page. A program this
 * dense overloads the agent as it would a recording (~80 000 events a second are kept, the
 * rest dropped and counted): the note gives both counts.
 */
import { addInstrument, removeInstrument, RUNTIME_VERSION } from "../../src/runtime/index.ts";
import { pageHook } from "../../src/content/install-hook.ts";
import { PageAgent } from "../../src/content/page-agent.ts";
import { FLIGHT_WINDOW_MS, type BridgeToPageMessage, type PageEvent, type Wall } from "../../src/protocol/messages.ts";
import { measureAlternating, type BenchRow } from "../harness.ts";
import { workerProgram } from "./trace.ts";

const WORKERS = 300;
const ROUNDS = 300;

const program = (): Promise<void> => workerProgram(WORKERS, ROUNDS);

/** The page agent on an in-memory wall; `flight(on)` sends it the tab's option as the router does. */
function flightAgent() {
  if (pageHook.runtimes.length === 0) pageHook.registerRuntime({ version: RUNTIME_VERSION, addInstrument, removeInstrument });
  let toAgent: (message: BridgeToPageMessage) => void = () => {};
  let sentBatches = 0;
  const wall: Wall<BridgeToPageMessage, PageEvent> = {
    listen: (listener) => {
      toAgent = listener;
      return () => {};
    },
    send: (message) => {
      if (message.kind === "batch") sentBatches++;
    },
  };
  const agent = new PageAgent(wall, pageHook, {
    hello: () => ({ url: "https://bench.test/", title: "bench", userAgent: "node", timeOrigin: Date.now(), isTopFrame: true }),
    setTimer: (callback, ms) => setTimeout(callback, ms),
    clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  });
  toAgent({ kind: "stop", data: { session: "" } }); // nobody records this tab
  return {
    agent,
    flight: (enabled: boolean) => toAgent({ kind: "flightRecorder", data: { enabled, windowMs: FLIGHT_WINDOW_MS } }),
    get sentBatches() {
      return sentBatches;
    },
  };
}

export async function flightRecorderCases(): Promise<BenchRow[]> {
  const page = flightAgent();
  // Events the program makes, counted once by a plain recorder run (the agent keeps fewer under load).
  const { Recorder } = await import("../../src/trace/index.ts");
  const probe = new Recorder({ capacity: 8_000_000 });
  addInstrument(probe);
  await program();
  removeInstrument(probe);
  const events = probe.stats().recorded;

  let kept = 0;
  let dropped = 0;
  const [alone, flight] = await measureAlternating([
    { body: program },
    {
      body: async () => {
        page.flight(true);
        await program();
      },
      between: () => {
        // What the ring kept (or evicted since) and what its recorder dropped; then off until the next round.
        const stats = page.agent.flightStats;
        if (stats !== null) {
          kept = stats.events + stats.evictedEvents;
          dropped = stats.droppedEvents;
        }
        page.flight(false);
      },
    },
  ], events, { runs: 7, warmups: 2 });
  if (page.sentBatches !== 0) throw new Error("the flight recorder sent batches while nobody saved");
  page.agent.dispose();
  const group = `${WORKERS} workers × ${ROUNDS} rounds, flight recorder on, never saved (per event)`;
  return [
    { group, variant: "runtime alone", ops: events, nsPerOp: alone!, baseline: true },
    {
      group, variant: "runtime + flight recorder (page agent, ring)", ops: events, nsPerOp: flight!, budget: 1.3,
      note: `last run: ${kept} events kept in the ring or evicted, ${dropped} dropped under load`,
    },
  ];
}
