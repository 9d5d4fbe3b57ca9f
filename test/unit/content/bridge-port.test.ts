import { runInNewContext } from "node:vm";
import { describe, expect, test } from "vitest";
import { bridgeWall } from "../../../src/content/channel/bridge-port.ts";
import { checkPageEvent } from "../../../src/protocol/validate.ts";
import { Recorder } from "../../../src/trace/recorder.ts";

/** A copy of `value` made of another realm's objects and typed arrays, as Firefox hands a content script the page's. */
function inAnotherRealm(value: unknown): unknown {
  return runInNewContext(`
    const copy = (v) => {
      if (v === null || typeof v !== "object") return v;
      if (ArrayBuffer.isView(v)) return new globalThis[v.constructor.name](Array.from(v));
      if (Array.isArray(v)) return v.map(copy);
      const out = {};
      for (const key of Object.keys(v)) out[key] = copy(v[key]);
      return out;
    };
    copy(value);`, { value });
}

/** The port end the bridge holds, delivering `data` as the browser would. */
function portDelivering(): { port: MessagePort; deliver(data: unknown): void } {
  const target = new EventTarget();
  const port = Object.assign(target, { start: () => undefined, postMessage: () => undefined }) as unknown as MessagePort;
  return { port, deliver: (data) => target.dispatchEvent(new MessageEvent("message", { data })) };
}

describe("the bridge's end of the private channel", () => {
  const recorder = new Recorder({ clock: () => 1 });
  recorder.nativeEnd(recorder.nativeStart("setTimeout", "t"));
  const batchEvent = { kind: "batch", data: { session: "s", stream: 0, batch: recorder.takeBatch() } };

  test("a message made of another realm's objects is refused as it is", () => {
    expect(checkPageEvent(inAnotherRealm(batchEvent)).ok).toBe(false);
  });

  test("hands the bridge the page's messages as its own realm's objects, so they pass the checks", () => {
    const { port, deliver } = portDelivering();
    const received: unknown[] = [];
    bridgeWall(port).listen((message) => received.push(message));
    deliver(inAnotherRealm(batchEvent));
    deliver(batchEvent);
    expect(received).toHaveLength(2);
    for (const message of received) {
      const checked = checkPageEvent(message);
      expect(checked.ok).toBe(true);
      expect(message).toEqual(batchEvent);
    }
    // A message already of the bridge's realm is passed on as it is, without a copy.
    expect(received[1]).toBe(batchEvent);
  });
});
