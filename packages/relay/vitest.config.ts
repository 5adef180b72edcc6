import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The machine has two cores shared with other work; two files at a time is plenty.
    maxWorkers: 2,
  },
});
