// By path, not "@pylon/testkit/vitest": vitest's config bundler leaves package imports to Node, and Node 20
// cannot load testkit's TypeScript (that import needs `vitest --configLoader runner`).
import { defineTestConfig } from "../testkit/src/vitest.js";

// The machine has two cores shared with other work; two files at a time (the default) is plenty.
export default defineTestConfig({ timeoutMs: 20_000 });
