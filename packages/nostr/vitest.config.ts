// By path, not "@pylon/testkit/vitest": vitest's config bundler leaves package imports to Node, and Node 20
// cannot load testkit's TypeScript (that import needs `vitest --configLoader runner`).
import { defineTestConfig } from "../testkit/src/vitest.js";

// Two cores shared with other work: run files one after another.
export default defineTestConfig({ timeoutMs: 15_000, serial: true });
