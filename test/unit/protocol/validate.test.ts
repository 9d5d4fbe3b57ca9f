/**
 * What the bridge and the router accept from a page: plain data of the right shape, bounded
 * in bytes. Hostile objects are refused with a reason, never thrown on.
 */
import { describe, expect, test } from "vitest";
import { MAX_BATCH_EVENTS, MAX_NETWORK_TIMINGS, MAX_URL_CHARS, checkBridgeMessage, checkPageEvent } from "../../../src/protocol/validate.ts";
import { NETWORK_TIMING_FIELDS } from "../../../src/protocol/messages.ts";
import { Recorder } from "../../../src/trace/recorder.ts";
import { EV_MARK, OPS_PER_EVENT, type TraceBatch } from "../../../src/trace/encoding.ts";
import { SessionBuilder } from "../../../src/trace/session.ts";
import { NATIVE_KINDS } from "../../../src/trace/model.ts";

function realBatch(): TraceBatch {
  const recorder = new Recorder({ clock: () => 1 });
  recorder.nativeEnd(recorder.nativeStart("setTimeout", "t"));
  return recorder.takeBatch();
}

const batchEvent = (batch: unknown): unknown => ({ kind: "batch", data: { session: "s", stream: 0, batch } });

const hello = {
  protocol: 1, url: "https://a.test/", title: "t", userAgent: "u", timeOrigin: 1, runtimes: ["1"], bundledRuntimes: 0, notRecorded: [], isTopFrame: true, session: null,
};

function reasonOf(message: unknown): string {
  const checked = checkPageEvent(message);
  return checked.ok ? "accepted" : checked.reason;
}

describe("bounds on bytes", () => {
  test("a batch the recorder made is accepted", () => {
    expect(reasonOf(batchEvent(realBatch()))).toBe("accepted");
  });

  test("a batch with script, module, worker and queueing operations is accepted, and the session builds them", () => {
    const recorder = new Recorder({ clock: () => 1 });
    const worker = recorder.nativeStart("worker", "https://a.test/w.js");
    recorder.nativeEnd(recorder.nativeStart("workerMessage", "postMessage → worker", { parent: worker }), "ok", { detail: '{"chars":4}' });
    recorder.nativeEnd(recorder.nativeStart("script", "https://a.test/a.js"), "ok", { detail: '{"status":200,"loadedBy":"element"}' });
    recorder.nativeEnd(recorder.nativeStart("module", "https://a.test/m.mjs"), "error", { detail: '{"status":404,"loadedBy":"import"}' });
    const fetch = recorder.nativeStart("fetch", "GET https://a.test/x");
    recorder.nativeEnd(recorder.nativeStart("requestQueue", "queued", { parent: fetch }), "ok", { detail: '{"queued":120}' });
    const checked = checkPageEvent(batchEvent(recorder.takeBatch()));
    expect(checked.ok).toBe(true);
    if (!checked.ok || checked.value.kind !== "batch") return;
    const builder = new SessionBuilder();
    expect(builder.append(checked.value.data.batch)).toEqual({ ok: true });
    expect(builder.trace().nativeOps.map((op) => [op.kind, op.parent === null ? null : builder.trace().nativeOps.find((p) => p.id === op.parent)?.kind])).toEqual([
      ["worker", null], ["workerMessage", "worker"], ["script", null], ["module", null], ["fetch", null], ["requestQueue", "fetch"],
    ]);
  });

  test("a native kind past the known ones is refused by the session builder", () => {
    const batch = realBatch();
    batch.ops[1] = NATIVE_KINDS.length;
    const builder = new SessionBuilder();
    const result = builder.append(batch);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toContain("unknown native operation kind");
  });

  test("a page's answer to an idle query is accepted whole; one with an extra field is refused", () => {
    const status = { session: "s1", recorded: 12, droppedEvents: 0, query: 3, pendingTasks: 1, nativeInFlight: 2 };
    expect(checkPageEvent({ kind: "status", data: status })).toEqual({ ok: true, value: { kind: "status", data: status } });
    expect(checkPageEvent({ kind: "status", data: { ...status, extra: 1 } }).ok).toBe(false);
  });

  test("a column that is a short view on a large buffer is refused", () => {
    const batch = realBatch();
    const big = new ArrayBuffer(1 << 20);
    const time = new Float64Array(big, 0, batch.count);
    time.set(batch.time);
    expect(reasonOf(batchEvent({ ...batch, time }))).toBe("batch: a column is a view on a larger buffer");
    const offset = new Uint8Array(new ArrayBuffer(batch.count + 8), 8, batch.count);
    expect(reasonOf(batchEvent({ ...batch, kind: offset }))).toBe("batch: a column is a view on a larger buffer");
  });
});

