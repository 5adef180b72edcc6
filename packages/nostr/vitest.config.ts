import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // Two cores shared with other work: run files one after another.
    fileParallelism: false,
  },
  bench: {
    include: ["bench/**/*.bench.ts"],
  },
});
