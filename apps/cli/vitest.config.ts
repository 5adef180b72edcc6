// By path, not "@pylon/testkit/vitest": vitest's config bundler leaves package imports to Node, and Node 20
// cannot load testkit's TypeScript.
import { defineTestConfig } from "../../packages/testkit/src/vitest.js";

// Every test spawns the built CLI (dist/main.js) as a real process, which loads its packages afresh: 30 s
// per test by default, longer where a test says so.
export default defineTestConfig({ timeoutMs: 30_000 });
