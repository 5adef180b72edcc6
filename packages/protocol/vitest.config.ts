import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pure functions only: one worker keeps the shared two cores free for heavier suites.
    maxWorkers: 1,
  },
});
