import { defineConfig } from "vitest/config";

/** Everything a run writes to the temporary folder goes under one folder, removed at its end. */
const globalSetup = ["test/temp-root.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/unit/**/*.test.tsx"],
          environment: "node",
          globalSetup,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup,
          // A browser launch and a Vite build are not unit-test fast; each test still waits
          // for conditions, never for fixed delays.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
