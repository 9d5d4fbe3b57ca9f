/**
 * Golden traces: real runtime programs recorded on the virtual clock, their traces and
 * their whole analyses pinned in test/unit/trace/golden/. A change to the recorder, the
 * session builder or the analysis shows up here as a readable diff.
 */
import { describe, expect, test } from "vitest";
import { PROGRAMS } from "./programs.ts";
import { analyzed, normalized } from "./helpers.ts";

describe("golden traces", () => {
  for (const [name, program] of PROGRAMS) {
    test(`the ${name} program records the golden trace and analysis`, async () => {
      const trace = normalized(await program());
      await expect(`${JSON.stringify(trace, null, 1)}\n`).toMatchFileSnapshot(`./golden/${name}.trace.json`);
      await expect(`${JSON.stringify(analyzed(trace), null, 1)}\n`).toMatchFileSnapshot(`./golden/${name}.analysis.json`);
    });
  }
});