describe("one batch checker for every layer", () => {
  test("the bridge and the router refuse a string operand past the batch's string table, as the session builder does", () => {
    const batch = realBatch();
    const forged = { ...batch, ops: Int32Array.from(batch.ops, (v, k) => (k === 2 ? 99 : v)) };
    const limit = batch.stringBase + batch.strings.length;
    expect(reasonOf(batchEvent(forged))).toBe(`batch: ops[2]: string id 99 is not in the string table (${limit} strings)`);
    expect(new SessionBuilder().append(forged)).toEqual({ ok: false, error: { path: "$.batch.ops[2]", message: `string id 99 is not in the string table (${limit} strings)` } });
  });

  test("an unknown event kind and a non-finite time are refused at the page boundary", () => {
    const batch = realBatch();
    expect(reasonOf(batchEvent({ ...batch, kind: Uint8Array.from(batch.kind, () => 200) }))).toBe("batch: kind[0]: unknown event kind 200");
    expect(reasonOf(batchEvent({ ...batch, time: Float64Array.from(batch.time, () => NaN) }))).toBe("batch: time[0]: expected a finite time, got NaN");
  });

  test("the page's bounds apply at the page boundary; the session builder takes a trusted recorder's large batch", () => {
    const count = MAX_BATCH_EVENTS + 1;
    const kind = new Uint8Array(count).fill(EV_MARK);
    const ops = new Int32Array(count * OPS_PER_EVENT);
    for (let k = 0; k < count; k++) ops[k * OPS_PER_EVENT] = 4; // the "user" marker
    const big = { ...realBatch(), count, time: new Float64Array(count), kind, ops };
    expect(reasonOf(batchEvent(big))).toBe(`batch: count: not a count of at most ${MAX_BATCH_EVENTS} events`);
    expect(new SessionBuilder().append(big)).toEqual({ ok: true });
  });

  test("a hostile batch handed straight to the session builder is refused, not thrown on", () => {
    let called = 0;
    const batch: Record<string, unknown> = { ...realBatch() };
    Object.defineProperty(batch, "count", { get: () => { called++; throw new Error("trap"); }, enumerable: true });
    const result = new SessionBuilder().append(batch as unknown as TraceBatch);
    expect([result, called]).toEqual([{ ok: false, error: { path: "$.batch", message: "property count is an accessor" } }, 0]);
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error("trap"); }, getPrototypeOf: () => Object.prototype });
    expect(new SessionBuilder().append(proxy as TraceBatch)).toEqual({ ok: false, error: { path: "$.batch", message: "unreadable batch" } });
  });
});

describe("runtime copies in a hello", () => {
  test("the copies the page bundled are counted among those listed, never beyond them", () => {
    expect(reasonOf({ kind: "hello", data: hello })).toBe("accepted");
    expect(reasonOf({ kind: "hello", data: { ...hello, runtimes: ["1", "1"], bundledRuntimes: 1 } })).toBe("accepted");
    expect(reasonOf({ kind: "hello", data: { ...hello, bundledRuntimes: 2 } })).toBe("hello: bundledRuntimes is not a count of at most the runtimes listed");
    expect(reasonOf({ kind: "hello", data: { ...hello, bundledRuntimes: -1 } })).toBe("hello: bundledRuntimes is not a count of at most the runtimes listed");
    const { bundledRuntimes: _omitted, ...without } = hello;
    expect(reasonOf({ kind: "hello", data: without })).not.toBe("accepted");
  });
});

describe("what a recording could not wrap, in a hello", () => {
  test("is a short list of names; anything else is refused", () => {
    expect(checkPageEvent({ kind: "hello", data: { ...hello, notRecorded: ["Promise.prototype.then"] } })).toEqual({
      ok: true, value: { kind: "hello", data: { ...hello, notRecorded: ["Promise.prototype.then"], flightRecorder: false } },
    });
    const refused = "hello: notRecorded is not a list of at most 64 names of at most 64 characters";
    for (const notRecorded of [undefined, "fetch", [""], [7], ["x".repeat(65)], Array.from({ length: 65 }, () => "fetch")]) {
      expect(reasonOf({ kind: "hello", data: { ...hello, notRecorded } })).toBe(refused);
    }
  });
});

