import { defineTestConfig } from "@pylon/testkit/vitest";

// Relays, providers and (for one file) a Pyodide REPL share two cores: one file at a time.
export default defineTestConfig({ serial: true, pollTimeoutMs: 10_000 });
