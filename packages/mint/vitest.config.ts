// By path, not "@pylon/testkit/vitest": vite's default config loader leaves package imports to Node, which
// cannot load testkit's TypeScript (that import needs `vitest --configLoader runner`).
import { defineTestConfig } from "../testkit/src/vitest.js";

// Real HTTP and curve math; files two at a time (two cores shared with other work).
export default defineTestConfig({ timeoutMs: 20_000 });
