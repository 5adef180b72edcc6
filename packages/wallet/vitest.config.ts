import { defineTestConfig } from "@pylon/testkit/vitest";

// Real local mint over HTTP, real SQLite and real child processes (crash tests): generous but bounded
// timeouts, and files one after another so the two cores are not split between curve math in two suites.
export default defineTestConfig({ timeoutMs: 30_000, serial: true });
