// By path, not "@pylon/testkit/vitest": vitest's default config loader leaves package imports to Node, and
// Node 20 cannot load testkit's TypeScript.
import { defineTestConfig } from "../testkit/src/vitest.js";

// Relays, providers and (for one file) a Pyodide REPL share two cores: one file at a time.
export default defineTestConfig({ serial: true });
