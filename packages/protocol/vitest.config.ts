// By path, not "@pylon/testkit/vitest": vitest's config bundler leaves package imports to Node, and Node 20
// cannot load testkit's TypeScript (that import needs `vitest --configLoader runner`).
import { defineTestConfig } from "../testkit/src/vitest.js";

// Pure functions only: one file at a time keeps the shared two cores free for heavier suites.
export default defineTestConfig({ serial: true });
