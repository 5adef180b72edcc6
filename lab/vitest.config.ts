// By path, not "@pylon/testkit/vitest": vitest's default config loader leaves package imports to Node, and
// Node 20 cannot load testkit's TypeScript.
import { defineTestConfig } from "../packages/testkit/src/vitest.js";

// The soak's fast subset starts a relay, a mint and provider processes: one file at a time.
export default defineTestConfig({ serial: true });
