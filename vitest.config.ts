import { defineConfig } from "vitest/config";

// One run over every package (each may add its own vitest.config.ts), ending in a plain summary line for CI.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "lab"],
    reporters: ["default", "./scripts/summary-reporter.ts"],
    // Two cores: heavy suites (Pyodide, llama.cpp, relay load) must not fight each other.
    maxWorkers: 2,
  },
});
