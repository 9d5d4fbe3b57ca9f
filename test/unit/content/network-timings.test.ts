/**
 * The bridge's filter of DevTools' network log: a page is told of a request no more than its
 * own Resource Timing would tell it.
 */
import { describe, expect, test } from "vitest";
import { ofOrigin, timingAllowed, timingsForFrame } from "../../../src/content/network-timings.ts";
import { NETWORK_TIMING_FIELDS, type NetworkEntry } from "../../../src/protocol/messages.ts";

const ORIGIN = "https://app.test";
const entry = (url: string, type: NetworkEntry["type"], timingAllowOrigin: string | null = null): NetworkEntry => ({
  url, type, startedAt: 1_000_250, duration: 30, blocked: 4, dns: 1, connect: 2, send: 0.5, wait: 20, receive: 2.5,
  status: 200, transferSize: 300, bodySize: 100, decodedSize: 120, timingAllowOrigin,
});

describe("Timing-Allow-Origin", () => {
  test("allows `*` or the origin itself, among others in a list", () => {
    expect(timingAllowed("*", ORIGIN)).toBe(true);
    expect(timingAllowed("https://other.test, https://app.test", ORIGIN)).toBe(true);
    expect(timingAllowed("https://app.test.evil", ORIGIN)).toBe(false);
    expect(timingAllowed("https://APP.test", ORIGIN)).toBe(false);
    expect(timingAllowed(null, ORIGIN)).toBe(false);
    expect(timingAllowed("", ORIGIN)).toBe(false);
  });
});

describe("a URL's origin, by its serialization", () => {
  test("is the frame's only for its own scheme, host and port, followed by the path", () => {
    expect(ofOrigin(`${ORIGIN}/`, ORIGIN)).toBe(true);
    expect(ofOrigin(`${ORIGIN}/data?x=https://other.test/`, ORIGIN)).toBe(true);
    expect(ofOrigin(ORIGIN, ORIGIN)).toBe(false); // the log never writes a URL without its path
    expect(ofOrigin("https://app.test.evil/", ORIGIN)).toBe(false);
    expect(ofOrigin("https://app.test:8443/", ORIGIN)).toBe(false);
    expect(ofOrigin("http://app.test/", ORIGIN)).toBe(false);
    expect(ofOrigin("https://user@app.test/", ORIGIN)).toBe(false);
    expect(ofOrigin(`blob:${ORIGIN}/5f0c`, ORIGIN)).toBe(false);
    expect(ofOrigin("https://app.test:8443/x", "https://app.test:8443")).toBe(true);
  });

  test("an opaque origin (a sandboxed frame's) owns nothing", () => {
    expect(ofOrigin("null/x", "null")).toBe(false);
    expect(ofOrigin("data:text/plain,x", "null")).toBe(false);
    expect(timingsForFrame([entry("data:text/plain,x", "request"), entry("https://cdn.test/x", "request")], "null", 1_000_000)).toBeNull();
  });
});

describe("a frame's share of the network log", () => {
  test("its origin's requests whole, on the page's clock", () => {
    const timings = timingsForFrame([entry(`${ORIGIN}/a`, "request")], ORIGIN, 1_000_000)!;
    expect(timings.urls).toEqual([`${ORIGIN}/a`]);
    expect(Array.from(timings.values)).toEqual([0, 250, 30, 4, 1, 2, 0.5, 20, 2.5, 200, 300, 100, 120]);
    expect(timings.values).toHaveLength(NETWORK_TIMING_FIELDS.length);
  });

  test("another origin's request only when its response allows it; its script's URL, start and duration always", () => {
    const timings = timingsForFrame([
      entry("https://cdn.test/x", "request"),
      entry("https://cdn.test/y", "request", "*"),
      entry("https://cdn.test/lib.js", "script"),
      entry("not a url", "request"),
    ], ORIGIN, 1_000_000)!;
    expect(timings.urls).toEqual(["https://cdn.test/y", "https://cdn.test/lib.js"]);
    expect(Array.from(timings.values.subarray(NETWORK_TIMING_FIELDS.length))).toEqual([1, 250, 30, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]);
  });

  test("a number that is not finite is sent as unknown, so the page does not refuse the others with it", () => {
    const timings = timingsForFrame([{ ...entry(`${ORIGIN}/a`, "request"), duration: Number.NaN, wait: Infinity }], ORIGIN, 1_000_000)!;
    expect(Array.from(timings.values)).toEqual([0, 250, -1, 4, 1, 2, 0.5, -1, 2.5, 200, 300, 100, 120]);
  });

  test("nothing at all is no message", () => {
    expect(timingsForFrame([entry("https://cdn.test/x", "request")], ORIGIN, 0)).toBeNull();
    expect(timingsForFrame([], ORIGIN, 0)).toBeNull();
  });
});
