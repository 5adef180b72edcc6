import { defineConfig } from "vitest/config";

// llama.cpp suites load a native binding and decode on the CPU: generous per-test timeouts, and files run
// one after another so the two cores are not split between decoders.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
