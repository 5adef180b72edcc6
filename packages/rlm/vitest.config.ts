import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The REPL child runs as compiled JS: build dist/ once before any test file starts.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each REPL keeps a core busy while Pyodide loads; the machine has two, shared with other suites.
    maxWorkers: 2,
  },
});
