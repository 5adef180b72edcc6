import { defineTestConfig } from "@pylon/testkit/vitest";

export default defineTestConfig({
  // The REPL child runs as compiled JS: build dist/ once before any test file starts.
  globalSetup: ["test/global-setup.ts"],
  timeoutMs: 30_000,
  // A pool's first REPL start (Pyodide loading) can take most of a minute on a loaded machine.
  hookTimeoutMs: 60_000,
  // Not serial: at most two files at a time (each REPL keeps a core busy while Pyodide loads).
});
