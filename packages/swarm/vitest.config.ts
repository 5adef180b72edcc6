import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Relays, providers and (for one file) a Pyodide REPL share two cores: one file at a time.
    fileParallelism: false,
  },
});
