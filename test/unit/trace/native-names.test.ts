/**
 * Native operations' names on the timeline: one label, URLs from their path on the
 * document's own origin, numbers a person can read.
 */
import { describe, expect, test } from "vitest";
import { nativeGroupOf, nativeName, originOf } from "../../../src/trace/native-names.ts";
import type { NativeKind, NativeOpRecord } from "../../../src/trace/model.ts";

function op(kind: NativeKind, label: string): NativeOpRecord {
  return { id: 1, source: 0, kind, label, start: 0, end: 1, outcome: "ok", task: null, parent: null, cause: null, detail: null, ticks: [] };
}

const ORIGIN = "http://127.0.0.1:8765";

describe("native operation names", () => {
  test("a label that already says its kind is not prefixed with it again", () => {
    expect(nativeName(op("setTimeout", "setTimeout(60000)"), ORIGIN)).toBe("setTimeout(60000)");
    expect(nativeName(op("requestAnimationFrame", "requestAnimationFrame"), ORIGIN)).toBe("requestAnimationFrame");
    expect(nativeName(op("longTask", "long task"), ORIGIN)).toBe("long task");
    expect(nativeName(op("abortSignal", "AbortSignal.timeout(500)"), ORIGIN)).toBe("AbortSignal.timeout(500)");
    expect(nativeName(op("abortSignal", "abort()"), ORIGIN)).toBe("abortSignal abort()");
    expect(nativeName(op("fetch", ""), ORIGIN)).toBe("fetch");
    expect(nativeName(op("other", "setTimeout callback"), ORIGIN)).toBe("setTimeout callback");
  });

  test("a URL on the document's origin is shown from its path and query", () => {
    expect(nativeName(op("fetch", `GET ${ORIGIN}/api/items?page=2`), ORIGIN)).toBe("fetch GET /api/items?page=2");
    expect(nativeName(op("xhr", `POST ${ORIGIN}`), ORIGIN)).toBe("xhr POST /");
    expect(nativeName(op("fetch", "GET https://cdn.example/lib.js"), ORIGIN)).toBe("fetch GET https://cdn.example/lib.js");
    // Another host that merely starts like the origin keeps its whole URL.
    expect(nativeName(op("fetch", `GET ${ORIGIN}0/x`), ORIGIN)).toBe(`fetch GET ${ORIGIN}0/x`);
    expect(nativeName(op("fetch", `GET ${ORIGIN}/x`), null)).toBe(`fetch GET ${ORIGIN}/x`);
  });

  test("computed delays are rounded to a tenth", () => {
    expect(nativeName(op("setTimeout", "setTimeout(99.89999999990687)"), ORIGIN)).toBe("setTimeout(99.9)");
    expect(nativeName(op("setInterval", "setInterval(16.5)"), ORIGIN)).toBe("setInterval(16.5)");
  });

  test("documents without an origin have none; kinds fall into colour groups", () => {
    expect(originOf("about:blank")).toBeNull();
    expect(originOf("not a url")).toBeNull();
    expect(originOf(null)).toBeNull();
    expect(originOf(`${ORIGIN}/page.html?x#y`)).toBe(ORIGIN);
    expect(nativeGroupOf("xhr")).toBe("request");
    expect(nativeGroupOf("longAnimationFrame")).toBe("blocking");
    expect(nativeGroupOf("Promise.any")).toBe("combinator");
  });
});
