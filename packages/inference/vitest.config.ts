// By path, not "@pylon/testkit/vitest": vite's default config loader leaves package imports to Node, which
// cannot load testkit's TypeScript (that import needs `vitest --configLoader runner`).
import { defineTestConfig } from "../testkit/src/vitest.js";

// llama.cpp suites load a native binding and decode on the CPU: generous per-test timeouts, and files run
// one after another so the two cores are not split between decoders.
export default defineTestConfig({ timeoutMs: 30_000, serial: true });
