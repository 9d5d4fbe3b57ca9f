/**
 * DevTools' network log as the panel reads it: Chrome's HAR entries (as
 * `devtools.network.onRequestFinished` gives them; the shapes below are Chrome 156's) turned
 * into NetworkEntries, and passed on in batches.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { devtoolsNetworkLog, networkEntryOf, NETWORK_LOG_INTERVAL_MS, type RequestFinishedEvent } from "../../../src/devtools/network-log.ts";
import { MAX_NETWORK_TIMINGS, MAX_URL_CHARS } from "../../../src/protocol/validate.ts";
import type { NetworkEntry } from "../../../src/protocol/messages.ts";

interface HarOptions {
  url?: string;
  type?: string;
  initiator?: string;
  requestHeaders?: { name: string; value: string }[];
  responseHeaders?: { name: string; value: string }[];
  status?: number;
  error?: string | null;
}

/** A HAR entry as Chrome's DevTools gives an extension (fields it has that this reads, and some it does not). */
function har(options: HarOptions = {}): unknown {
  return {
    _initiator: { type: options.initiator ?? "script" },
    _priority: "High",
    _resourceType: options.type ?? "fetch",
    cache: {},
    connection: "39867",
    startedDateTime: "2026-12-07T09:02:00.164Z",
    time: 39.296000002650544,
    timings: {
      blocked: 3.497000001687091, dns: -1, ssl: -1, connect: -1, send: 0.239, wait: 32.57500000179233, receive: 2.984999999171123,
      _blocked_queueing: 2.799000001687091, _workerStart: -1,
    },
    request: { method: "GET", url: options.url ?? "http://127.0.0.1:39867/data?id=a", headers: options.requestHeaders ?? [] },
    response: {
      status: options.status ?? 200, statusText: "OK", headers: options.responseHeaders ?? [], content: { size: 100, mimeType: "text/plain" },
      bodySize: 100, _transferSize: 275, _error: options.error ?? null,
    },
  };
}

describe("a HAR entry as a NetworkEntry", () => {
  test("a fetch keeps its phases, sizes and status; its start is the middle of the ms it is dated to", () => {
    expect(networkEntryOf(har())).toEqual({
      url: "http://127.0.0.1:39867/data?id=a", type: "request", startedAt: Date.parse("2026-12-07T09:02:00.164Z") + 0.5,
      duration: 39.296000002650544, blocked: 3.497000001687091, dns: -1, connect: -1, send: 0.239, wait: 32.57500000179233,
      receive: 2.984999999171123, status: 200, transferSize: 275, bodySize: 100, decodedSize: 100, timingAllowOrigin: null,
    } satisfies NetworkEntry);
    expect(networkEntryOf(har({ type: "xhr" }))?.type).toBe("request");
  });

  test("Timing-Allow-Origin is read whatever its case, its values joined", () => {
    const entry = networkEntryOf(har({ responseHeaders: [{ name: "Timing-Allow-Origin", value: "https://a.test" }, { name: "timing-allow-origin", value: "https://b.test" }] }));
    expect(entry?.timingAllowOrigin).toBe("https://a.test,https://b.test");
  });

  test("a page's script is a script load; a worker's own script is not", () => {
    expect(networkEntryOf(har({ type: "script", initiator: "parser" }))?.type).toBe("script");
    expect(networkEntryOf(har({ type: "script", requestHeaders: [{ name: "Sec-Fetch-Dest", value: "script" }] }))?.type).toBe("script");
    // A Web Worker's script: fetch metadata says so where it is sent, else it has no initiator.
    expect(networkEntryOf(har({ type: "script", initiator: "other", requestHeaders: [{ name: "Sec-Fetch-Dest", value: "worker" }] }))).toBeNull();
    expect(networkEntryOf(har({ type: "script", initiator: "other" }))).toBeNull();
  });

  test("other kinds, failed requests and what a page could not be sent are left out", () => {
    for (const type of ["image", "stylesheet", "document", "font", "other", "websocket"]) expect(networkEntryOf(har({ type }))).toBeNull();
    expect(networkEntryOf(har({ error: "net::ERR_CONNECTION_REFUSED", status: 0 }))).toBeNull();
    expect(networkEntryOf(har({ status: 0 }))).toBeNull();
    expect(networkEntryOf(har({ url: `https://a.test/${"x".repeat(MAX_URL_CHARS)}` }))).toBeNull();
    expect(networkEntryOf(null)).toBeNull();
    expect(networkEntryOf({ _resourceType: "fetch" })).toBeNull();
  });

  test("an HTTP error is still a response to time", () => {
    expect(networkEntryOf(har({ type: "script", status: 404 }))?.status).toBe(404);
    // As Chrome logs a <script> answered 404: its body aborted after the response came.
    expect(networkEntryOf(har({ type: "script", status: 404, error: "net::ERR_ABORTED" }))?.status).toBe(404);
    // A fetch cut off after its response (an abort): left out, as before.
    expect(networkEntryOf(har({ type: "fetch", status: 200, error: "net::ERR_ABORTED" }))).toBeNull();
  });
});

describe("the network log's batches", () => {
  let listeners: Set<(har: unknown) => void>;
  const event: RequestFinishedEvent = {
    addListener: (listener) => void listeners.add(listener),
    removeListener: (listener) => void listeners.delete(listener),
  };
  const finish = (count: number): void => {
    for (let k = 0; k < count; k++) for (const listener of listeners) listener(har({ url: `http://a.test/${k}` }));
  };

  beforeEach(() => {
    listeners = new Set();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  test("entries go out together once an interval has passed, in batches the page accepts", () => {
    const batches: (readonly NetworkEntry[])[] = [];
    const stop = devtoolsNetworkLog(event).listen((entries) => batches.push(entries));
    finish(MAX_NETWORK_TIMINGS + 3);
    for (const listener of listeners) listener(har({ type: "image" }));
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(NETWORK_LOG_INTERVAL_MS);
    expect(batches.map((batch) => batch.length)).toEqual([MAX_NETWORK_TIMINGS, 3]);
    expect(batches[1]![2]!.url).toBe(`http://a.test/${MAX_NETWORK_TIMINGS + 2}`);
    stop();
  });

  test("stopping passes on what is pending at once, and listens no more", () => {
    const batches: (readonly NetworkEntry[])[] = [];
    const stop = devtoolsNetworkLog(event).listen((entries) => batches.push(entries));
    finish(2);
    stop();
    expect(batches.map((batch) => batch.length)).toEqual([2]);
    expect(listeners.size).toBe(0);
    vi.advanceTimersByTime(NETWORK_LOG_INTERVAL_MS);
    expect(batches).toHaveLength(1);
  });
});
