import { describe, expect, test } from "vitest";
import { tabIdFromSearch } from "../../../src/devtools/panel-address.ts";

describe("the panel page's address outside DevTools", () => {
  test("names the inspected tab in ?tab=", () => {
    expect(tabIdFromSearch("?tab=7")).toBe(7);
    expect(tabIdFromSearch("?theme=dark&tab=0")).toBe(0);
  });

  test("without ?tab= it says where the panel runs", () => {
    expect(() => tabIdFromSearch("")).toThrow(/runs in DevTools, or as a tab with \?tab=<id/);
  });

  test.each(["", "-1", "1.5", "07", "1e3", "x", "99999999999999999"])("rejects ?tab=%s, quoting it", (value) => {
    expect(() => tabIdFromSearch(`?tab=${value}`)).toThrow(`got "${value}"`);
  });
});
