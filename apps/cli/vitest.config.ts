import { defineTestConfig } from "@pylon/testkit/vitest";

// Every test spawns the built CLI (dist/main.js) as a real process, which loads its packages afresh: 30 s
// per test by default, longer where a test says so.
export default defineTestConfig({ timeoutMs: 30_000 });
