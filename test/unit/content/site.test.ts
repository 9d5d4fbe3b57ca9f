/**
 * Creation sites of native work (callerSite): the frame that called a wrapper, taken without
 * running the page's stack formatter or a getter the page put where V8 looks
 * `Error.prepareStackTrace` up, and leaving `Error` as it was.
 */
import { afterEach, describe, expect, test } from "vitest";
import { callerSite } from "../../../src/content/native/site.ts";
import { withStackSettings } from "../../../src/trace/stack.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- a wrapper stands in for any function */

const errorStatics = Error as unknown as { prepareStackTrace?: unknown };

function wrapper(): ReturnType<typeof callerSite> {
  return callerSite(wrapper as Function);
}

function pageCode(): ReturnType<typeof callerSite> {
  return wrapper();
}

afterEach(() => {
  delete (Function.prototype as { prepareStackTrace?: unknown }).prepareStackTrace;
  delete (Object.prototype as { prepareStackTrace?: unknown }).prepareStackTrace;
  delete errorStatics.prepareStackTrace;
});

describe("callerSite", () => {
  test("is the frame that called the wrapper", () => {
    const site = pageCode();
    expect(site?.function).toBe("pageCode");
    expect(site?.file).toContain("site.test.ts");
  });

  test("runs no getter the page put on Function.prototype or Object.prototype for prepareStackTrace, and adds nothing to Error", () => {
    let reads = 0;
    for (const target of [Function.prototype, Object.prototype]) {
      Object.defineProperty(target, "prepareStackTrace", { get: () => { reads++; return () => "the page's"; }, configurable: true });
    }
    const site = pageCode();
    expect(reads).toBe(0);
    expect(site?.function).toBe("pageCode");
    expect(Object.getOwnPropertyDescriptor(Error, "prepareStackTrace")).toBeUndefined();
  });

  test("neither calls the page's own formatter nor leaves it replaced", () => {
    let calls = 0;
    const formatter = (): string => { calls++; return "formatted by the page"; };
    errorStatics.prepareStackTrace = formatter;
    const site = pageCode();
    expect(calls).toBe(0);
    expect(site?.function).toBe("pageCode");
    expect(errorStatics.prepareStackTrace).toBe(formatter);
  });
});

describe("withStackSettings", () => {
  const formatterDuringRead = (): PropertyDescriptor | undefined =>
    withStackSettings(3, null, () => Object.getOwnPropertyDescriptor(Error, "prepareStackTrace")) ?? undefined;

  test("leaves Error's shape alone when no formatter is wanted and none would be found", () => {
    delete errorStatics.prepareStackTrace;
    expect(formatterDuringRead()).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(Error, "prepareStackTrace")).toBeUndefined();
  });

  test("puts a formatter the page put on Object.prototype aside with one of Error's own, then removes it", () => {
    delete errorStatics.prepareStackTrace;
    (Object.prototype as { prepareStackTrace?: unknown }).prepareStackTrace = () => "the page's";
    const during = formatterDuringRead();
    expect(during).toBeDefined();
    expect(during?.value).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(Error, "prepareStackTrace")).toBeUndefined();
  });
});
