import { defineConfig } from "vitest/config";

// Real relays, SQLite and llama.cpp on the generated tiny model: generous timeouts, and files one after
// another so the two cores are not split between decoders.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