describe("hostile objects", () => {
  test("a toString trap where a number belongs is refused, not thrown on", () => {
    expect(reasonOf({ kind: "hello", data: { ...hello, protocol: { toString: 1 } } })).toBe("hello: protocol an object is not 1");
    expect(reasonOf({ kind: { toString: 1 }, data: {} })).toBe("unknown kind an object");
  });

  test("a getter is refused without being called", () => {
    let called = 0;
    const data = { ...hello };
    Object.defineProperty(data, "url", { get: () => { called++; throw new Error("trap"); }, enumerable: true });
    expect(reasonOf({ kind: "hello", data })).toBe("hello: data: property url is an accessor");
    expect(called).toBe(0);
  });

  test("extra properties are refused, at every level", () => {
    expect(reasonOf({ kind: "hello", data: hello, extra: 1 })).toBe('unexpected property "extra"');
    expect(reasonOf({ kind: "hello", data: { ...hello, extra: 1 } })).toBe('hello: data: unexpected property "extra"');
    expect(reasonOf(batchEvent({ ...realBatch(), extra: 1 }))).toBe('batch: unexpected property "extra"');
  });

  test("objects with another prototype, symbols and proxies are refused", () => {
    expect(reasonOf(Object.assign(Object.create({ inherited: 1 }), { kind: "hello", data: hello }))).toBe("not a plain object");
    expect(reasonOf({ kind: "hello", data: hello, [Symbol("s")]: 1 })).toBe("unexpected property a symbol");
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error("trap"); }, getPrototypeOf: () => Object.prototype });
    expect(reasonOf(proxy)).toBe("unreadable message");
  });
});

describe("a message to the page hook", () => {
  test("is read from its own fields only: a member it leaves out is not looked up on its prototype", () => {
    // As a structured clone made in the page's realm: its objects inherit from a prototype the
    // page may have given getters.
    let read = 0;
    const poisoned = Object.create(null, {
      fromFlightRecorder: { get: () => (read++, true) },
      keepStartup: { get: () => (read++, true) },
    }) as object;
    const data = Object.assign(Object.create(poisoned) as object, { session: "s", options: Object.assign(Object.create(poisoned) as object, { creationSites: false, native: true }) });
    const checked = checkBridgeMessage(Object.assign(Object.create(poisoned) as object, { kind: "start", data }));
    expect(read).toBe(0);
    expect(checked).toEqual({ ok: true, value: { kind: "start", data: { session: "s", options: { creationSites: false, native: true, networkLog: false }, keepStartup: false, fromFlightRecorder: false } } });
  });
});

describe("network timings for the page", () => {
  const FIELDS = NETWORK_TIMING_FIELDS.length;
  const message = (urls: unknown, values: unknown, extra: object = {}): unknown => ({ kind: "networkTimings", data: { session: "s", timings: { urls, values, ...extra } } });
  const row = (): number[] => [0, 250, 30, 4, -1, -1, 0.5, 20, 5.5, 200, 300, 100, 120];

  test("URLs with their fields' finite numbers are accepted", () => {
    const values = Float64Array.from([...row(), ...row()]);
    expect(checkBridgeMessage(message(["https://a.test/1", "https://a.test/2"], values))).toEqual({
      ok: true, value: { kind: "networkTimings", data: { session: "s", timings: { urls: ["https://a.test/1", "https://a.test/2"], values } } },
    });
  });

  test("a wrong count of numbers, a number that is not finite, a plain array, too many or too long URLs are refused", () => {
    const refused = (urls: unknown, values: unknown, extra?: object): string => {
      const checked = checkBridgeMessage(message(urls, values, extra));
      return checked.ok ? "accepted" : checked.reason;
    };
    expect(refused(["https://a.test/"], new Float64Array(FIELDS - 1))).toMatch(/values is not a Float64Array/);
    expect(refused(["https://a.test/"], Float64Array.from([...row().slice(1), NaN]))).toMatch(/values\[12\] is not a finite number/);
    expect(refused(["https://a.test/"], row())).toMatch(/values is not a Float64Array/);
    expect(refused(["https://a.test/"], new Float32Array(FIELDS))).toMatch(/values is not a Float64Array/);
    expect(refused(Array.from({ length: MAX_NETWORK_TIMINGS + 1 }, () => "https://a.test/"), new Float64Array((MAX_NETWORK_TIMINGS + 1) * FIELDS))).toMatch(/urls is not a list/);
    expect(refused([`https://a.test/${"x".repeat(MAX_URL_CHARS)}`], new Float64Array(FIELDS))).toMatch(/urls is not a list/);
    expect(refused([""], new Float64Array(FIELDS))).toMatch(/urls is not a list/);
    expect(refused(["https://a.test/"], new Float64Array(FIELDS), { more: 1 })).toMatch(/unexpected property/);
  });

  test("a Float64Array whose length getter the page redefined is read by the real one", () => {
    const prototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
    const original = Object.getOwnPropertyDescriptor(prototype, "length")!;
    Object.defineProperty(prototype, "length", { get: () => 1_000_000, configurable: true });
    try {
      expect(checkBridgeMessage(message(["https://a.test/"], Float64Array.from(row()))).ok).toBe(true);
    } finally {
      Object.defineProperty(prototype, "length", original);
    }
  });
});
