/**
 * A native operation's detail is JSON written without the page's help: `JSON.stringify` of an
 * object or array would call a `toJSON` the page put on Object.prototype or Array.prototype
 * (Prototype.js put one on arrays), and record what it returned.
 */
import { afterEach, describe, expect, test } from "vitest";
import { setSink, startOp, type Sink } from "../../../src/content/native/sink.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";
import type { NativeOpRecord } from "../../../src/trace/model.ts";
import { deterministicRecorder } from "../trace/helpers.ts";

const SITE = { file: "https://app.example/main.js", line: 12, column: 5, function: "load" };

function recordEnds(): readonly NativeOpRecord[] {
  const sink: Sink = { recorder: deterministicRecorder(), sites: true };
  setSink(sink);
  startOp(sink, "fetch", "GET /a", SITE).end("ok", { status: 200, bytes: null, note: 'a "quoted"\nline é', members: [3, 4], ratio: 0.5, aborted: false });
  startOp(sink, "setTimeout", "setTimeout(0)", SITE).end("ok");
  startOp(sink, "setTimeout", "setTimeout(1)", null).end("cancelled", { reason: undefined });
  startOp(sink, "other", "odd numbers", null).end("ok", { nan: Number.NaN, infinite: Infinity });
  startOp(sink, "other", "numbers as JSON writes them", null).end("ok", { negativeZero: -0, big: 1e21, small: 1e-7, fraction: 1 / 3 });
  const builder = new SessionBuilder();
  builder.append(sink.recorder.takeBatch());
  return builder.trace().nativeOps;
}

const traps = [Object.prototype, Array.prototype] as const;

afterEach(() => {
  setSink(null);
  for (const target of traps) delete (target as { toJSON?: unknown }).toJSON;
});

describe("native operations' details", () => {
  test("are the JSON of their fields and site, in that order, without undefined and null fields", () => {
    const details = recordEnds().map((op) => op.detail);
    expect(details).toEqual([
      JSON.stringify({ status: 200, note: 'a "quoted"\nline é', members: [3, 4], ratio: 0.5, aborted: false, site: "load (https://app.example/main.js:12:5)" }),
      JSON.stringify({ site: "load (https://app.example/main.js:12:5)" }),
      null,
      '{"nan":null,"infinite":null}',
      JSON.stringify({ negativeZero: -0, big: 1e21, small: 1e-7, fraction: 1 / 3 }),
    ]);
  });

  test("are written the same, and no page code runs, with toJSON on Object.prototype and Array.prototype", () => {
    const expected = recordEnds().map((op) => op.detail);
    let calls = 0;
    for (const target of traps) {
      Object.defineProperty(target, "toJSON", { value: () => { calls++; return "the page's"; }, writable: true, configurable: true });
    }
    const details = recordEnds().map((op) => op.detail);
    for (const target of traps) delete (target as { toJSON?: unknown }).toJSON;
    expect(calls).toBe(0);
    expect(details).toEqual(expected);
  });

  test("written as JSON by their caller get the site after their own members", () => {
    const sink: Sink = { recorder: deterministicRecorder(), sites: true };
    setSink(sink);
    startOp(sink, "fetch", "GET /b", SITE).endWithJson("ok", '{"queued":1.5}');
    startOp(sink, "requestQueue", "queued", null).endWithJson("ok", '{"queued":0,"connect":2}');
    const builder = new SessionBuilder();
    builder.append(sink.recorder.takeBatch());
    expect(builder.trace().nativeOps.map((op) => op.detail)).toEqual([
      JSON.stringify({ queued: 1.5, site: "load (https://app.example/main.js:12:5)" }),
      '{"queued":0,"connect":2}',
    ]);
  });
});
