// By path, not "@pylon/testkit/vitest": vite's default config loader leaves package imports to Node, which
// cannot load testkit's TypeScript (that import needs `vitest --configLoader runner`).
import { defineTestConfig } from "../testkit/src/vitest.js";

// Real local mint over HTTP, real SQLite and real child processes (crash tests): generous but bounded
// timeouts, and files one after another so the two cores are not split between curve math in two suites.
export default defineTestConfig({ timeoutMs: 30_000, serial: true });
